import { expect } from 'chai';
import { createClock } from '@sinonjs/fake-timers';
import { HeraldClient, MemoryStorage } from '../../client/src';
import { loadDeviceId } from '../../client/src/device-id';
import { EndpointCache, parseEndpointAnswer } from '../../client/src/endpoint-cache';
import { DEFAULT_CLIENT_POLICY, mergePolicy } from '../../client/src/policy';
import { SafeStorage, type KeyValueStorage } from '../../client/src/storage';

describe('client SDK configuration (unit)', () => {
  describe('policy', () => {
    it("defaults to the seed's figures", () => {
      expect(DEFAULT_CLIENT_POLICY).to.deep.equal({
        reconnect: { delays: [60, 120, 180], jitter: 0 },
        heartbeat: { interval: 150, timeout: 30, retries: 1 },
        login: { retryInterval: 30 },
        idleTimeout: 180,
        connectTimeout: 10,
      });
    });

    it('takes valid figures from a layer and keeps the base for missing or invalid ones', () => {
      const merged = mergePolicy(DEFAULT_CLIENT_POLICY, {
        reconnect: { delays: [1, 'x'], jitter: 2 },
        heartbeat: { interval: 90, timeout: -1 },
        login: { retryInterval: 15 },
        connectTimeout: 5,
      });
      expect(merged).to.deep.equal({
        reconnect: { delays: [60, 120, 180], jitter: 0 },
        heartbeat: { interval: 90, timeout: 30, retries: 1 },
        login: { retryInterval: 15 },
        idleTimeout: 180,
        connectTimeout: 5,
      });
      expect(mergePolicy(DEFAULT_CLIENT_POLICY, 'garbage')).to.equal(DEFAULT_CLIENT_POLICY);
    });
  });

  describe('endpoint answer', () => {
    it('reads url, path, transports, ttl and policy, and names a bad field', () => {
      expect(
        parseEndpointAnswer({ ok: true, url: 'wss://h', path: '/io', transports: ['websocket', 'carrier-pigeon'], ttl: 300, policy: {} }),
      ).to.deep.equal({ url: 'wss://h', path: '/io', transports: ['websocket'], ttl: 300, policy: {} });
      expect(() => parseEndpointAnswer({ ok: true, ttl: 300 })).to.throw(/url/);
      expect(() => parseEndpointAnswer({ ok: false, error: { code: 'UNAVAILABLE', message: 'no host' } })).to.throw(/UNAVAILABLE/);
    });

    it('is cached until ttl has passed, then fetched again', async () => {
      const fake = createClock(0);
      let hits = 0;
      const fetch = (async () => {
        hits += 1;
        return new Response(JSON.stringify({ ok: true, url: `ws://h${hits}`, ttl: 300 }));
      }) as typeof globalThis.fetch;
      const cache = new EndpointCache({
        endpoint: 'http://h/api/v1/endpoint',
        clock: { now: () => fake.now, setTimeout: () => 0, clearTimeout: () => undefined },
        storage: new SafeStorage(new MemoryStorage(), 'herald:'),
        fetch,
      });
      expect((await cache.get()).url).to.equal('ws://h1');
      fake.tick(299_999);
      expect((await cache.get()).url).to.equal('ws://h1');
      fake.tick(1);
      expect((await cache.get()).url).to.equal('ws://h2');
      cache.drop();
      expect((await cache.get()).url).to.equal('ws://h3');
    });
  });

  describe('storage and device id', () => {
    it('generates a device id of the allowed alphabet once and reuses it', () => {
      const storage = new SafeStorage(new MemoryStorage(), 'herald:');
      const id = loadDeviceId(storage);
      expect(id).to.match(/^[A-Za-z0-9_.:-]{1,128}$/);
      expect(loadDeviceId(storage)).to.equal(id);
    });

    it('keeps working when storage throws', () => {
      const broken: KeyValueStorage = {
        getItem: () => {
          throw new Error('denied');
        },
        setItem: () => {
          throw new Error('full');
        },
        removeItem: () => {
          throw new Error('denied');
        },
      };
      const client = new HeraldClient({ url: 'http://127.0.0.1:1', storage: broken, autoConnect: false });
      expect(client.deviceId).to.match(/^d-/);
      expect(client.state).to.equal('idle');
    });
  });

  it('refuses options with both or neither of endpoint and url', () => {
    expect(() => new HeraldClient({ autoConnect: false })).to.throw(/exactly one of `endpoint` and `url`/);
    expect(() => new HeraldClient({ url: 'http://a', endpoint: 'http://b', autoConnect: false })).to.throw(TypeError);
  });
});
