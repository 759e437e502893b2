import { expect } from 'chai';
import type { HeraldClient } from '../../client/src';
import { ClientFixture, nextEvent, realDelay, until } from '../support/client-harness';

describe('client SDK: heartbeat (150 s of silence, 30 s per answer)', () => {
  let fx: ClientFixture;

  afterEach(async () => {
    await fx.cleanup();
  });

  /** Ticks to 1 ms before `at`, proves no heartbeat went out, then ticks onto it. */
  async function expectHeartbeatAt(at: number): Promise<void> {
    const before = fx.herald.heartbeats.length;
    await fx.tick(at - fx.fake.now - 1);
    await realDelay(20);
    expect(fx.herald.heartbeats, 'heartbeats 1 ms early').to.have.length(before);
    await fx.tick(1);
    await fx.herald.waitFor('heartbeats', before + 1);
    expect(fx.herald.heartbeats[before]?.at).to.equal(at);
  }

  async function loggedInClient(): Promise<{ client: HeraldClient; t0: number }> {
    const client = fx.client({ credentials: { token: 't1' } });
    await nextEvent(client, 'loggedIn');
    return { client, t0: fx.herald.logins[0]?.at as number };
  }

  describe('with the default figures', () => {
    beforeEach(async () => {
      fx = await ClientFixture.start();
    });

    it('sends a heartbeat after 150 s of silence, and again 150 s after the answered one', async () => {
      const { t0 } = await loggedInClient();
      await expectHeartbeatAt(t0 + 150_000);
      await expectHeartbeatAt(t0 + 300_000);
      expect(fx.herald.heartbeats[0]?.payload).to.deep.equal({});
    });

    it('starts the silence again when a push arrives', async () => {
      const { client, t0 } = await loggedInClient();
      const got: unknown[] = [];
      client.on('message', (data) => {
        got.push(data);
      });
      await fx.tick(100_000);
      fx.herald.push('wake');
      await until(() => got.length === 1, 'the push');
      await expectHeartbeatAt(t0 + 250_000);
    });

    it('starts the silence again when the client sends something', async () => {
      const { client, t0 } = await loggedInClient();
      await fx.tick(120_000);
      await client.subscribe('news');
      await expectHeartbeatAt(t0 + 270_000);
    });

    it('heartbeats an anonymous connection with the policy interval too', async () => {
      const client = fx.client();
      await nextEvent(client, 'connected');
      await expectHeartbeatAt(fx.herald.connections[0]!.at + 150_000);
    });

    it('sends one more heartbeat after 30 s without an answer, closes the connection after 60 s, and reconnects', async () => {
      const { client, t0 } = await loggedInClient();
      fx.herald.answerHeartbeats = false;
      await expectHeartbeatAt(t0 + 150_000);
      await expectHeartbeatAt(t0 + 180_000);

      await fx.tick(29_999);
      expect(client.state).to.equal('connected');
      const disconnected = nextEvent(client, 'disconnected');
      await fx.tick(1);
      expect((await disconnected)[0]).to.deep.equal({ reason: 'heartbeat timeout', willReconnect: true });
      expect(fx.log(client, 'disconnected')[0]?.at).to.equal(t0 + 210_000);
      await fx.herald.waitFor('disconnects', 1);
      expect(fx.log(client, 'reconnecting').map((e) => e.args[0])).to.deep.equal([{ attempt: 1, delay: 60_000 }]);

      fx.herald.answerHeartbeats = true;
      const loggedIn = nextEvent(client, 'loggedIn');
      await fx.tick(59_999);
      await realDelay(20);
      expect(fx.herald.connections).to.have.length(1);
      await fx.tick(1);
      await loggedIn;
      expect(fx.herald.connections[1]?.at).to.equal(t0 + 270_000);
      expect(fx.herald.logins[1]?.at).to.equal(t0 + 270_000);
    });

    it('counts a late answer to the first heartbeat: no third one, no close', async () => {
      const { client, t0 } = await loggedInClient();
      fx.herald.answerHeartbeats = false;
      await expectHeartbeatAt(t0 + 150_000);
      await fx.tick(10_000);
      fx.herald.answerHeartbeats = true;
      fx.herald.push('proof of life');
      await realDelay(30);
      await expectHeartbeatAt(t0 + 310_000);
      expect(client.state).to.equal('connected');
    });

    it('sends nothing with heartbeat: false', async () => {
      const client = fx.client({ credentials: { token: 't1' }, heartbeat: false });
      await nextEvent(client, 'loggedIn');
      await fx.tick(3_600_000);
      await realDelay(30);
      expect(fx.herald.heartbeats).to.have.length(0);
    });
  });

  describe('with the figures a server announces', () => {
    beforeEach(async () => {
      fx = await ClientFixture.start({ idleTimeout: 60 });
    });

    it("uses the login answer's heartbeatInterval (idleTimeout − 30 s)", async () => {
      const { t0 } = await loggedInClient();
      await expectHeartbeatAt(t0 + 30_000);
    });

    it('keeps an interval the app set explicitly', async () => {
      const client = fx.client({ credentials: { token: 't1' }, policy: { heartbeat: { interval: 20 } } });
      await nextEvent(client, 'loggedIn');
      await expectHeartbeatAt(fx.herald.logins[0]!.at + 20_000);
    });
  });
});
