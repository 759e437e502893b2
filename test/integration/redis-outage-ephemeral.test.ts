/**
 * Ephemeral pushes through a Redis outage (issue 11, item 3b). Two hosts on a Redis of the test's
 * own; clients on host B; ephemeral pushes to them through host A's API at a steady 100 a second
 * while that Redis is stopped for ~3 s and started again on the same port. Every push answered
 * 200 must reach its client; a 503 is allowed only when the outage buffer was full.
 * Before the outage buffer (main at 761a7b7), in ten runs of the first case: six lost 174-398 of
 * 394-467 pushes answered 200 (everything sent while Redis was down, and up to 2 s after it was
 * back); the four others delivered what was sent during the outage 2.1-2.2 s after Redis was back
 * (the 2 s reconnect cap), which fails the 1.5 s bound below. After it: 0 lost, held pushes
 * delivered 0.46-0.7 s after Redis was back.
 */
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, connect, type Client } from '../support/clients';
import { startHost, uniqueId, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { api } from '../support/http';
import { freePort } from '../support/ports';
import { PrivateRedis } from '../support/redis-server';
import { TcpProxy } from '../support/tcp-proxy';
import { sleep, waitFor } from '../support/wait';

const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

/** Pushes a second: steady and modest (the machine is shared). */
const RATE = 100;
/** Requests in flight at most; a slower answer skips a beat rather than piling up. */
const MAX_IN_FLIGHT = 50;

interface Sent {
  n: number;
  uid: string;
  /** Milliseconds since the run started, when the request went out. */
  at: number;
  status: number;
  code?: string;
  retryAfter?: number;
}

interface Run {
  stop(): Promise<Sent[]>;
}

/** Ephemeral pushes to `uids` in turn through `url`, RATE a second, until stop(). */
function pushSteadily(url: string, uids: string[]): Run {
  const sent: Sent[] = [];
  const pending = new Set<Promise<void>>();
  const started = Date.now();
  let n = 0;
  const timer = setInterval(() => {
    if (pending.size >= MAX_IN_FLIGHT) return;
    const i = n++;
    const uid = uids[i % uids.length] as string;
    const at = Date.now() - started;
    const request = api(url, '/api/v1/push', { body: { to: { uid }, event: 'tick', durable: false, data: i } })
      .then((answer) => {
        sent.push({ n: i, uid, at, status: answer.status, code: answer.json?.error?.code, retryAfter: answer.json?.error?.retryAfter });
      })
      .catch((err: Error) => {
        sent.push({ n: i, uid, at, status: 0, code: err.message });
      })
      .finally(() => pending.delete(request));
    pending.add(request);
  }, 1000 / RATE);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
      return sent.sort((x, y) => x.n - y.n);
    },
  };
}

async function loggedInClients(url: string, uids: string[]): Promise<{ clients: Client[]; received: Map<string, Map<number, number>> }> {
  const received = new Map<string, Map<number, number>>();
  const clients: Client[] = [];
  for (const uid of uids) {
    const socket = await connect(url);
    const seen = new Map<number, number>();
    received.set(uid, seen);
    socket.on('tick', (payload: { data: number }) => seen.set(payload.data, Date.now()));
    const answer = await call(socket, 'login', { token: token(uid) });
    expect(answer.ok, JSON.stringify(answer)).to.equal(true);
    clients.push(socket);
  }
  return { clients, received };
}

/** Pushes answered 200 that never reached their client, after giving stragglers `graceMs`. */
async function lostAfter(sent: Sent[], received: Map<string, Map<number, number>>, graceMs: number): Promise<Sent[]> {
  const missing = () => sent.filter((s) => s.status === 200 && received.get(s.uid)?.has(s.n) !== true);
  await waitFor(() => missing().length === 0, graceMs, 'every push answered 200 to arrive').catch(() => undefined);
  return missing();
}

