/**
 * Broadcasts that reach a socket in one event-loop turn leave in one write (shared/turn-cork.ts).
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { install } from '@sinonjs/fake-timers';
import { corkForTurn } from '../../shared/turn-cork';

/** A stream that records each batch handed to the "kernel": one entry per write or writev. */
function recordingStream(): { stream: Writable; batches: string[][] } {
  const batches: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      batches.push([chunk.toString()]);
      cb();
    },
    writev(chunks, cb) {
      batches.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      cb();
    },
  });
  return { stream, batches };
}

const realSetImmediate = setImmediate;
const nextTurn = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

describe('corkForTurn', function () {
  it('holds the writes of one turn and hands them over together, in order, when the turn ends', async function () {
    const { stream, batches } = recordingStream();
    corkForTurn(stream);
    stream.write('a');
    corkForTurn(stream);
    stream.write('b');
    process.nextTick(() => stream.write('c'));
    await Promise.resolve();
    expect(batches).to.deep.equal([]);
    await nextTurn();
    expect(batches).to.deep.equal([['a', 'b', 'c']]);
    expect(stream.writableCorked).to.equal(0);
  });

  it('starts afresh in the next turn, and leaves a stream corked by someone else to them', async function () {
    const { stream, batches } = recordingStream();
    corkForTurn(stream);
    stream.write('1');
    await nextTurn();
    corkForTurn(stream);
    stream.write('2');
    await nextTurn();
    expect(batches).to.deep.equal([['1'], ['2']]);

    stream.cork();
    corkForTurn(stream);
    stream.write('3');
    await nextTurn();
    expect(batches).to.have.length(2);
    expect(stream.writableCorked).to.equal(1);
    stream.uncork();
    expect(batches).to.deep.equal([['1'], ['2'], ['3']]);
  });

  it('still flushes when a test has replaced the global timers with a fake clock', async function () {
    const clock = install({ toFake: ['setImmediate', 'setTimeout'] });
    try {
      const { stream, batches } = recordingStream();
      corkForTurn(stream);
      stream.write('x');
      // The real event loop turns; the fake clock never ticks.
      await nextTurn();
      await nextTurn();
      expect(batches).to.deep.equal([['x']]);
    } finally {
      clock.uninstall();
    }
  });
});
