/**
 * `HeraldClient.inspect()` and `emitRaw()` on a live connection to the fake Herald (fake clock):
 * transport, login, heartbeat timers, durable seqs and acks as they change, and a raw event's
 * answer or timeout. test/unit/client-inspect.test.ts covers the client without a server.
 */
import { expect } from 'chai';
import type { HeraldClient } from '../../client/src';
import { ClientFixture, nextEvent, realDelay, until } from '../support/client-harness';

describe('client SDK: inspect() and emitRaw() on a live connection', () => {
  let fx: ClientFixture;
  let client: HeraldClient;

  beforeEach(async () => {
    fx = await ClientFixture.start();
    client = fx.client({ credentials: { token: 't1' }, device: 'd-inspect' });
    await nextEvent(client, 'loggedIn');
  });

  afterEach(async () => {
    await fx.cleanup();
  });

  it('shows the connection, the login and the running heartbeat', () => {
    const snap = client.inspect();
    expect(snap.state).to.equal('connected');
    expect(snap.url).to.equal(fx.herald.url);
    expect(snap.transport).to.equal('websocket');
    expect(snap.user).to.include({ uid: 'user-t1', platform: 'web', device: 'd-inspect' });
    expect(snap.reconnect).to.deep.equal({ attempts: 0, next: null });
    expect(snap.heartbeat).to.include({ running: true, unanswered: 0, interval: 150_000, timeout: 30_000 });
    expect(snap.heartbeat.lastActivity).to.equal(fx.fake.now);
  });

  it('follows durable pushes: the last seq at once, the ack once sent', async () => {
    fx.herald.push({ n: 1 }, { seq: 1 });
    fx.herald.push({ n: 2 }, { seq: 2 });
    await until(() => client.inspect().durable.lastSeq === 2, 'seq 2 handled');
    expect(client.inspect().durable).to.deep.equal({ lastSeq: 2, ackedSeq: null, pendingAcks: 2, waiting: 0, resyncing: false });
    await fx.tick(1_000);
    await fx.herald.waitFor('acks', 1);
    expect(client.inspect().durable).to.deep.equal({ lastSeq: 2, ackedSeq: 2, pendingAcks: 0, waiting: 0, resyncing: false });
  });

  it('emitRaw sends any event on the connection and resolves with its answer; it counts as activity', async () => {
    await fx.tick(60_000);
    const sentAt = fx.fake.now;
    const answer = await client.emitRaw('heartbeat', {});
    expect(answer).to.deep.equal({ ok: true, answer: { ok: true, serverTime: sentAt } });
    expect(fx.herald.heartbeats.map((h) => h.at)).to.deep.equal([sentAt]);
    expect(client.inspect().heartbeat.lastActivity).to.equal(sentAt);

    const refused = await client.emitRaw('subscribe', { topic: '' });
    expect(refused.ok && (refused.answer as { ok: boolean; error: { code: string } }).error.code).to.equal('BAD_REQUEST');
    fx.herald.invalid.length = 0; // sent on purpose
  });

  it('emitRaw gives TIMEOUT when nothing answers within its timeout, counted as an open request meanwhile', async () => {
    const pending = client.emitRaw('no-such-event', { x: 1 }, 5_000);
    await realDelay(20);
    expect(client.inspect().openRequests).to.equal(1);
    await fx.tick(4_999);
    await fx.tick(1);
    expect(await pending).to.deep.equal({ ok: false, error: { code: 'TIMEOUT', message: 'no answer within 5 s' } });
    expect(client.inspect().openRequests).to.equal(0);
  });

  it('shows the reconnect plan after a loss: attempt 1 at the loss + 60 s', async () => {
    fx.herald.refuseConnections = true;
    const lost = nextEvent(client, 'reconnecting');
    const at = fx.fake.now;
    fx.herald.dropConnections();
    await lost;
    const snap = client.inspect();
    expect(snap.state).to.equal('reconnecting');
    expect(snap.transport).to.equal(null);
    expect(snap.user).to.equal(null);
    expect(snap.heartbeat.running).to.equal(false);
    expect(snap.reconnect).to.deep.equal({ attempts: 1, next: { attempt: 1, at: at + 60_000 } });
  });
});
