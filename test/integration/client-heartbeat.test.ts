import { expect } from 'chai';
import type { HeraldClient } from '../../client/src';
import { ClientFixture, nextEvent, realDelay, until } from '../support/client-harness';

describe('client SDK: heartbeat (150 s of silence, 30 s per answer)', () => {
  let fx: ClientFixture;

  afterEach(async () => {
    await fx.cleanup();
  });

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
      await fx.expectRecordAt('heartbeats', t0 + 150_000);
      await fx.expectRecordAt('heartbeats', t0 + 300_000);
      expect(fx.herald.heartbeats[0]?.payload).to.deep.equal({});
    });

    it('keeps an idle client connected for a simulated hour with a heartbeat every 150 s', async () => {
      const { client, t0 } = await loggedInClient();
      await fx.advance(3_600_000);
      expect(fx.herald.heartbeats.map((h) => h.at - t0)).to.deep.equal(
        Array.from({ length: 24 }, (_, i) => (i + 1) * 150_000),
      );
      expect(fx.log(client, 'disconnected')).to.deep.equal([]);
      expect(fx.herald.connections).to.have.length(1);
      expect(client.state).to.equal('connected');
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
      await fx.expectRecordAt('heartbeats', t0 + 250_000);
    });

    it('starts the silence again when the client sends something', async () => {
      const { client, t0 } = await loggedInClient();
      await fx.tick(120_000);
      await client.subscribe('news');
      await fx.expectRecordAt('heartbeats', t0 + 270_000);
    });

    it('heartbeats an anonymous connection with the policy interval too', async () => {
      const client = fx.client();
      await nextEvent(client, 'connected');
      await fx.expectRecordAt('heartbeats', fx.herald.connections[0]!.at + 150_000);
    });

    it('sends one more heartbeat after 30 s without an answer, closes the connection after 60 s, and reconnects', async () => {
      const { client, t0 } = await loggedInClient();
      fx.herald.answerHeartbeats = false;
      await fx.expectRecordAt('heartbeats', t0 + 150_000);
      await fx.expectRecordAt('heartbeats', t0 + 180_000);

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
      await fx.expectRecordAt('heartbeats', t0 + 150_000);
      await fx.tick(10_000);
      fx.herald.answerHeartbeats = true;
      fx.herald.push('proof of life');
      await realDelay(30);
      await fx.expectRecordAt('heartbeats', t0 + 310_000);
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
      await fx.expectRecordAt('heartbeats', t0 + 30_000);
    });

    it('keeps an interval the app set explicitly', async () => {
      const client = fx.client({ credentials: { token: 't1' }, policy: { heartbeat: { interval: 20 } } });
      await nextEvent(client, 'loggedIn');
      await fx.expectRecordAt('heartbeats', fx.herald.logins[0]!.at + 20_000);
    });
  });
});
