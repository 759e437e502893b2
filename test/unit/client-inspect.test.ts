/**
 * `HeraldClient.inspect()` without a server: a plain snapshot (a copy: changing it changes nothing,
 * the credential never in it) and the reconnect plan it reports while the endpoint look-up fails,
 * on a fake clock. test/integration/client-inspect.test.ts covers a live connection.
 */
import { expect } from 'chai';
import { createClock } from '@sinonjs/fake-timers';
import { DEFAULT_CLIENT_POLICY, HeraldClient, MemoryStorage, type HeraldClientOptions } from '../../client/src';
import type { Clock } from '../../client/src/clock';

const T0 = Date.UTC(2025, 0, 1);

describe('client SDK: inspect() (unit)', () => {
  let fake: ReturnType<typeof createClock>;
  let clock: Clock;
  let fetches: number;
  const clients: HeraldClient[] = [];

  beforeEach(() => {
    fake = createClock(T0);
    clock = {
      now: () => fake.now,
      setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
      clearTimeout: (handle) => (fake.clearTimeout as (id: unknown) => void).call(fake, handle),
    };
    fetches = 0;
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  /** A client whose endpoint look-up always fails: every attempt ends in `ENDPOINT_FAILED`. */
  function offlineClient(options: Partial<HeraldClientOptions> = {}): HeraldClient {
    const fetch = (async () => {
      fetches += 1;
      throw new Error('offline');
    }) as typeof globalThis.fetch;
    const client = new HeraldClient({
      endpoint: 'http://herald.invalid/api/v1/endpoint',
      clock,
      fetch,
      storage: new MemoryStorage(),
      device: 'd-test',
      autoConnect: false,
      credentials: { token: 'secret-token-value' },
      ...options,
    });
    clients.push(client);
    return client;
  }

  it('describes an idle client: no connection, the kind of credential but not the credential, the default policy', () => {
    const client = offlineClient();
    void client.subscribe('news');
    const snap = client.inspect();
    expect(snap).to.deep.equal({
      state: 'idle',
      url: null,
      transport: null,
      deviceId: 'd-test',
      credentials: 'token',
      user: null,
      subscriptions: ['news'],
      openRequests: 0,
      reconnect: { attempts: 0, next: null },
      heartbeat: { running: false, lastActivity: 0, unanswered: 0, interval: 150_000, timeout: 30_000, retries: 1 },
      durable: { lastSeq: null, ackedSeq: null, pendingAcks: 0, waiting: 0, resyncing: false },
      policy: DEFAULT_CLIENT_POLICY,
    });
    expect(JSON.stringify(snap)).to.not.include('secret-token-value');
    expect(offlineClient({ credentials: { ukey: 'k' } }).inspect().credentials).to.equal('ukey');
    expect(offlineClient({ credentials: null }).inspect().credentials).to.equal(null);
  });

  it('is a copy: changing a snapshot changes neither the client nor the next snapshot', () => {
    const client = offlineClient();
    void client.subscribe('news');
    const snap = client.inspect();
    snap.subscriptions.push('other');
    snap.policy.heartbeat.timeout = 1;
    snap.reconnect.attempts = 7;
    expect(client.subscriptions).to.deep.equal(['news']);
    expect(client.policy.heartbeat.timeout).to.equal(30);
    expect(client.inspect().policy).to.deep.equal(DEFAULT_CLIENT_POLICY);
    expect(client.inspect().reconnect.attempts).to.equal(0);
  });

  it('reports each reconnect attempt and when it starts, then failed with no next attempt, and a fresh start on connect()', async () => {
    const client = offlineClient();
    client.connect();
    await fake.tickAsync(0);
    expect(fetches).to.equal(1);
    expect(client.inspect().state).to.equal('reconnecting');
    expect(client.inspect().reconnect).to.deep.equal({ attempts: 1, next: { attempt: 1, at: T0 + 60_000 } });

    await fake.tickAsync(60_000);
    expect(fetches).to.equal(2);
    expect(client.inspect().reconnect).to.deep.equal({ attempts: 2, next: { attempt: 2, at: T0 + 180_000 } });
    await fake.tickAsync(120_000);
    expect(client.inspect().reconnect).to.deep.equal({ attempts: 3, next: { attempt: 3, at: T0 + 360_000 } });

    // connect() while an attempt is scheduled runs it now: the plan says it started now.
    await fake.tickAsync(10_000);
    client.connect();
    expect(client.inspect().state).to.equal('connecting');
    expect(client.inspect().reconnect).to.deep.equal({ attempts: 3, next: { attempt: 3, at: T0 + 190_000 } });
    await fake.tickAsync(0);
    expect(client.inspect().state).to.equal('failed');
    expect(client.inspect().reconnect).to.deep.equal({ attempts: 3, next: null });

    client.connect();
    expect(client.inspect().state).to.equal('connecting');
    expect(client.inspect().reconnect).to.deep.equal({ attempts: 0, next: null });
    client.close();
    expect(client.inspect().state).to.equal('closed');
    expect(client.inspect().reconnect.next).to.equal(null);
  });

  it('answers emitRaw with DISCONNECTED while not connected, and sends nothing', async () => {
    const client = offlineClient();
    const answer = await client.emitRaw('heartbeat', {});
    expect(answer).to.deep.equal({ ok: false, error: { code: 'DISCONNECTED', message: 'not connected' } });
    expect(client.inspect().openRequests).to.equal(0);
    expect(client.inspect().heartbeat.lastActivity, 'no activity noted').to.equal(0);
  });
});
