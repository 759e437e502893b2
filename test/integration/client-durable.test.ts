import { expect } from 'chai';
import type { HeraldClient, PushMeta } from '../../client/src';
import { ClientFixture, nextEvent, realDelay, until } from '../support/client-harness';

describe('client SDK: durable pushes (batched acks, duplicates dropped by seq)', () => {
  let fx: ClientFixture;
  let client: HeraldClient;
  let seen: number[];

  beforeEach(async () => {
    fx = await ClientFixture.start();
    seen = [];
    client = fx.client({ credentials: { token: 't1' } });
    client.on('message', (_data, meta: PushMeta) => {
      if (meta.seq !== undefined) seen.push(meta.seq);
    });
    await nextEvent(client, 'loggedIn');
  });

  afterEach(async () => {
    await fx.cleanup();
  });

  function pushSeqs(from: number, to: number): void {
    for (let seq = from; seq <= to; seq++) fx.herald.push({ n: seq }, { seq });
  }

  function ackedSeqs(): number[] {
    return fx.herald.acks.map((a) => a.payload.seq);
  }

  it('acks the highest seq once, 1 s after the first push of a batch', async () => {
    const t0 = fx.fake.now;
    pushSeqs(1, 5);
    await until(() => seen.length === 5, 'five pushes');
    await fx.tick(999);
    await realDelay(20);
    expect(fx.herald.acks).to.have.length(0);
    await fx.tick(1);
    await fx.herald.waitFor('acks', 1);
    expect(fx.herald.acks.map((a) => [a.at - t0, a.payload])).to.deep.equal([[1_000, { seq: 5 }]]);
  });

  it('acks at once every 100 pushes, and the rest within 1 s', async () => {
    const t0 = fx.fake.now;
    pushSeqs(1, 250);
    await until(() => seen.length === 250, '250 pushes');
    await fx.herald.waitFor('acks', 2);
    await fx.tick(1_000);
    await fx.herald.waitFor('acks', 3);
    expect(fx.herald.acks.map((a) => [a.at - t0, a.payload.seq])).to.deep.equal([
      [0, 100],
      [0, 200],
      [1_000, 250],
    ]);
  });

  it('does not ack ephemeral pushes', async () => {
    fx.herald.push('plain');
    await realDelay(30);
    await fx.tick(5_000);
    await realDelay(20);
    expect(fx.herald.acks).to.have.length(0);
  });

  it('acks only after an async handler has finished', async () => {
    let finish: () => void = () => undefined;
    client.on('slow', () => new Promise<void>((resolve) => (finish = resolve)));
    fx.herald.push('work', { event: 'slow', seq: 1 });
    await realDelay(30);
    await fx.tick(5_000);
    await realDelay(20);
    expect(fx.herald.acks, 'handler still running').to.have.length(0);
    finish();
    await realDelay(5);
    await fx.tick(1_000);
    await fx.herald.waitFor('acks', 1);
    expect(ackedSeqs()).to.deep.equal([1]);
  });

  it('runs each handler once per seq when pushes arrive twice', async () => {
    pushSeqs(1, 3);
    pushSeqs(2, 4);
    await until(() => seen.length >= 4, 'four distinct pushes');
    await realDelay(20);
    expect(seen).to.deep.equal([1, 2, 3, 4]);
    await fx.tick(1_000);
    await fx.herald.waitFor('acks', 1);
    expect(ackedSeqs()).to.deep.equal([4]);
  });

  it('never runs a handler twice for a replay after reconnect, and acks the highest seq after login', async () => {
    pushSeqs(1, 3);
    await until(() => seen.length === 3, 'three pushes');
    fx.herald.dropConnections();
    await nextEvent(client, 'disconnected');
    await fx.tick(60_000);
    await nextEvent(client, 'loggedIn');
    const relogin = fx.fake.now;
    pushSeqs(1, 4); // Herald replays past the cursor it has (none acked yet), then the live push
    await until(() => seen.length === 4, 'the live push');
    await realDelay(20);
    expect(seen).to.deep.equal([1, 2, 3, 4]);
    await fx.tick(1_000);
    await fx.herald.waitFor('acks', 1);
    expect(fx.herald.acks.map((a) => [a.at - relogin, a.payload.seq])).to.deep.equal([[1_000, 4]]);
    expect(fx.herald.acks[0]?.socketId).to.equal(fx.herald.logins[1]?.socketId);
  });

  it('sends a waiting ack before logout, and starts seqs over for another user', async () => {
    pushSeqs(1, 2);
    await until(() => seen.length === 2, 'two pushes');
    await client.logout();
    expect(ackedSeqs(), 'flushed before logout').to.deep.equal([2]);
    expect(fx.herald.acks[0]!.at).to.equal(fx.herald.logouts[0]!.at);
    await client.login({ token: 't2' });
    pushSeqs(1, 1);
    await until(() => seen.length === 3, "the new user's first push");
    expect(seen).to.deep.equal([1, 2, 1]);
  });

  it('holds a push behind an unexplained hole, asks for a resync, and runs handlers in seq order', async () => {
    fx.herald.onResync = (socket, after) => {
      // What the server resends: the missing seq 3, chained to the client's last seq.
      socket.emit('message', { id: 'r3', seq: 3, prev: after, data: { n: 3 }, ts: 0 });
      return 4;
    };
    pushSeqs(1, 2);
    fx.herald.push({ n: 4 }, { seq: 4 }); // 3 went missing on the way
    await fx.herald.waitFor('resyncs', 1);
    expect(fx.herald.resyncs[0]?.payload).to.deep.equal({ after: 2 });
    await until(() => seen.length === 4, 'the filled hole');
    expect(seen).to.deep.equal([1, 2, 3, 4]);
    await fx.tick(1_000);
    await fx.herald.waitFor('acks', 1);
    expect(ackedSeqs()).to.deep.equal([4]);
  });

  it('takes a hole the server explains with prev (another platform’s push) without a resync', async () => {
    pushSeqs(1, 2);
    fx.herald.push({ n: 5 }, { seq: 5, prev: 2 });
    await until(() => seen.length === 3, 'the push after the hole');
    expect(seen).to.deep.equal([1, 2, 5]);
    await realDelay(30);
    expect(fx.herald.resyncs).to.have.length(0);
  });

  it('goes on in order when the server says the hole holds nothing more (resync answered through)', async () => {
    fx.herald.onResync = () => 6;
    pushSeqs(1, 1);
    fx.herald.push({ n: 6 }, { seq: 6 });
    fx.herald.push({ n: 5 }, { seq: 5 });
    await until(() => seen.length === 3, 'the pushes after the hole');
    expect(seen).to.deep.equal([1, 5, 6]);
  });

  it('acks only up to the highest seq with no handler still running before it', async () => {
    let finish2: () => void = () => undefined;
    client.on('slow', (_d, meta: PushMeta) => (meta.seq === 2 ? new Promise<void>((resolve) => (finish2 = resolve)) : undefined));
    for (let seq = 1; seq <= 4; seq++) fx.herald.push({ n: seq }, { event: 'slow', seq });
    await realDelay(30);
    await fx.tick(1_000);
    await fx.herald.waitFor('acks', 1);
    expect(ackedSeqs(), 'seq 2 still running: 3 and 4 are not acked').to.deep.equal([1]);
    finish2();
    await realDelay(5);
    await fx.tick(1_000);
    await fx.herald.waitFor('acks', 2);
    expect(ackedSeqs()).to.deep.equal([1, 4]);
  });
});
