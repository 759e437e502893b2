/**
 * Herald on a Redis Cluster of the test's own (3 masters + 3 replicas, test/support/redis-cluster.ts):
 * two hosts of 2 workers each with `HERALD_REDIS_CLUSTER`, MariaDB as the store. Every Redis use
 * works across shards, and a master killed mid-run is survived without a restart: pushes flow
 * again, durable pushes answered 200 all arrive once and in order, the ingress leader is elected
 * again, and /readyz says so while it lasts. The measured figures are printed (docs/RELIABILITY.md
 * "Redis Cluster failover") and written to test-output/redis-cluster-failover.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { Cluster } from 'ioredis';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, connect, next, type Client } from '../support/clients';
import { startHost, uniqueId, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { heraldJson } from '../support/cli';
import { api, push } from '../support/http';
import { adminQuery } from '../support/mysql-admin';
import { PrivateRedisCluster } from '../support/redis-cluster';
import { SeqDevice } from '../support/seq-device';
import { sleep, waitFor } from '../support/wait';

const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });
const SHARED_MARIADB = 'mysql://root@127.0.0.1:3306';
const admin = (sql: string): Promise<void> => adminQuery(sql, `${SHARED_MARIADB}/test`);

async function loggedIn(url: string, uid: string, extra: Record<string, string> = {}): Promise<Client> {
  const socket = await connect(url);
  const answer = await call(socket, 'login', { token: token(uid), ...extra });
  expect(answer.ok, JSON.stringify(answer)).to.equal(true);
  return socket;
}


describe('Herald on a Redis Cluster (3 masters + 3 replicas, two hosts)', function () {
  this.timeout(180_000);
  const database = `herald_cluster_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const prefix = `${uniqueId('hc')}:`;
  let cluster: PrivateRedisCluster;
  let redis: Cluster;
  let a: HeraldHost;
  let b: HeraldHost;
  const devices: SeqDevice[] = [];

  before(async function () {
    await admin(`CREATE DATABASE ${database}`);
    cluster = await PrivateRedisCluster.start();
    redis = new Cluster(cluster.seeds.split(',').map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })));
    const env = {
      HERALD_MYSQL_URL: `${SHARED_MARIADB}/${database}`,
      HERALD_REDIS_CLUSTER: cluster.seeds,
      HERALD_REDIS_PREFIX: prefix,
    };
    [a, b] = await Promise.all([startHost({ env }), startHost({ env })]);
    await Promise.all([waitForWorkers(a, 2), waitForWorkers(b, 2)]);
  });
  after(async function () {
    for (const d of devices) d.stop();
    closeClients();
    await Promise.all([a?.stop(), b?.stop()]);
    redis?.disconnect();
    await cluster?.stop();
    await admin(`DROP DATABASE IF EXISTS ${database}`);
  });
  afterEach(function () {
    for (const d of devices.splice(0)) d.stop();
    closeClients();
  });

  it('delivers uid, topic and all pushes across hosts, and sees presence from either host', async function () {
    const uid = uniqueId('cross');
    const onB = await loggedIn(b.url, uid, { platform: 'ios' });
    await loggedIn(a.url, uid, { platform: 'web' });
    const got = next(onB, 'message');
    expect((await push(a.url, { to: { uid }, data: 'from A' })).online).to.equal(2);
    expect((await got).data).to.equal('from A');

    const onA = await connect(a.url);
    await call(onA, 'subscribe', { topic: 'public.scores' });
    await call(onB, 'subscribe', { topic: 'public.scores' });
    const both = [next(onA, 'score'), next(onB, 'score')];
    await push(b.url, { to: { topic: 'public.scores' }, event: 'score', data: '3:1' });
    for (const seen of await Promise.all(both)) expect(seen.data).to.equal('3:1');
    const all = [next(onA, 'notice'), next(onB, 'notice')];
    await push(a.url, { to: { all: true }, event: 'notice', data: 'hello' });
    for (const seen of await Promise.all(all)) expect(seen.data).to.equal('hello');

    for (const host of [a, b]) {
      const answer = await api(host.url, `/api/v1/online/${uid}`);
      expect(answer.json).to.include({ online: true, connections: 2 });
      expect(answer.json.platforms).to.deep.equal(['ios', 'web']);
    }
    const stats = await waitFor(async () => {
      const answer = await api(a.url, '/api/v1/stats');
      return answer.json.hosts.length === 2 ? answer.json : undefined;
    }, 8000, 'both hosts in stats');
    expect(stats.totals.workers).to.equal(4);
  });

  it('takes PUBLISH and SPUBLISH on <prefix>push and the stream, each delivered once; dead-letters a bad entry', async function () {
    const uid = uniqueId('ingress');
    const onA = await loggedIn(a.url, uid);
    const seen: string[] = [];
    onA.on('message', (p: { data: string }) => seen.push(p.data));
    // PUBLISH reaches whoever listens at that instant: wait for the leader's two subscriptions.
    const listeners = async (kind: 'NUMSUB' | 'SHARDNUMSUB'): Promise<number> => {
      // A classic subscriber may sit on any node, a sharded one on the channel's master.
      const counts = await Promise.all(redis.nodes('all').map((node) => node.call('PUBSUB', kind, `${prefix}push`) as Promise<[string, number]>));
      return counts.reduce((sum, [, count]) => sum + Number(count), 0);
    };
    await waitFor(async () => (await listeners('NUMSUB')) >= 1 && (await listeners('SHARDNUMSUB')) >= 1, 10_000, 'the ingress leader subscribed').catch(async (err: Error) => {
      throw new Error(`${err.message}: NUMSUB ${await listeners('NUMSUB')}, SHARDNUMSUB ${await listeners('SHARDNUMSUB')}, leader ${await redis.get(`${prefix}ingress:leader`)}\n${a.output()}\n${b.output()}`);
    });
    await redis.publish(`${prefix}push`, JSON.stringify({ to: { uid }, data: 'publish' }));
    await redis.spublish(`${prefix}push`, JSON.stringify({ to: { uid }, data: 'spublish' }));
    await redis.xadd(`${prefix}push:stream`, '*', 'msg', JSON.stringify({ to: { uid }, data: 'stream' }));
    await redis.xadd(`${prefix}push:stream`, '*', 'msg', '{not json');
    await waitFor(() => seen.length >= 3, 10_000, 'three ingress pushes').catch((err: Error) => {
      throw new Error(`${err.message}; seen: ${JSON.stringify(seen)}\n${a.output()}\n${b.output()}`);
    });
    await sleep(300);
    expect([...seen].sort()).to.deep.equal(['publish', 'spublish', 'stream']);
    await waitFor(async () => (await redis.xlen(`${prefix}push:dead`)) === 1, 10_000, 'the bad entry dead-lettered');
    const [[, fields]] = (await redis.xrange(`${prefix}push:dead`, '-', '+')) as [string, string[]][];
    expect(fields).to.include('msg is not valid JSON');
    const pending = (await redis.xpending(`${prefix}push:stream`, 'herald')) as [number, ...unknown[]];
    expect(pending[0], 'entries left pending').to.equal(0);
  });

  it('shares the cron stop state and the admin login limiter across hosts (single-key commands on any shard)', async function () {
    // `crontab stop` on host A lands in <prefix>cron:stopped, which every cron process reads at its ticks.
    const envA = { HERALD_DATA_DIR: a.dataDir, HERALD_REDIS_CLUSTER: cluster.seeds, HERALD_REDIS_PREFIX: prefix };
    await heraldJson(['crontab', 'stop', '--name', 'stats-snapshot'], envA);
    expect(await redis.sismember(`${prefix}cron:stopped`, 'stats-snapshot')).to.equal(1);
    await heraldJson(['crontab', 'resume', '--name', 'stats-snapshot'], envA);
    expect(await redis.sismember(`${prefix}cron:stopped`, 'stats-snapshot')).to.equal(0);
    // Ten wrong API keys through A and one through B use up one bucket (a Lua script on one key).
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await api(a.url, '/api/v1/admin/login', { key: null, body: { apiKey: `wrong-api-key-${i}-xxxxxxxx` } })).status);
    statuses.push((await api(b.url, '/api/v1/admin/login', { key: null, body: { apiKey: 'wrong-api-key-last-xxxxxxxx' } })).status);
    expect(statuses).to.deep.equal([...Array(10).fill(401), 429]);
  });

  it('survives the failover of a master under load: durable pushes all arrive once, in order; the rest is measured', async function () {
    const users = Array.from({ length: 6 }, (_, i) => uniqueId(`fo${i}`));
    for (const uid of users) devices.push(await SeqDevice.login(b.url, uid, 'phone'), await SeqDevice.login(b.url, uid, 'laptop'));
    // The master that owns the first user's channel (the adapter's sharded channel of their room).
    const victimChannel = `${prefix}socket.io#/#u:${users[0]}#`;
    const accepted = new Map<string, number>(users.map((u) => [u, 0]));
    const ephemeralSent = new Map<string, number[]>(users.map((u) => [u, []]));
    let refused = 0;
    let stop = false;
    const readiness: { at: number; ready: boolean }[] = [];
    const watchReady = (async () => {
      while (!stop) {
        const answer = await api(b.url, '/readyz', { key: null }).catch(() => undefined);
        readiness.push({ at: Date.now(), ready: answer?.status === 200 });
        await sleep(50);
      }
    })();
    let n = 0;
    const senders = Array.from({ length: 6 }, async (_, k) => {
      for (let i = 0; !stop; i++) {
        const uid = users[(i + k) % users.length] as string;
        const durable = i % 2 === 0;
        const seq = n++;
        const answer = await api(a.url, '/api/v1/push', { body: { to: { uid }, data: { n: seq }, durable } }).catch(() => undefined);
        if (answer?.status === 200) {
          if (durable) accepted.set(uid, (accepted.get(uid) ?? 0) + 1);
          else ephemeralSent.get(uid)?.push(seq);
        } else refused++;
        await sleep(10);
      }
    });
    await sleep(1500);
    const killedAt = Date.now();
    const failover = await cluster.killMasterOf(victimChannel);
    // Pushes flow again: the first ephemeral push to the victim user sent after the kill that arrives.
    const victim = devices[0] as SeqDevice;
    const victimSent = ephemeralSent.get(users[0] as string) as number[];
    const sentBefore = victimSent.length;
    const firstAfter = await waitFor(
      () => {
        const later = victimSent.slice(sentBefore);
        return later.find((x) => victim.ephemeral.includes(x)) !== undefined ? Date.now() : undefined;
      },
      30_000,
      'an ephemeral push to the victim user to arrive after the failover',
      20,
    );
    await sleep(3000);
    stop = true;
    await Promise.all([...senders, watchReady]);
    await waitFor(
      () => devices.every((d, i) => d.seqs.length === accepted.get(users[Math.floor(i / 2)] as string)),
      30_000,
      'every accepted durable push on every device',
    ).catch(() => undefined);

    const lost = devices.reduce((sum, d, i) => sum + ((accepted.get(users[Math.floor(i / 2)] as string) ?? 0) - d.seqs.length), 0);
    const outOfOrder = devices.reduce((sum, d) => sum + d.outOfOrder, 0);
    let ephemeralTotal = 0;
    let ephemeralLost = 0;
    devices.forEach((d, i) => {
      const sent = ephemeralSent.get(users[Math.floor(i / 2)] as string) as number[];
      ephemeralTotal += sent.length;
      ephemeralLost += sent.filter((x) => !d.ephemeral.includes(x)).length;
    });
    const notReady = readiness.filter((r) => !r.ready && r.at >= killedAt);
    // Back as a replica, so a later failover of that shard has one to promote.
    await cluster.restart(failover.killedPort);
    const figures = {
      failoverMs: failover.failoverMs,
      pushesFlowAgainMs: firstAfter - killedAt,
      durableAccepted: [...accepted.values()].reduce((x, y) => x + y, 0),
      durableDeviceDeliveriesLost: lost,
      outOfOrder,
      ephemeralDeviceDeliveries: ephemeralTotal,
      ephemeralDeviceDeliveriesLost: ephemeralLost,
      refusedCalls: refused,
      notReadyMs: notReady.length === 0 ? 0 : (notReady[notReady.length - 1] as { at: number }).at - (notReady[0] as { at: number }).at,
    };
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/redis-cluster-failover.json', `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`      (${JSON.stringify(figures)})`);
    expect(figures.durableAccepted).to.be.greaterThan(100);
    expect(outOfOrder, 'out-of-order durable deliveries').to.equal(0);
    expect(lost, 'durable pushes answered 200 that never reached a device').to.equal(0);
    devices.forEach((d, i) => {
      const count = accepted.get(users[Math.floor(i / 2)] as string) as number;
      expect(d.seqs, `device ${i}`).to.deep.equal(Array.from({ length: count }, (_, j) => j + 1));
    });
    // Presence answers for every user again, from either host.
    for (const uid of users) {
      for (const host of [a, b]) expect((await api(host.url, `/api/v1/online/${uid}`)).json, uid).to.include({ online: true, connections: 2 });
    }
    expect(notReady.length, '/readyz reported the lost subscription').to.be.greaterThan(0);
    expect(readiness[readiness.length - 1]?.ready, '/readyz ready again').to.equal(true);
  });

  it('elects an ingress leader again after the master holding the lock fails', async function () {
    const leaderKey = `${prefix}ingress:leader`;
    await waitFor(async () => (await redis.get(leaderKey)) !== null, 10_000, 'an ingress leader');
    const started = Date.now();
    await cluster.killMasterOf(leaderKey);
    const uid = uniqueId('lead');
    const onB = await loggedIn(b.url, uid);
    const seen: string[] = [];
    onB.on('message', (p: { data: string }) => seen.push(p.data));
    // A stream entry written after the failover is read by the (new or same) leader.
    await waitFor(async () => (await redis.xadd(`${prefix}push:stream`, '*', 'msg', JSON.stringify({ to: { uid }, data: 'after' })).catch(() => null)) !== null, 15_000, 'the stream writable again');
    await waitFor(() => seen.includes('after'), 30_000, 'a stream push after the lock master failed');
    console.log(`      (stream pushes flow again ${Date.now() - started} ms after the lock's master was killed)`);
    expect(await redis.get(leaderKey)).to.be.a('string');
  });
});
