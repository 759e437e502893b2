import { expect } from 'chai';
import type { HeraldClient } from '../../client/src';
import { ClientFixture, nextEvent, realDelay, until } from '../support/client-harness';

describe('client SDK: reconnect policy (60 s, 120 s, 180 s, then failed)', () => {
  let fx: ClientFixture;

  beforeEach(async () => {
    fx = await ClientFixture.start();
  });

  afterEach(async () => {
    await fx.cleanup();
  });

  /** Attempt n+1 reaches the server exactly at `at`, and not 1 ms earlier. */
  async function expectAttemptAt(client: HeraldClient, at: number): Promise<void> {
    await fx.tick(at - fx.fake.now - 1);
    expect(client.state).to.equal('reconnecting');
    await fx.expectRecordAt('attempts', at);
  }

  async function connectedClient(): Promise<HeraldClient> {
    const client = fx.client({ credentials: { token: 't1' } });
    await nextEvent(client, 'loggedIn');
    return client;
  }

  it('makes three attempts exactly 60 s, 120 s and 180 s apart after a loss, then emits failed', async () => {
    const client = await connectedClient();
    fx.herald.refuseConnections = true;
    const lost = fx.fake.now;
    const disconnected = nextEvent(client, 'disconnected');
    fx.herald.dropConnections();
    expect((await disconnected)[0]).to.deep.equal({ reason: 'transport close', willReconnect: true });
    expect(fx.log(client, 'reconnecting').map((e) => e.args[0])).to.deep.equal([{ attempt: 1, delay: 60_000 }]);

    let next = nextEvent(client, 'reconnecting');
    await expectAttemptAt(client, lost + 60_000);
    expect((await next)[0]).to.deep.equal({ attempt: 2, delay: 120_000 });

    next = nextEvent(client, 'reconnecting');
    await expectAttemptAt(client, lost + 180_000);
    expect((await next)[0]).to.deep.equal({ attempt: 3, delay: 180_000 });

    const failed = nextEvent(client, 'failed');
    await expectAttemptAt(client, lost + 360_000);
    const [info] = await failed;
    expect(info.attempts).to.equal(3);
    expect(info.error.code).to.equal('CONNECT_FAILED');
    expect(client.state).to.equal('failed');
    expect(fx.log(client, 'failed')[0]?.at).to.equal(lost + 360_000);

    const attempts = fx.herald.attempts.length;
    await fx.tick(3_600_000);
    await realDelay(30);
    expect(fx.herald.attempts, 'no attempt after failed').to.have.length(attempts);
  });

  it('runs the same policy when the very first connection fails', async () => {
    fx.herald.refuseConnections = true;
    const client = fx.client({ credentials: { token: 't1' } });
    const start = fx.fake.now;
    const [first] = await nextEvent(client, 'reconnecting');
    expect(first).to.deep.equal({ attempt: 1, delay: 60_000 });
    await expectAttemptAt(client, start + 60_000);
  });

  it('reconnects, logs in again, and starts the delays over after a success', async () => {
    const client = await connectedClient();
    fx.herald.refuseConnections = true;
    const lost = fx.fake.now;
    fx.herald.dropConnections();
    await nextEvent(client, 'disconnected');
    const second = nextEvent(client, 'reconnecting');
    await expectAttemptAt(client, lost + 60_000);
    await second;

    fx.herald.refuseConnections = false;
    const loggedIn = nextEvent(client, 'loggedIn');
    await expectAttemptAt(client, lost + 180_000);
    const [result] = await loggedIn;
    expect(result.uid).to.equal('user-t1');
    expect(fx.herald.logins.map((l) => l.at)).to.deep.equal([lost, lost + 180_000]);

    const again = nextEvent(client, 'reconnecting');
    fx.herald.dropConnections();
    expect((await again)[0]).to.deep.equal({ attempt: 1, delay: 60_000 });
  });

  it('cuts a hanging attempt after the 10 s connect timeout without stretching the schedule', async () => {
    const hole = await fx.blackhole();
    const client = fx.client({ url: hole.url });
    await until(() => hole.stamps.length === 1, 'the first connection to the hanging host');
    const start = fx.fake.now;

    await fx.tick(9_999);
    expect(client.state).to.equal('connecting');
    await fx.tick(1);
    expect(fx.log(client, 'reconnecting').map((e) => [e.at - start, e.args[0]])).to.deep.equal([
      [10_000, { attempt: 1, delay: 50_000 }],
    ]);

    await fx.tick(50_000);
    await until(() => hole.stamps.length === 2, 'attempt 1');
    await fx.tick(10_000);
    await fx.tick(110_000);
    await until(() => hole.stamps.length === 3, 'attempt 2');
    await fx.tick(180_000);
    await until(() => hole.stamps.length === 4, 'attempt 3');
    expect(hole.stamps.map((t) => t - start)).to.deep.equal([0, 60_000, 180_000, 360_000]);
    expect(fx.log(client, 'reconnecting').map((e) => [e.at - start, e.args[0]])).to.deep.equal([
      [10_000, { attempt: 1, delay: 50_000 }],
      [70_000, { attempt: 2, delay: 110_000 }],
      [190_000, { attempt: 3, delay: 170_000 }],
    ]);

    const failed = nextEvent(client, 'failed');
    await fx.tick(9_999);
    expect(client.state).to.equal('connecting');
    await fx.tick(1);
    const [info] = await failed;
    expect(info.error.code).to.equal('TIMEOUT');
  });

  it('uses jitter from the policy when asked', async () => {
    fx.herald.refuseConnections = true;
    const client = fx.client({ policy: { reconnect: { jitter: 0.5 } }, random: () => 1 - 1e-9 });
    const [first] = await nextEvent(client, 'reconnecting');
    expect(first.delay).to.equal(90_000);
  });

  it('connect() after failed starts a fresh round of attempts', async () => {
    fx.herald.refuseConnections = true;
    const client = fx.client({ policy: { reconnect: { delays: [1] } } });
    await nextEvent(client, 'reconnecting');
    const failed = nextEvent(client, 'failed');
    await fx.tick(1_000);
    await failed;
    fx.herald.refuseConnections = false;
    client.connect();
    await nextEvent(client, 'connected');
    expect(client.state).to.equal('connected');
  });
});
