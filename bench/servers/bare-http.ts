/**
 * The machine's own cost of a request, with no Herald in it: a bare Node HTTP server (a child
 * process that answers `ok`) and a keep-alive client, CPU of the server process per request at a
 * given rate. The hosts scenario measures it at the rate one host takes and at the rate each host
 * of the largest count takes, beside Herald's own figures at the same two rates: on a small
 * virtual machine a process that wakes less often pays more per wake-up (cold caches), and this
 * shows how much of Herald's growth is that.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { pace } from '../pacer';
import { cpuBetween, sampleTree } from '../proc-stats';

/** The child's code, run with `node -e`: no file of its own to find at run time. */
const SERVER_CODE = `require('node:http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', function () { process.send(this.address().port); });`;

export interface BareHttpServer {
  /** Server CPU per request, µs, of `count` GETs at `rate` per second (one second of warm-up first). */
  cpuPerRequest(rate: number, count: number): Promise<number>;
  stop(): void;
}

export async function startBareHttpServer(): Promise<BareHttpServer> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER_CODE], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the bare HTTP server did not start within 10 s')), 10_000);
    child.once('message', (p) => {
      clearTimeout(timer);
      resolve(Number(p));
    });
    child.once('exit', (code) => reject(new Error(`the bare HTTP server exited (${code})`)));
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const get = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  const pid = child.pid as number;
  return {
    async cpuPerRequest(rate, count) {
      await pace({ rate, durationMs: 1000, maxInFlight: 16, send: get });
      const before = sampleTree(pid);
      const paced = await pace({ rate, durationMs: (count / rate) * 1000, maxInFlight: 16, send: get });
      const after = sampleTree(pid);
      return (cpuBetween(before, after) / Math.max(1, paced.sent - paced.failed)) * 1e6;
    },
    stop() {
      agent.destroy();
      child.kill('SIGKILL');
    },
  };
}
