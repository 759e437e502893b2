import { expect } from 'chai';
import { ClientFixture, nextEvent, realDelay } from '../support/client-harness';

describe('client SDK: endpoint look-up (GET /api/v1/endpoint, cached for ttl)', () => {
  let fx: ClientFixture;

  afterEach(async () => {
    await fx.cleanup();
  });

  describe('with the default answer (ttl 300 s)', () => {
    beforeEach(async () => {
      fx = await ClientFixture.start({ transports: ['polling'] });
    });

    it('connects to the URL and transports the endpoint gives', async () => {
      const client = fx.client({ endpoint: fx.herald.endpointUrl });
      const [connected] = await nextEvent(client, 'connected');
      expect(connected).to.deep.equal({ url: fx.herald.url, transport: 'polling' });
      expect(fx.herald.endpointHits).to.equal(1);
    });

    it('reuses the answer on reconnect while it is fresh, and asks again once ttl has passed', async () => {
      // one long tick would leave no real time for heartbeat answers: heartbeats are not the subject here
      const client = fx.client({ endpoint: fx.herald.endpointUrl, heartbeat: false });
      await nextEvent(client, 'connected');
      const t0 = fx.fake.now;
      fx.herald.dropConnections();
      await nextEvent(client, 'disconnected');
      await fx.tick(60_000);
      await nextEvent(client, 'connected');
      expect(fx.herald.endpointHits, 'cached at 60 s').to.equal(1);

      await fx.tick(240_000 - 1);
      fx.herald.dropConnections();
      await nextEvent(client, 'disconnected');
      await fx.tick(60_000);
      await nextEvent(client, 'connected');
      expect(fx.fake.now - t0).to.equal(360_000 - 1);
      expect(fx.herald.endpointHits, 'stale after 300 s').to.equal(2);
    });

    it('keeps the answer in storage: another client (a page reload) reuses it until ttl ends', async () => {
      const first = fx.client({ endpoint: fx.herald.endpointUrl });
      await nextEvent(first, 'connected');
      const t0 = fx.fake.now;
      const stored = JSON.parse(fx.storage.getItem(`herald:endpoint:${fx.herald.endpointUrl}`) ?? 'null');
      expect(stored).to.deep.include({ expiresAt: t0 + 300_000 });
      first.close();

      await fx.tick(300_000 - 1);
      const second = fx.client({ endpoint: fx.herald.endpointUrl });
      await nextEvent(second, 'connected');
      expect(fx.herald.endpointHits).to.equal(1);
      second.close();

      await fx.tick(1);
      const third = fx.client({ endpoint: fx.herald.endpointUrl });
      await nextEvent(third, 'connected');
      expect(fx.herald.endpointHits).to.equal(2);
    });

    it('drops the answer after failed, so the next connect() asks again', async () => {
      const client = fx.client({ endpoint: fx.herald.endpointUrl });
      await nextEvent(client, 'connected');
      fx.herald.refuseConnections = true;
      fx.herald.dropConnections();
      await nextEvent(client, 'disconnected');
      const failed = nextEvent(client, 'failed');
      for (const step of [60_000, 120_000, 180_000]) {
        await fx.tick(step);
        await realDelay(30);
      }
      await failed;
      // attempts 1 and 2 (60 s, 180 s) use the cached answer; attempt 3 (360 s) is past the ttl
      expect(fx.herald.endpointHits).to.equal(2);
      expect(fx.storage.getItem(`herald:endpoint:${fx.herald.endpointUrl}`)).to.equal(null);

      fx.herald.refuseConnections = false;
      client.connect();
      await nextEvent(client, 'connected');
      expect(fx.herald.endpointHits).to.equal(3);
    });

    it('counts a failed look-up as a failed attempt', async () => {
      const client = fx.client({ endpoint: `${fx.herald.url}/api/v1/nothing-here` });
      const [step] = await nextEvent(client, 'reconnecting');
      expect(step).to.deep.equal({ attempt: 1, delay: 60_000 });
      expect(client.state).to.equal('reconnecting');
    });
  });

  describe("with the server's own policy", () => {
    beforeEach(async () => {
      fx = await ClientFixture.start({
        policy: {
          reconnect: { delays: [5, 10], jitter: 0 },
          heartbeat: { interval: 40, timeout: 7, retries: 0 },
          login: { retryInterval: 12 },
          idleTimeout: 70,
          connectTimeout: 3,
        },
      });
    });

    it('applies it: delays, heartbeat and login figures come from the answer', async () => {
      const client = fx.client({ endpoint: fx.herald.endpointUrl });
      await nextEvent(client, 'connected');
      expect(client.policy).to.deep.equal({
        reconnect: { delays: [5, 10], jitter: 0 },
        heartbeat: { interval: 40, timeout: 7, retries: 0 },
        login: { retryInterval: 12 },
        idleTimeout: 70,
        connectTimeout: 3,
      });
      const t0 = fx.herald.connections[0]!.at;
      await fx.tick(40_000);
      await fx.herald.waitFor('heartbeats', 1);
      expect(fx.herald.heartbeats[0]?.at).to.equal(t0 + 40_000);

      fx.herald.refuseConnections = true;
      fx.herald.dropConnections();
      const [step] = await nextEvent(client, 'reconnecting');
      expect(step).to.deep.equal({ attempt: 1, delay: 5_000 });
    });

    it("lets the app's own policy win over the server's", async () => {
      fx.herald.loginMode = 'AUTH_REJECTED';
      const client = fx.client({ endpoint: fx.herald.endpointUrl, credentials: { token: 't' }, policy: { login: { retryInterval: 20 } } });
      const [failure] = await nextEvent(client, 'loginFailed');
      expect(failure.retryIn).to.equal(20_000);
      expect(client.policy.reconnect.delays).to.deep.equal([5, 10]);
    });
  });
});