/** Hosts A and B (two workers each, not yet ready) of one cluster, on the Redis URLs given (B's may be a proxy). */
async function startTwoHosts(urls: [string, string], envA: Record<string, string> = {}, envB: Record<string, string> = {}): Promise<[HeraldHost, HeraldHost]> {
  const prefix = `${uniqueId('herald-outage-eph')}:`;
  const [portA, portB] = [await freePort(), await freePort()];
  const env = (port: number, url: string) => ({
    HERALD_REDIS_URL: url,
    HERALD_REDIS_PREFIX: prefix,
    HERALD_PORT: String(port),
    HERALD_ADVERTISE_URL: `http://127.0.0.1:${port}`,
    HERALD_WORKERS: '2',
  });
  return Promise.all([startHost({ env: { ...env(portA, urls[0]), ...envA } }), startHost({ env: { ...env(portB, urls[1]), ...envB } })]);
}

/** Pushes `data` to `uid` through `a` until it has arrived (in `seen`): cross-host delivery works. */
async function crossHostProbe(a: HeraldHost, uid: string, seen: Map<number, number> | undefined, data: number, what: string): Promise<void> {
  await waitFor(async () => {
    const probe = await api(a.url, '/api/v1/push', { body: { to: { uid }, event: 'tick', durable: false, data } });
    return probe.status === 200 && seen?.has(data);
  }, 10_000, what);
}

/** What each host logged (warnings and up), for a failure message: what each process saw of the outage. */
function hostLogs(hosts: HeraldHost[]): string {
  return hosts.map((h, i) => `\n--- host ${'AB'[i] ?? i} (${h.url}), last lines:\n${h.output().trim().split('\n').slice(-40).join('\n')}`).join('');
}

function summary(label: string, sent: Sent[], lost: Sent[]): string {
  const ok = sent.filter((s) => s.status === 200).length;
  const refused = sent.filter((s) => s.status === 503).length;
  const other = sent.filter((s) => s.status !== 200 && s.status !== 503).length;
  return `${label}: ${sent.length} pushes, ${ok} answered 200, ${refused} answered 503, ${other} other; lost ${lost.length} of the 200s` +
    (lost.length > 0 ? ` (sent at ${lost[0]?.at}…${lost[lost.length - 1]?.at} ms)` : '');
}

