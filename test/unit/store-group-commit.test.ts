/**
 * The group committer on its own, with a fake clock and a fake writer that records every batch.
 */
import { expect } from 'chai';
import { HeraldError } from '../../shared/errors';
import { GroupCommitter, type GroupCommitOptions } from '../../shared/store/group-commit';
import { createFakeClock, type FakeClock } from '../support/fake-clock';

/** A writer whose batches stay open until the test settles them. */
class FakeWriter {
  readonly batches: string[][] = [];
  private readonly settles: { resolve: () => void; reject: (err: Error) => void }[] = [];
  /** Settle each batch as soon as it arrives. */
  auto = false;

  readonly write = (items: string[]): Promise<string[]> => {
    this.batches.push(items);
    if (this.auto) return Promise.resolve(items.map((i) => `ok:${i}`));
    return new Promise((resolve, reject) => {
      this.settles.push({ resolve: () => resolve(items.map((i) => `ok:${i}`)), reject });
    });
  };

  get open(): number {
    return this.settles.length;
  }

  finish(): void {
    this.settles.shift()?.resolve();
  }

  fail(err: Error): void {
    this.settles.shift()?.reject(err);
  }
}

describe('GroupCommitter', function () {
  let clock: FakeClock;
  let writer: FakeWriter;

  function committer(options: Partial<GroupCommitOptions> = {}): GroupCommitter<string, string> {
    return new GroupCommitter(writer.write, { maxDelayMs: 5, maxBatchRows: 10, maxConcurrentBatches: 1, ...options }, clock);
  }

  beforeEach(function () {
    clock = createFakeClock(0);
    writer = new FakeWriter();
  });

  it('writes calls made together in one batch and gives each caller its own results, in order', async function () {
    writer.auto = true;
    const c = committer();
    const calls = [c.submit(['a1', 'a2']), c.submit(['b1']), c.submit(['c1', 'c2', 'c3'])];
    await clock.tick(5);
    expect(writer.batches).to.deep.equal([['a1', 'a2', 'b1', 'c1', 'c2', 'c3']]);
    expect(await Promise.all(calls)).to.deep.equal([['ok:a1', 'ok:a2'], ['ok:b1'], ['ok:c1', 'ok:c2', 'ok:c3']]);
  });

  it('waits at most maxDelayMs for company', async function () {
    writer.auto = true;
    const c = committer({ maxDelayMs: 5 });
    void c.submit(['a']);
    await clock.tick(4);
    expect(writer.batches).to.have.length(0);
    await clock.tick(1);
    expect(writer.batches).to.deep.equal([['a']]);
  });

  it('writes a full batch at once, without waiting for the delay', async function () {
    writer.auto = true;
    const c = committer({ maxBatchRows: 4 });
    void c.submit(['a', 'b']);
    void c.submit(['c', 'd']);
    await clock.tick(0);
    expect(writer.batches).to.deep.equal([['a', 'b', 'c', 'd']]);
  });

  it('never splits a call: one above maxBatchRows forms a batch of its own', async function () {
    writer.auto = true;
    const c = committer({ maxBatchRows: 3, maxConcurrentBatches: 3 });
    const small = c.submit(['s1']);
    const big = c.submit(['b1', 'b2', 'b3', 'b4', 'b5']);
    const after = c.submit(['t1']);
    await clock.tick(5);
    expect(writer.batches).to.deep.equal([['s1'], ['b1', 'b2', 'b3', 'b4', 'b5'], ['t1']]);
    expect(await big).to.have.length(5);
    expect(await small).to.deep.equal(['ok:s1']);
    expect(await after).to.deep.equal(['ok:t1']);
  });

  it('writes at most maxConcurrentBatches at once; calls made meanwhile form the next batch', async function () {
    const c = committer({ maxConcurrentBatches: 2, maxBatchRows: 2 });
    const calls = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((x) => c.submit([x]));
    await clock.tick(0);
    expect(writer.batches).to.deep.equal([['a', 'b'], ['c', 'd']]);
    expect(writer.open).to.equal(2);
    await clock.tick(100);
    expect(writer.batches).to.have.length(2);
    writer.finish();
    await clock.tick(0);
    // The queued calls go as soon as a slot frees, without waiting for the delay.
    expect(writer.batches[2]).to.deep.equal(['e', 'f']);
    writer.finish();
    writer.finish();
    await clock.tick(0);
    expect(writer.batches[3]).to.deep.equal(['g']);
    writer.finish();
    expect((await Promise.all(calls)).flat()).to.deep.equal(['ok:a', 'ok:b', 'ok:c', 'ok:d', 'ok:e', 'ok:f', 'ok:g']);
  });

  it('rejects every caller of a failed batch with its error, and goes on with the next batch', async function () {
    const c = committer();
    const first = [c.submit(['a']), c.submit(['b'])];
    await clock.tick(5);
    const later = c.submit(['c']);
    writer.fail(new Error('deadlock'));
    for (const call of first) {
      await call.then(
        () => expect.fail('should reject'),
        (err: Error) => expect(err.message).to.equal('deadlock'),
      );
    }
    await clock.tick(0);
    writer.finish();
    expect(await later).to.deep.equal(['ok:c']);
  });

  it('rejects a writer that returns the wrong number of results', async function () {
    const c = new GroupCommitter<string, string>(async () => ['only one'], { maxDelayMs: 0 }, clock);
    const outcome = c.submit(['a', 'b']).then(
      () => expect.fail('should reject'),
      (err: Error) => expect(err.message).to.match(/1 results for 2 items/),
    );
    await clock.tick(0);
    await outcome;
  });

  it('refuses calls beyond maxQueuedRows with STORE_UNAVAILABLE, but always takes one call into an empty queue', async function () {
    const c = committer({ maxQueuedRows: 5, maxBatchRows: 100 });
    const big = c.submit(['1', '2', '3', '4', '5', '6', '7']);
    const refused = c.submit(['x']);
    await refused.then(
      () => expect.fail('should reject'),
      (err: HeraldError) => expect(err.code).to.equal('STORE_UNAVAILABLE'),
    );
    expect(c.pendingRows).to.equal(7);
    await clock.tick(5);
    writer.finish();
    expect(await big).to.have.length(7);
  });

  it('on close() writes what is queued at once, waits for it, then refuses new calls', async function () {
    const c = committer({ maxDelayMs: 1000 });
    const queued = c.submit(['a']);
    const closed = c.close();
    await clock.tick(0);
    expect(writer.batches).to.deep.equal([['a']]);
    let done = false;
    void closed.then(() => (done = true));
    await clock.tick(0);
    expect(done).to.equal(false);
    writer.finish();
    await closed;
    expect(await queued).to.deep.equal(['ok:a']);
    await c.submit(['b']).then(
      () => expect.fail('should reject'),
      (err: HeraldError) => expect(err.code).to.equal('STORE_UNAVAILABLE'),
    );
    await c.close();
  });

  it('never writes two batches sharing a key at once: a call on a busy key waits for the next batch, with the calls behind it on that key', async function () {
    // Items are "key:n"; the key is what a batch of the message store locks (a uid's seq row).
    const c = new GroupCommitter(writer.write, { maxDelayMs: 5, maxBatchRows: 10, maxConcurrentBatches: 3 }, clock, (item: string) => item.split(':')[0]);
    const first = c.submit(['a:1', 'b:1']);
    await clock.tick(5);
    expect(writer.batches).to.deep.equal([['a:1', 'b:1']]);
    const calls = [c.submit(['a:2']), c.submit(['c:1']), c.submit(['d:1', 'a:3']), c.submit(['d:2']), c.submit(['e:1'])];
    await clock.tick(5);
    // a:2 waits for the batch holding a; d:1+a:3 waits behind it (same key a), and d:2 behind that (key d).
    expect(writer.batches).to.deep.equal([['a:1', 'b:1'], ['c:1', 'e:1']]);
    // Once a is free, the waiting calls go together, in their order (one transaction may hold a key twice).
    writer.finish();
    await first;
    await clock.tick(0);
    expect(writer.batches.slice(2)).to.deep.equal([['a:2', 'd:1', 'a:3', 'd:2']]);
    writer.finish();
    writer.finish();
    expect(await Promise.all(calls)).to.deep.equal([['ok:a:2'], ['ok:c:1'], ['ok:d:1', 'ok:a:3'], ['ok:d:2'], ['ok:e:1']]);
  });

  it('refuses nonsense options', function () {
    expect(() => committer({ maxBatchRows: 0 })).to.throw(RangeError, /maxBatchRows/);
    expect(() => committer({ maxDelayMs: -1 })).to.throw(RangeError, /maxDelayMs/);
  });
});
