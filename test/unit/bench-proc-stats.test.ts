/**
 * The bench's CPU split (bench/proc-stats.ts): time on a process's JavaScript thread is told from
 * time on its other threads (V8's GC and compiler helpers, libuv's pool, worker threads), read
 * per thread from /proc. Two child processes burn CPU, one on its main thread and one on a worker
 * thread; each sample must put the time on the side where it was spent.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpuBetween, helperShare, sampleTree, systemShare } from '../../bench/proc-stats';

/** A Node child that spins for `ms` of wall time on its main thread or on a worker thread, then says so. */
function spinner(where: 'main' | 'worker', ms: number): ChildProcess {
  const spin = `const end = Date.now() + ${ms}; while (Date.now() < end) {}`;
  const body =
    where === 'main'
      ? `process.once('message', () => { ${spin} process.send('done'); });`
      : // The worker stays alive after its spin: a thread that has ended leaves its time to the
        // process's total only, with no thread of its own to count it under.
        `const { Worker } = require('node:worker_threads');
         const code = ${JSON.stringify(`const { parentPort } = require('node:worker_threads'); ${spin} parentPort.postMessage('spun'); setInterval(() => {}, 1000);`)};
         process.once('message', () => {
           const w = new Worker(code, { eval: true });
           w.once('message', () => process.send('done'));
         });`;
  return spawn(process.execPath, ['-e', body], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

async function measure(where: 'main' | 'worker'): Promise<{ cpu: number; helpers: number | null; kernel: number | null }> {
  const child = spinner(where, 400);
  try {
    // Let Node finish starting (its own start-up runs on helper threads too) before the first sample.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = sampleTree(child.pid as number);
    child.send('go');
    await once(child, 'message');
    const after = sampleTree(child.pid as number);
    return { cpu: cpuBetween(before, after), helpers: helperShare(before, after), kernel: systemShare(before, after) };
  } finally {
    child.kill();
  }
}

describe('bench: CPU per thread (proc-stats)', function () {
  this.timeout(15_000);

  it('counts a spin on the main thread as JavaScript-thread time', async function () {
    const { cpu, helpers, kernel } = await measure('main');
    expect(cpu, 'CPU seconds of the spin').to.be.greaterThan(0.1);
    expect(helpers, 'share off the main thread').to.be.a('number').and.below(40);
    expect(kernel).to.be.a('number').and.below(50);
  });

  it('counts a spin on a worker thread as time off the JavaScript thread', async function () {
    const { cpu, helpers } = await measure('worker');
    expect(cpu, 'CPU seconds of the spin').to.be.greaterThan(0.1);
    expect(helpers, 'share off the main thread').to.be.a('number').and.above(60);
  });

  it('reports no share when no CPU time passed between two samples', function () {
    const sample = sampleTree(process.pid);
    expect(helperShare(sample, sample)).to.equal(null);
    expect(sample.helperSeconds).to.be.at.least(0);
    expect(sample.helperSeconds).to.be.at.most(sample.cpuSeconds);
  });
});
