/**
 * Two hosts (two primaries, 2 workers each) sharing the real Redis at 127.0.0.1:6379 under a
 * key prefix of their own; and a host on a Redis of the test's own that goes away and returns.
 */
import { expect } from 'chai';
import Redis from 'ioredis';
import { deleteKeysWithPrefix } from '../../bench/servers/redis-keys';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, collect, connect, next, type Client } from '../support/clients';

const nextEvent = next;
import { startHost, uniqueId, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { api, push } from '../support/http';
import { freePort } from '../support/ports';
import { PrivateRedis } from '../support/redis-server';
import { sleep, waitFor } from '../support/wait';

const SHARED_REDIS = 'redis://127.0.0.1:6379';
const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

async function loggedIn(url: string, uid: string, extra: Record<string, string> = {}): Promise<Client> {
  const socket = await connect(url);
  const answer = await call(socket, 'login', { token: token(uid), ...extra });
  expect(answer.ok, JSON.stringify(answer)).to.equal(true);
  return socket;
}

describe('two hosts sharing Redis', function () {
  const prefix = `${uniqueId('herald-test')}:`;
  let redis: Redis;
  let a: HeraldHost;
  let b: HeraldHost;

  before(async function () {
    redis = new Redis(SHARED_REDIS);
    const [portA, portB] = [await freePort(), await freePort()];
    const env = (port: number) => ({
      HERALD_REDIS_URL: SHARED_REDIS,
      HERALD_REDIS_PREFIX: prefix,
      HERALD_PORT: String(port),
      HERALD_ADVERTISE_URL: `http://127.0.0.1:${port}`,
      HERALD_MAX_CONNECTIONS_PER_USER: '2',
    });
    [a, b] = await Promise.all([startHost({ env: env(portA) }), startHost({ env: env(portB) })]);
    await Promise.all([waitForWorkers(a, 2), waitForWorkers(b, 2)]);
  });
  after(async function () {
    await Promise.all([a?.stop(), b?.stop()]);
    await deleteKeysWithPrefix(SHARED_REDIS, prefix);
    redis.disconnect();
  });
  afterEach(function () {
    closeClients();
  });

  it('delivers a push accepted by host A to a client on host B', async function () {
    const uid = uniqueId('cross');
    const onB = await loggedIn(b.url, uid);
    const got = next(onB, 'message');
    const answer = await push(a.url, { to: { uid }, data: 'from A' });
    expect(answer.online).to.equal(1);
    expect((await got).data).to.equal('from A');
  });

  it("routes a push for a user on host B to B's adapter only: B takes one Redis message per push, A none", async function () {
    const uid = uniqueId('routed');
    const onB = await loggedIn(b.url, uid);
    const seen = collect(onB, 'message');
    // Each host's own count (its workers report every second; another host's copy is older).
    const own = async (host: HeraldHost): Promise<number> => {
      const stats = (await api(host.url, '/api/v1/stats')).json;
      return stats.hosts.find((h: { hostId: string }) => h.hostId === host.hostId).totals.adapterMessages;
    };
    await sleep(1500);
    const [a0, b0] = [await own(a), await own(b)];
    for (let i = 0; i < 5; i++) await push(a.url, { to: { uid }, data: i });
    await waitFor(() => seen.length === 5, 5000, 'the five pushes on B');
    await waitFor(async () => (await own(b)) - b0 >= 5, 5000, "B's adapter to count them");
    await sleep(1500);
    expect((await own(b)) - b0, 'messages host B took').to.equal(5);
    expect((await own(a)) - a0, 'messages host A took').to.equal(0);
  });

  it('delivers topic and all pushes across hosts', async function () {
    const onA = await connect(a.url);
    const onB = await connect(b.url);
    await call(onA, 'subscribe', { topic: 'public.scores' });
    await call(onB, 'subscribe', { topic: 'public.scores' });
    const both = [next(onA, 'score'), next(onB, 'score')];
    await push(b.url, { to: { topic: 'public.scores' }, event: 'score', data: '3:1' });
    for (const got of await Promise.all(both)) expect(got).to.include({ data: '3:1', topic: 'public.scores' });
    const all = [next(onA, 'notice'), next(onB, 'notice')];
    await push(a.url, { to: { all: true }, event: 'notice', data: 'maintenance' });
    for (const got of await Promise.all(all)) expect(got.data).to.equal('maintenance');
  });

  it('sees a user online on both hosts, from either host', async function () {
    const uid = uniqueId('both');
    await loggedIn(a.url, uid, { platform: 'web' });
    await loggedIn(b.url, uid, { platform: 'ios' });
    for (const host of [a, b]) {
      const answer = await api(host.url, `/api/v1/online/${uid}`);
      expect(answer.json).to.include({ online: true, connections: 2 });
      expect(answer.json.platforms).to.deep.equal(['ios', 'web']);
      const nodes: string[] = answer.json.sessions.map((s: { node: string }) => s.node);
      expect(nodes.some((n) => n.startsWith(`${a.hostId}/`))).to.equal(true);
      expect(nodes.some((n) => n.startsWith(`${b.hostId}/`))).to.equal(true);
    }
  });

  it('applies the per-user limit across hosts (2 here): the oldest, on the other host, is kicked', async function () {
    const uid = uniqueId('limit');
    const oldest = await loggedIn(a.url, uid);
    await sleep(5);
    await loggedIn(b.url, uid);
    await sleep(5);
    const kicked = next(oldest, 'kick');
    await loggedIn(b.url, uid);
    expect(await kicked).to.deep.equal({ reason: 'too_many_connections', reconnect: false });
  });

  it('lists both hosts in stats, and the endpoint points to the least-loaded one', async function () {
    const stats = await waitFor(async () => {
      const answer = await api(a.url, '/api/v1/stats');
      return answer.json.hosts.length === 2 ? answer.json : undefined;
    }, 8000, 'both hosts in stats');
    expect(stats.hosts.map((h: { hostId: string }) => h.hostId).sort()).to.deep.equal([a.hostId, b.hostId].sort());
    expect(stats.totals.workers).to.equal(4);
    // Load host A with connections; new clients should be sent to B.
    for (let i = 0; i < 6; i++) await connect(a.url);
    for (const host of [a, b]) {
      await waitFor(async () => (await api(host.url, '/api/v1/endpoint', { key: null })).json.url === b.url, 8000, `${host === a ? 'A' : 'B'} to send clients to B`);
    }
  });

  it('delivers a PUBLISH on <prefix>push exactly once to each matching client, though both hosts listen', async function () {
    const uid = uniqueId('pub');
    const onA = await loggedIn(a.url, uid);
    const onB = await loggedIn(b.url, uid);
    const seenA = collect(onA, 'message');
    const seenB = collect(onB, 'message');
    await waitFor(async () => (await redis.pubsub('NUMSUB', `${prefix}push`))[1] === 1, 8000, 'one PUBLISH subscriber in the cluster');
    expect(await redis.publish(`${prefix}push`, JSON.stringify({ to: { uid }, data: 'published' }))).to.equal(1);
    await waitFor(() => seenA.length > 0 && seenB.length > 0, 5000, 'both devices to receive');
    const marker = [next(onA, 'marker'), next(onB, 'marker')];
    // Ephemeral: these hosts keep a SQLite store each, so a durable marker could take a seq the
    // other host's store already gave the published push (several hosts need one MySQL store).
    await push(a.url, { to: { uid }, event: 'marker', data: 1, durable: false });
    await Promise.all(marker);
    expect(seenA.map((p) => p.data)).to.deep.equal(['published']);
    expect(seenB.map((p) => p.data)).to.deep.equal(['published']);
  });

  it('delivers XADD entries once per cluster and in order, dead-letters malformed ones, and carries on', async function () {
    const uid = uniqueId('stream');
    const onA = await loggedIn(a.url, uid);
    const onB = await loggedIn(b.url, uid);
    const seenA = collect(onA, 'message');
    const seenB = collect(onB, 'message');
    const stream = `${prefix}push:stream`;
    const dead = `${prefix}push:dead`;
    await waitFor(async () => ((await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[]).length === 1, 8000, 'the consumer group');
    await redis.xadd(stream, '*', 'msg', JSON.stringify({ to: { uid }, data: 'first' }));
    const badId = await redis.xadd(stream, '*', 'msg', '{"to": {"uid": ');
    const wrongShape = await redis.xadd(stream, '*', 'msg', JSON.stringify({ to: { uid }, data: 1, event: 'kick' }));
    await redis.xadd(stream, '*', 'msg', JSON.stringify({ to: { uid }, data: 'after the bad ones' }));
    for (let i = 0; i < 20; i++) await redis.xadd(stream, '*', 'msg', JSON.stringify({ to: { uid }, data: i }));
    const expected = ['first', 'after the bad ones', ...Array.from({ length: 20 }, (_, i) => i)];
    await waitFor(() => seenA.length === expected.length && seenB.length === expected.length, 8000, 'every good entry on both devices');
    expect(seenA.map((p) => p.data)).to.deep.equal(expected);
    expect(seenB.map((p) => p.data)).to.deep.equal(expected);
    const letters = (await waitFor(async () => {
      const entries = (await redis.xrange(dead, '-', '+')) as [string, string[]][];
      return entries.length >= 2 ? entries : undefined;
    }, 5000, 'two dead letters')).map(([, fields]) => Object.fromEntries(fields.reduce<[string, string][]>((acc, v, i, arr) => (i % 2 === 0 ? [...acc, [v, arr[i + 1] as string]] : acc), [])));
    expect(letters.map((l) => l.entry)).to.deep.equal([badId, wrongShape]);
    expect(letters[0]).to.include({ msg: '{"to": {"uid": ', reason: 'msg is not valid JSON' });
    expect(letters[1]?.reason).to.equal('event: is a reserved event name');
    await waitFor(async () => {
      const pending = (await redis.xpending(stream, 'herald')) as [number, ...unknown[]];
      return pending[0] === 0;
    }, 5000, 'every entry acknowledged');
  });

  it('hands the ingress to another worker when the leader dies, which then reads the stream', async function () {
    const leaderKey = `${prefix}ingress:leader`;
    const leader = await waitFor(() => redis.get(leaderKey), 8000, 'an ingress leader');
    const pid = Number(leader.split('/').pop());
    process.kill(pid, 'SIGKILL');
    const next = await waitFor(async () => {
      const now = await redis.get(leaderKey);
      return now !== null && now !== leader ? now : undefined;
    }, 20_000, 'a new leader');
    expect(next).to.not.equal(leader);
    const uid = uniqueId('failover');
    const socket = await loggedIn(a.url, uid);
    const got = nextEvent(socket, 'message');
    await redis.xadd(`${prefix}push:stream`, '*', 'msg', JSON.stringify({ to: { uid }, data: 'after failover' }));
    expect((await got).data).to.equal('after failover');
    await Promise.all([waitForWorkers(a, 2), waitForWorkers(b, 2)]);
  });
});

describe('Redis going away and coming back', function () {
  const prefix = `${uniqueId('herald-outage')}:`;
  let redis: PrivateRedis;
  let host: HeraldHost;

  before(async function () {
    redis = await PrivateRedis.start();
    host = await startHost({ env: { HERALD_REDIS_URL: redis.url, HERALD_REDIS_PREFIX: prefix } });
    await waitForWorkers(host, 2);
  });
  after(async function () {
    await host?.stop();
    await redis?.stop();
  });
  afterEach(function () {
    closeClients();
  });

  it('reports the outage in /readyz while it lasts, then reconnects and delivers again by itself', async function () {
    const uid = uniqueId('outage');
    const sockets = [await loggedIn(host.url, uid), await loggedIn(host.url, uid)];
    expect((await api(host.url, '/readyz', { key: null })).status).to.equal(200);

    await redis.stop();
    const down = await waitFor(async () => {
      const answer = await api(host.url, '/readyz', { key: null });
      return answer.status === 503 ? answer : undefined;
    }, 8000, '/readyz to report the outage');
    expect(down.json.ok).to.equal(false);
    expect(down.json.error.code).to.equal('UNAVAILABLE');
    expect(down.json.checks.redis.ok).to.equal(false);
    expect(sockets.every((s) => s.connected)).to.equal(true);

    await redis.start();
    await waitFor(async () => (await api(host.url, '/readyz', { key: null })).status === 200, 15_000, '/readyz to recover');
    // Presence is rewritten from memory after the outage; pushes cross workers through Redis again.
    await waitFor(async () => (await api(host.url, `/api/v1/online/${uid}`)).json.connections === 2, 15_000, 'presence restored');
    const got = sockets.map((s) => next(s, 'message'));
    await push(host.url, { to: { uid }, data: 'back again' });
    for (const payload of await Promise.all(got)) expect(payload.data).to.equal('back again');
    const late = await loggedIn(host.url, uniqueId('late'));
    expect(late.connected).to.equal(true);
  });
});