describe('ephemeral pushes through a Redis outage', function () {
  this.timeout(90_000);

  afterEach(function () {
    closeClients();
  });

  describe('two hosts on one Redis, restarted for ~3 s', function () {
    let redis: PrivateRedis;
    let hosts: HeraldHost[] = [];

    async function twoHosts(extra: Record<string, string> = {}): Promise<[HeraldHost, HeraldHost]> {
      const pair = await startTwoHosts([redis.url, redis.url], extra, extra);
      hosts = pair;
      await Promise.all(pair.map((h) => waitForWorkers(h, 2)));
      return pair;
    }

    /** Pushes through A to clients on B for 1 s, stops Redis for 3 s, starts it, 2 s more. */
    async function throughAnOutage(a: HeraldHost, b: HeraldHost): Promise<{ sent: Sent[]; received: Map<string, Map<number, number>>; readyzDown: boolean; started: number; downAt: number; upAt: number }> {
      const uids = Array.from({ length: 10 }, () => uniqueId('eph'));
      const { received } = await loggedInClients(b.url, uids);
      // A first push proves the route works before the clock starts.
      await crossHostProbe(a, uids[0] as string, received.get(uids[0] as string), -1, 'cross-host delivery before the outage');
      const started = Date.now();
      const run = pushSteadily(a.url, uids);
      await sleep(1000);
      const downAt = Date.now() - started;
      await redis.stop();
      const readyz = await waitFor(async () => {
        const answer = await api(a.url, '/readyz', { key: null });
        return answer.status === 503 ? answer : undefined;
      }, 2500, '/readyz to report Redis down').catch(() => undefined);
      await sleep(Math.max(0, 4000 - (Date.now() - started)));
      await redis.start();
      const upAt = Date.now() - started;
      await sleep(2000);
      const sent = await run.stop();
      return { sent, received, readyzDown: readyz?.json?.checks?.redis?.ok === false, started, downAt, upAt };
    }

    beforeEach(async function () {
      redis = await PrivateRedis.start();
    });
    afterEach(async function () {
      await Promise.all(hosts.map((h) => h.stop()));
      hosts = [];
      await redis.stop();
    });

    it('delivers every ephemeral push answered 200 to its client on the other host, and /readyz shows the outage', async function () {
      const [a, b] = await twoHosts();
      const { sent, received, readyzDown, started, downAt, upAt } = await throughAnOutage(a, b);
      const lost = await lostAfter(sent, received, 5000);
      console.log(`      ${summary(`Redis down ${downAt}-${upAt} ms`, sent, lost)}`);
      // How long after Redis was back the pushes held during the outage arrived.
      const held = sent.filter((s) => s.status === 200 && s.at > downAt && s.at < upAt);
      const lastArrival = Math.max(...held.map((s) => (received.get(s.uid)?.get(s.n) ?? Infinity) - started));
      console.log(`      the ${held.length} pushes accepted while Redis was down all arrived by ${lastArrival - upAt} ms after it was back`);
      expect(readyzDown, '/readyz reports Redis down during the outage').to.equal(true);
      expect(sent.filter((s) => s.status === 200).length).to.be.greaterThan(400);
      // The default buffer (10,000 pushes) never fills in 3 s at 100 a second.
      expect(sent.filter((s) => s.status !== 200).map((s) => `${s.n}:${s.status}:${s.code}`)).to.deep.equal([]);
      expect(lost.map((s) => `${s.n}@${s.at}ms`), `pushes answered 200 and never delivered${hostLogs(hosts)}`).to.deep.equal([]);
      // Every connection is back within ~250 ms of Redis, and what was held is sent right after.
      expect(lastArrival - upAt, 'ms after Redis was back until the held pushes arrived').to.be.below(1500);
    });

    it('answers 503 REDIS_UNAVAILABLE with retryAfter once a small buffer is full, and still delivers every 200', async function () {
      const [a, b] = await twoHosts({ HERALD_REDIS_OUTAGE_MAX_MESSAGES: '20' });
      const { sent, received, downAt, upAt } = await throughAnOutage(a, b);
      const lost = await lostAfter(sent, received, 5000);
      console.log(`      ${summary(`buffer of 20, Redis down ${downAt}-${upAt} ms`, sent, lost)}`);
      const refused = sent.filter((s) => s.status !== 200);
      expect(refused.length, 'pushes refused once the buffer was full').to.be.greaterThan(0);
      for (const s of refused) {
        expect(s, JSON.stringify(s)).to.include({ status: 503, code: 'REDIS_UNAVAILABLE' });
        expect(s.retryAfter).to.be.a('number').and.to.be.greaterThan(0);
        // Only while Redis was away (or in the instant after, before the buffer was flushed).
        expect(s.at).to.be.within(downAt, upAt + 1000);
      }
      // Some 200s were buffered during the outage: at most the buffer's 20 (plus what was in flight).
      const acceptedWhileDown = sent.filter((s) => s.status === 200 && s.at > downAt + 300 && s.at < upAt - 300);
      expect(acceptedWhileDown.length).to.be.at.most(20 + MAX_IN_FLIGHT);
      expect(lost.map((s) => `${s.n}@${s.at}ms`), `pushes answered 200 and never delivered${hostLogs(hosts)}`).to.deep.equal([]);
    });
  });

  describe('host B reaches Redis through a proxy: faults at one side of Redis', function () {
    let redis: PrivateRedis;
    let proxy: TcpProxy;
    let hosts: HeraldHost[] = [];

    beforeEach(async function () {
      redis = await PrivateRedis.start();
      proxy = await TcpProxy.start(redis.port);
    });
    afterEach(async function () {
      await Promise.all(hosts.map((h) => h.stop()));
      hosts = [];
      await proxy.close();
      await redis.stop();
    });

    /** Host A on Redis itself, host B through the proxy, two workers each. */
    async function hostsAroundProxy(envA: Record<string, string> = {}): Promise<[HeraldHost, HeraldHost]> {
      const pair = await startTwoHosts([redis.url, proxy.url], envA);
      hosts = pair;
      await Promise.all(pair.map((h) => waitForWorkers(h, 2)));
      return pair;
    }

    describe('Redis killed after confirming a push, before writing it to the other host', function () {
      // Redis answers the publisher before it writes to the subscribers; killed in between, it has
      // confirmed a push that never left it (the one loss CI saw, a push sent 8 ms before a kill).
      // The proxy holds back what Redis sends host B, so the kill comes exactly there: A's push is
      // confirmed, B's copy is still "in Redis" and dies with it.

      /** Pushes through A, kills Redis while B's copy is held back, restarts it; what B's client got. */
      async function killBetweenAnswerAndCopy(envA: Record<string, string>): Promise<{ arrivals: number; after: boolean }> {
        const [a, b] = await hostsAroundProxy(envA);
        const uid = uniqueId('confirmed');
        const { clients, received } = await loggedInClients(b.url, [uid]);
        const seen = received.get(uid) as Map<number, number>;
        let arrivals = 0;
        clients[0]?.on('tick', (payload: { data: number }) => {
          if (payload.data === 1) arrivals++;
        });
        await crossHostProbe(a, uid, seen, 0, 'cross-host delivery before the kill');

        proxy.freeze();
        const answer = await api(a.url, '/api/v1/push', { body: { to: { uid }, event: 'tick', durable: false, data: 1 } });
        expect(answer.status, JSON.stringify(answer.json)).to.equal(200);
        const id = String(answer.json?.id);
        // Redis has written B's copy (held here), so it answered A before. A reads that answer within
        // a turn of its event loop; the wait leaves room for a loaded machine (had A not read it, the
        // push would fail in flight and be held, and the replay-off case below would see it arrive).
        await waitFor(() => proxy.holds(id), 5000, 'Redis to write the copy for host B');
        await sleep(500);
        await redis.stop();
        proxy.cut();
        expect(seen.has(1), 'the copy held back never reached B').to.equal(false);
        await redis.start();

        // A push after the restart arrives once cross-host delivery is back.
        await crossHostProbe(a, uid, seen, 2, 'cross-host delivery after the restart');
        await sleep(500);
        return { arrivals, after: seen.has(1) };
      }

      it('sends that push again after the restart: it reaches its client, once', async function () {
        const { arrivals, after } = await killBetweenAnswerAndCopy({});
        expect(after, 'the push answered 200 before the kill arrived').to.equal(true);
        expect(arrivals).to.equal(1);
      });

      it('loses it with the replay turned off (replayMs 0): the fault is real', async function () {
        const { arrivals } = await killBetweenAnswerAndCopy({ HERALD_REDIS_OUTAGE_REPLAY_MS: '0' });
        expect(arrivals).to.equal(0);
      });
    });
  });

  describe('one host without Redis (cluster adapter)', function () {
    let host: HeraldHost;

    before(async function () {
      // The buffer's keys are accepted and change nothing without Redis.
      host = await startHost({ env: { HERALD_REDIS_OUTAGE_MAX_MESSAGES: '1' } });
      await waitForWorkers(host, 2);
    });
    after(async function () {
      await host?.stop();
    });

    it('delivers every ephemeral push of the same steady run, across its workers', async function () {
      const uids = Array.from({ length: 10 }, () => uniqueId('single'));
      const { received } = await loggedInClients(host.url, uids);
      const run = pushSteadily(host.url, uids);
      await sleep(1500);
      const sent = await run.stop();
      const lost = await lostAfter(sent, received, 5000);
      console.log(`      ${summary('one host, no Redis', sent, lost)}`);
      expect(sent.length).to.be.greaterThan(100);
      expect(sent.filter((s) => s.status !== 200)).to.deep.equal([]);
      expect(lost).to.deep.equal([]);
    });
  });
});
