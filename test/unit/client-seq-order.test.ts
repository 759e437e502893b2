import { expect } from 'chai';
import { AckBatcher } from '../../client/src/ack-batcher';
import { SeqOrder } from '../../client/src/seq-order';
import { createFakeClock } from '../support/fake-clock';

function seqs(arrivals: { seq: number }[]): number[] {
  return arrivals.map((a) => a.seq);
}

describe('client seq order', () => {
  it('hands on pushes that follow the last seq, and duplicates as they come', () => {
    const order = new SeqOrder<string>();
    order.start(3);
    expect(seqs(order.receive({ seq: 4, prev: undefined, item: 'a' }).ready)).to.deep.equal([4]);
    expect(seqs(order.receive({ seq: 2, prev: undefined, item: 'dup' }).ready)).to.deep.equal([2]);
    expect(order.contiguous).to.equal(4);
  });

  it('waits behind a hole, asks for a resync once, and drains when the hole fills', () => {
    const order = new SeqOrder<string>();
    order.start(0);
    order.receive({ seq: 1, prev: undefined, item: '' });
    const first = order.receive({ seq: 4, prev: undefined, item: '' });
    expect(first).to.deep.equal({ ready: [], gap: true });
    expect(order.receive({ seq: 3, prev: undefined, item: '' }).gap, 'one resync per hole').to.equal(false);
    expect(seqs(order.receive({ seq: 2, prev: 1, item: '' }).ready)).to.deep.equal([2, 3, 4]);
    expect(order.waitingCount).to.equal(0);
  });

  it('takes prev as the server’s word that a hole holds nothing for this device', () => {
    const order = new SeqOrder<string>();
    order.start(10);
    expect(seqs(order.receive({ seq: 14, prev: 10, item: '' }).ready)).to.deep.equal([14]);
  });

  it('forgets a waiting push that arrived again in order, so the next hole asks again', () => {
    const order = new SeqOrder<string>();
    order.start(0);
    order.receive({ seq: 2, prev: undefined, item: '' });
    expect(seqs(order.receive({ seq: 1, prev: 0, item: '' }).ready)).to.deep.equal([1, 2]);
    expect(order.receive({ seq: 2, prev: 1, item: '' }).ready.length).to.equal(1); // resent copy: a duplicate
    expect(order.waitingCount).to.equal(0);
    expect(order.receive({ seq: 5, prev: undefined, item: '' }).gap).to.equal(true);
  });

  it('lets what waits go on, in order, once the server says it sent everything through a seq', () => {
    const order = new SeqOrder<string>();
    order.start(1);
    order.receive({ seq: 6, prev: undefined, item: '' });
    order.receive({ seq: 4, prev: undefined, item: '' });
    expect(seqs(order.settle(6))).to.deep.equal([4, 6]);
    expect(order.contiguous).to.equal(6);
  });

  it('starts from the first push when the login gave no start point', () => {
    const order = new SeqOrder<string>();
    order.start(undefined);
    expect(seqs(order.receive({ seq: 9, prev: undefined, item: '' }).ready)).to.deep.equal([9]);
    expect(order.receive({ seq: 11, prev: undefined, item: '' }).gap).to.equal(true);
  });

  it('does not wait without bound: past maxWaiting what waits goes on in order', () => {
    const order = new SeqOrder<string>({ maxWaiting: 3 });
    order.start(0);
    for (const seq of [3, 5, 4]) order.receive({ seq, prev: undefined, item: '' });
    expect(seqs(order.receive({ seq: 6, prev: undefined, item: '' }).ready)).to.deep.equal([3, 4, 5, 6]);
  });
});

describe('client ack batcher: contiguous acks', () => {
  it('never acks past a push whose handler is still running', async () => {
    const clock = createFakeClock(0);
    const sent: number[] = [];
    const acks = new AckBatcher(clock, { maxDelay: 1000, maxBatch: 100 }, (seq) => sent.push(seq));
    acks.resume();
    for (const seq of [1, 2, 3]) acks.begin(seq);
    acks.record(1);
    acks.record(3);
    await clock.tick(1000);
    expect(sent).to.deep.equal([1]);
    acks.record(2);
    await clock.tick(1000);
    expect(sent).to.deep.equal([1, 3]);
  });

  it('sends a refused ack again with the next batch', async () => {
    const clock = createFakeClock(0);
    const sent: number[] = [];
    const acks = new AckBatcher(clock, { maxDelay: 1000, maxBatch: 100 }, (seq) => sent.push(seq));
    acks.resume();
    acks.begin(1);
    acks.record(1);
    await clock.tick(1000);
    acks.retry();
    await clock.tick(1000);
    expect(sent).to.deep.equal([1, 1]);
  });
});
