/**
 * hosts: scale by host count (issue 14). For each count H (1, 2, 4, 8), H Herald hosts on the
 * same machine, each a primary and one worker, all on one Redis — a private Redis Cluster started
 * for the run, or the single Redis — with the same N logged-in clients spread evenly over them:
 *
 * - targeted: K pushes to random users, each through a random host's API, at a steady rate; the
 *   CPU of every Herald process of every host per push (only the holding host should work, so it
 *   should stay near the one-host figure), p50/p99 call → client and of the API answer (which
 *   carries `online`);
 * - calibration (1 host, when larger counts follow): the same targeted pushes at the rate each host
 *   of the largest count takes (rate ÷ H): a Node process's CPU per push grows as its rate falls
 *   (measured: 555 µs at 1,000/s, 926 at 300/s, 2,923 at 40/s, the same code), so spreading a
 *   fixed rate over H hosts costs more per push on each even if no host did extra work; a bare
 *   Node HTTP server (no Herald) is measured at the same two rates, for the machine's share;
 * - split (2 hosts and more): pushes through the first host's API to users of the last one; the
 *   CPU per push of the caller, of the holder and of each host in between (which should be ~0),
 *   and the Redis adapter messages each of them received per push (`/api/v1/stats` `adapterMessages`:
 *   a count, not a time, so it does not depend on how busy the machine is: 0 at a bystander);
 * - broadcast: `{to:{all:true}}` through a random host, one call in flight at a time; CPU of every
 *   host per delivery (should stay flat);
 * - online: `GET /api/v1/online/:uid` of a random user from a random host, one at a time.
 *
 * CPU figures are given as measured and less what the hosts spend idle over the same time (their
 * timers: stats reports, idle sweeps, Redis heartbeats), which grows with H whether pushes flow
 * or not; the ratios to the first host count are taken on the latter.
 */
import { randomInt } from 'node:crypto';
import { Histogram } from '../histogram';
import type { Fleet } from '../load/fleet';
import { benchData, preciseNow } from '../load/wire';
import { pace, paceNotes } from '../pacer';
import { cpuBetween, sampleTree } from '../proc-stats';
import type { HeraldRedis, HeraldServer } from '../servers/herald-server';
import { startBareHttpServer } from '../servers/bare-http';
import { startRedisCluster, type BenchRedisCluster } from '../servers/redis-cluster';
import { connectionNotes, sleep, started, type BenchContext } from './context';
import type { Metrics, OwnScenario, ScenarioResult } from './scenario';

/** Worker processes per host: one, so a host count is also a count of Socket.IO processes. */
const WORKERS_PER_HOST = 1;
/** Connections one worker may hold: 20,000 open files per process, less room for Redis, the store and logs. */
const MAX_PER_WORKER = 19_000;
/** Milliseconds of targeted pushes before counting (keep-alive pools to every host open, the path compiled). */
const WARMUP_MS = 1000;
/** The adapter `/api/v1/stats` names for a host without Redis. */
const EMBEDDED_ADAPTER = 'cluster';
/** Milliseconds the hosts may take to appear in each other's stats (they report every second). */
const SEE_EACH_OTHER_MS = 10_000;
/** Milliseconds over which the hosts' idle CPU is measured (the smoke run: a quarter). */
const IDLE_MS = 5000;
/** Milliseconds for the workers' stats reports (every second) to catch up before a count is read. */
const REPORT_LAG_MS = 1500;
/** Fewest pushes of the calibration phase. */
const MIN_CALIBRATION_PUSHES = 200;

/** The uids of the clients one host holds: `u<first>` … `u<first + count - 1>`. */
interface UidRange {
  first: number;
  count: number;
}

interface Hosts {
  list: HeraldServer[];
  roots: number[];
}

function pick(hosts: Hosts): HeraldServer {
  return hosts.list[randomInt(hosts.list.length)] as HeraldServer;
}

function perUnit(cpuSeconds: number, units: number): number | null {
  return units > 0 ? (cpuSeconds / units) * 1e6 : null;
}

/** Each host's Redis adapter messages so far, and when they were read. */
interface MessageCounts {
  at: number;
  counts: number[];
}

async function messageCounts(hosts: Hosts): Promise<MessageCounts> {
  return { at: Date.now(), counts: await Promise.all(hosts.list.map((s) => s.adapterMessages())) };
}

/** Per host: messages per second between two counts. */
function messageRates(a: MessageCounts, b: MessageCounts): number[] {
  const seconds = Math.max(0.001, (b.at - a.at) / 1000);
  return b.counts.map((n, i) => (n - (a.counts[i] ?? 0)) / seconds);
}

/** What the hosts spend doing nothing but their timers, per second. */
interface IdleRates {
  /** CPU seconds per second, all hosts. */
  cpu: number;
  /** Redis adapter messages per second, each host (another host's stats, cluster commands). */
  messages: number[];
}

async function idleRate(ctx: BenchContext, hosts: Hosts): Promise<IdleRates> {
  const ms = ctx.options.smoke ? IDLE_MS / 4 : IDLE_MS;
  ctx.progress.phase(`hosts · ${hosts.list.length}: idle CPU for ${ms / 1000} s`);
  const m0 = await messageCounts(hosts);
  const before = sampleTree(...hosts.roots);
  await sleep(ms);
  const after = sampleTree(...hosts.roots);
  const m1 = await messageCounts(hosts);
  ctx.progress.finish();
  return { cpu: cpuBetween(before, after) / Math.max(0.001, (after.at - before.at) / 1000), messages: messageRates(m0, m1) };
}

/** `k` pushes at `rate` per second, to random users through random hosts. */
interface Load {
  k: number;
  rate: number;
}

async function targeted(ctx: BenchContext, hosts: Hosts, fleet: Fleet, users: number, idle: number, load: Load): Promise<{ metrics: Metrics; notes: string[] }> {
  const { k, rate } = load;
  const { messageBytes } = ctx.options;
  const h = hosts.list.length;
  let offline = 0;
  const answers = new Histogram();
  const send = async (dueAt: number, measured: boolean): Promise<void> => {
    const answer = await pick(hosts).api.post('/api/v1/push', { to: { uid: `u${randomInt(users)}` }, data: benchData(dueAt, messageBytes), durable: false });
    if (answer.status !== 200) throw new Error(`push answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
    if (!measured) return;
    answers.record(preciseNow() - dueAt);
    if ((answer.body as { online?: unknown }).online === 0) offline++;
  };

  ctx.progress.phase(`hosts · ${h}: warm-up, ${WARMUP_MS / 1000} s at ${rate} pushes/s (not counted)`);
  await fleet.measure('message', 'count');
  const warm = await pace({ rate, durationMs: WARMUP_MS, maxInFlight: 256, send: (dueAt) => send(dueAt, false) });
  await fleet.waitFor((s) => s.received >= warm.sent - warm.failed, 10_000);
  ctx.progress.finish();

  await fleet.measure('message', 'latency');
  ctx.progress.phase(`hosts · ${h}: ${k} pushes at ${rate}/s through random hosts`, k);
  const cpu0 = sampleTree(...hosts.roots);
  const paced = await pace({
    rate,
    durationMs: (k / rate) * 1000,
    maxInFlight: 256,
    send: (dueAt) => send(dueAt, true),
    onTick: (sent, total) => ctx.progress.update(sent, `${sent}/${total} pushes`),
  });
  const accepted = paced.sent - paced.failed;
  await fleet.waitFor((s) => s.received >= accepted, 10_000);
  const cpu1 = sampleTree(...hosts.roots);
  ctx.progress.finish();

  const { status, latency } = await fleet.collect();
  const s = latency.summary();
  const a = answers.summary();
  const cpu = cpuBetween(cpu0, cpu1);
  const idleCpu = idle * ((cpu1.at - cpu0.at) / 1000);
  const notes = paceNotes(`targeted pushes at ${rate}/s`, paced);
  if (offline > 0) notes.push(`${offline} pushes to logged-in users were answered online: 0`);
  return {
    metrics: {
      pushRate: paced.achievedRate,
      pushP50: s.p50,
      pushP99: s.p99,
      pushAnswerP50: a.p50,
      pushAnswerP99: a.p99,
      pushLost: Math.max(0, accepted - status.received),
      pushOffline: offline,
      pushCpu: perUnit(cpu, accepted),
      pushCpuNet: perUnit(Math.max(0, cpu - idleCpu), accepted),
    },
    notes,
  };
}

/**
 * Where a targeted push's CPU goes: pushes through host 1's API to users held by the last host,
 * each host's CPU per push less its share of the idle CPU. The hosts in between neither take the
 * call nor hold the user: what they spend is what every push costs every host.
 */
async function split(ctx: BenchContext, hosts: Hosts, fleet: Fleet, held: UidRange, idle: IdleRates): Promise<Metrics> {
  const { hostsPushes, hostsPushRate: rate, messageBytes } = ctx.options;
  const h = hosts.list.length;
  const k = Math.max(1, Math.round(hostsPushes / 2));
  const caller = hosts.list[0] as HeraldServer;
  ctx.progress.phase(`hosts · ${h}: ${k} pushes through host 1 to users on host ${h} (CPU per host)`, k);
  await fleet.measure('message', 'count');
  await sleep(REPORT_LAG_MS);
  const m0 = await messageCounts(hosts);
  const before = hosts.roots.map((root) => sampleTree(root));
  const paced = await pace({
    rate,
    durationMs: (k / rate) * 1000,
    maxInFlight: 256,
    send: async (dueAt) => {
      const uid = `u${held.first + randomInt(held.count)}`;
      const answer = await caller.api.post('/api/v1/push', { to: { uid }, data: benchData(dueAt, messageBytes), durable: false });
      if (answer.status !== 200) throw new Error(`push answered ${answer.status}`);
    },
    onTick: (sent, total) => ctx.progress.update(sent, `${sent}/${total} pushes`),
  });
  const accepted = paced.sent - paced.failed;
  await fleet.waitFor((st) => st.received >= accepted, 10_000);
  const after = hosts.roots.map((root) => sampleTree(root));
  await sleep(REPORT_LAG_MS);
  const m1 = await messageCounts(hosts);
  ctx.progress.finish();
  const net = before.map((b, i) => {
    const a = after[i] as typeof b;
    return Math.max(0, cpuBetween(b, a) - (idle.cpu / h) * ((a.at - b.at) / 1000));
  });
  // Messages per push at each host, less what it receives idle over the same time.
  const seconds = (m1.at - m0.at) / 1000;
  const messages = m1.counts.map((n, i) => Math.max(0, n - (m0.counts[i] ?? 0) - (idle.messages[i] ?? 0) * seconds) / Math.max(1, accepted));
  const mean = (xs: number[]): number | null => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const bystanders = net.slice(1, -1);
  const bystanderCpu = mean(bystanders);
  return {
    callerCpu: perUnit(net[0] ?? 0, accepted),
    holderCpu: perUnit(net[h - 1] ?? 0, accepted),
    bystanderCpu: bystanderCpu !== null ? perUnit(bystanderCpu, accepted) : null,
    callerMessages: messages[0] ?? null,
    holderMessages: messages[h - 1] ?? null,
    bystanderMessages: mean(messages.slice(1, -1)),
  };
}

async function broadcast(ctx: BenchContext, hosts: Hosts, fleet: Fleet, idle: IdleRates): Promise<{ metrics: Metrics; notes: string[] }> {
  const { hostsBroadcasts: k, messageBytes } = ctx.options;
  const h = hosts.list.length;
  const receivers = (await fleet.collect()).status.loggedIn;
  const expected = k * receivers;
  await fleet.measure('message', 'count');
  ctx.progress.phase(`hosts · ${h}: ${k} broadcasts to ${receivers}, one call at a time`, expected);
  const errors: string[] = [];
  const cpu0 = sampleTree(...hosts.roots);
  const t0 = Date.now();
  const calls = (async () => {
    for (let i = 0; i < k; i++) {
      await pick(hosts)
        .broadcast(benchData(preciseNow(), messageBytes))
        .catch((err: Error) => {
          if (errors.length < 3) errors.push(err.message);
        });
    }
  })();
  // Bounded: at least 30 s, or 50 µs per expected delivery.
  const timeoutMs = Math.max(30_000, expected * 0.05);
  const complete = await fleet.waitFor((st) => st.received >= expected, timeoutMs, (st) => ctx.progress.update(st.received, `${st.received} delivered`), 20);
  await calls;
  const cpu1 = sampleTree(...hosts.roots);
  ctx.progress.finish();

  const { status } = await fleet.collect();
  const delivered = status.received;
  const end = status.lastReceiveAt > 0 ? status.lastReceiveAt : Date.now();
  const cpu = cpuBetween(cpu0, cpu1);
  const idleCpu = idle.cpu * ((cpu1.at - cpu0.at) / 1000);
  const notes: string[] = [];
  if (!complete) notes.push(`only ${delivered} of ${expected} broadcast deliveries arrived within ${Math.round(timeoutMs / 1000)} s`);
  if (errors.length > 0) notes.push(`broadcast errors: ${errors.join('; ')}`);
  return {
    metrics: {
      deliveriesPerSec: delivered / Math.max(0.001, (end - t0) / 1000),
      broadcastDelivered: delivered,
      broadcastExpected: expected,
      broadcastCpu: perUnit(cpu, delivered),
      broadcastCpuNet: perUnit(Math.max(0, cpu - idleCpu), delivered),
    },
    notes,
  };
}

async function lookups(ctx: BenchContext, hosts: Hosts, users: number): Promise<{ metrics: Metrics; notes: string[] }> {
  const n = ctx.options.hostsLookups;
  const h = hosts.list.length;
  ctx.progress.phase(`hosts · ${h}: ${n} online look-ups from random hosts, one at a time`, n);
  const latency = new Histogram();
  let wrong = 0;
  const errors = new Set<string>();
  for (let i = 0; i < n; i++) {
    const uid = `u${randomInt(users)}`;
    const t0 = preciseNow();
    try {
      const answer = await pick(hosts).api.get(`/api/v1/online/${uid}`);
      latency.record(preciseNow() - t0);
      const body = answer.body as { online?: unknown; connections?: unknown };
      if (answer.status !== 200 || body.online !== true || body.connections !== 1) {
        wrong++;
        if (errors.size < 3) errors.add(`${uid}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 160)}`);
      }
    } catch (err) {
      wrong++;
      if (errors.size < 3) errors.add((err as Error).message);
    }
    if (i % 50 === 0) ctx.progress.update(i, `${i}/${n} look-ups`);
  }
  ctx.progress.finish();
  const s = latency.summary();
  return {
    metrics: { onlineP50: s.p50, onlineP99: s.p99, onlineMax: s.max, onlineWrong: wrong },
    notes: wrong > 0 ? [`${wrong} look-ups of a logged-in user did not answer online: true with 1 connection: ${[...errors].join('; ')}`] : [],
  };
}

/**
 * Waits until the first host lists every host in its stats (each reports itself through Redis),
 * at most SEE_EACH_OTHER_MS, and checks that none runs the embedded adapter: a host that ignored
 * the Redis it was given would run alone, and the numbers would measure that.
 */
async function seeEachOther(list: HeraldServer[]): Promise<void> {
  const ids = list.map((s) => s.hostId);
  const first = list[0] as HeraldServer;
  let known: { hostId: string; adapter: string }[] = [];
  const deadline = Date.now() + SEE_EACH_OTHER_MS;
  while (Date.now() < deadline) {
    known = (await first.knownHosts().catch(() => [])).filter((h) => ids.includes(h.hostId));
    if (known.length === ids.length) break;
    await sleep(200);
  }
  if (known.length < ids.length) throw new Error(`the hosts do not see each other: ${first.hostId} lists ${known.length} of ${ids.length} (is their Redis configured?)`);
  const alone = known.find((h) => h.adapter === EMBEDDED_ADAPTER);
  if (alone !== undefined) throw new Error(`${alone.hostId} runs the embedded adapter, without the Redis it was given`);
}

/** One host count: start the hosts, spread the clients, measure, stop everything. */
async function measureHosts(ctx: BenchContext, h: number, redis: HeraldRedis): Promise<ScenarioResult> {
  const t = started();
  const n = ctx.options.hostsConnections;
  const list: HeraldServer[] = [];
  let fleet: Fleet | undefined;
  try {
    const perWorker = Math.ceil(n / (h * WORKERS_PER_HOST));
    if (perWorker > MAX_PER_WORKER) {
      throw new Error(`${perWorker.toLocaleString('en-US')} connections per worker exceed the ${MAX_PER_WORKER.toLocaleString('en-US')} a process can hold here (20,000 open files); fewer clients or more hosts`);
    }
    ctx.progress.phase(`hosts · ${h}: starting ${h} Herald host${h > 1 ? 's' : ''} (1 worker each)`, h);
    for (let i = 0; i < h; i++) {
      list.push(await ctx.startHerald(`hosts-${h}-${i}`, { workers: WORKERS_PER_HOST, redis }));
      ctx.progress.update(i + 1);
    }
    ctx.progress.finish();
    await seeEachOther(list);
    const hosts: Hosts = { list, roots: list.map((s) => s.rootPid) };
    fleet = ctx.startFleet(n);
    // The same N over every count: host i takes an even share, uids continue from host to host.
    const ranges: UidRange[] = [];
    for (let i = 0; i < h; i++) {
      const share = Math.floor(n / h) + (i < n % h ? 1 : 0);
      ranges.push({ first: ranges.reduce((a, r) => a + r.count, 0), count: share });
      await ctx.connect(fleet, list[i] as HeraldServer, share, `hosts · ${h}: ${share} clients → host ${i + 1}/${h}`);
    }
    const { status } = await fleet.collect();
    const users = status.loggedIn;
    if (users === 0) throw new Error('no client logged in');
    const processes = sampleTree(...hosts.roots).pids.length;
    const idle = await idleRate(ctx, hosts);
    const { hostsPushes, hostsPushRate } = ctx.options;
    const push = await targeted(ctx, hosts, fleet, users, idle.cpu, { k: hostsPushes, rate: hostsPushRate });
    // One host, with larger counts to come: the same pushes at the rate each host of the largest count takes.
    const most = Math.max(...ctx.options.hostCounts);
    let calibration: Metrics = {};
    if (h === 1 && most > 1) {
      const slow = await targeted(ctx, hosts, fleet, users, idle.cpu, { k: Math.max(MIN_CALIBRATION_PUSHES, Math.round(hostsPushes / most)), rate: hostsPushRate / most });
      calibration = { pushCpuNetPerHostRate: slow.metrics.pushCpuNet ?? null };
      push.notes.push(...slow.notes);
      ctx.progress.phase(`hosts · 1: a bare Node HTTP server at ${hostsPushRate}/s and ${hostsPushRate / most}/s (the machine's own cost per request)`);
      const bare = await startBareHttpServer();
      try {
        const k = Math.max(MIN_CALIBRATION_PUSHES, Math.round(hostsPushes / most));
        calibration.bareCpu = await bare.cpuPerRequest(hostsPushRate, k * 2);
        calibration.bareCpuPerHostRate = await bare.cpuPerRequest(hostsPushRate / most, k);
      } finally {
        bare.stop();
        ctx.progress.finish();
      }
    }
    const where = h > 1 ? await split(ctx, hosts, fleet, ranges[h - 1] as UidRange, idle) : {};
    const all = await broadcast(ctx, hosts, fleet, idle);
    const online = await lookups(ctx, hosts, users);
    // Each host's own connections, from its stats (reported every second, long since caught up).
    const perHost = await Promise.all(list.map(async (s) => (await s.workers()).reduce((a, w) => a + w.connections, 0)));
    const final = (await fleet.collect()).status;
    const notes = [...connectionNotes(final), ...push.notes, ...all.notes, ...online.notes];
    if (users < n) notes.push(`${users} of ${n} clients logged in`);
    notes.push(`${processes} Herald processes; connections per host: ${perHost.join(', ')}`);
    return ctx.result('hosts', `${h} host${h > 1 ? 's' : ''}`, t, {
      metrics: {
        hosts: h,
        clients: users,
        hostConnectionsMin: Math.min(...perHost),
        hostConnectionsMax: Math.max(...perHost),
        idleCpu: idle.cpu * 1e6,
        ...push.metrics,
        ...calibration,
        ...where,
        ...all.metrics,
        ...online.metrics,
      },
      notes,
    });
  } finally {
    ctx.progress.finish();
    await fleet?.stop();
    await Promise.all(list.map((s) => s.stop()));
  }
}

/** The CPU figures of every count over those of the first that produced numbers (1 host by default); returns that one's name. */
function addRatios(results: ScenarioResult[]): string | undefined {
  const first = results.find((r) => r.status === 'ok');
  const base = (key: string): number | null => {
    const v = first?.metrics[key];
    return v === undefined || v === null || v <= 0 ? null : v;
  };
  const ratio = (value: number | null | undefined, over: number | null): number | null => (over !== null && value !== undefined && value !== null ? value / over : null);
  const pushBase = base('pushCpuNet');
  const perHostBase = base('pushCpuNetPerHostRate');
  const broadcastBase = base('broadcastCpuNet');
  // The calibration ran at the rate each host of the largest count takes: only that count compares.
  const most = Math.max(...results.map((r) => r.metrics.hosts ?? 0));
  for (const r of results) {
    r.metrics.pushCpuRatio = ratio(r.metrics.pushCpuNet, pushBase);
    r.metrics.pushCpuRatioPerHostRate = most > 1 && r.metrics.hosts === most ? ratio(r.metrics.pushCpuNet, perHostBase) : null;
    r.metrics.broadcastCpuRatio = ratio(r.metrics.broadcastCpuNet, broadcastBase);
  }
  return first?.server;
}

export const hostsScenario: OwnScenario = {
  kind: 'own',
  name: 'hosts',
  title: 'hosts: scale by host count (1 worker each), the same clients spread over them',
  metrics: [
    { key: 'clients', label: 'clients logged in (spread evenly)', unit: 'count' },
    { key: 'hostConnectionsMin', label: 'connections on the least loaded host', unit: 'count' },
    { key: 'hostConnectionsMax', label: 'connections on the most loaded host', unit: 'count' },
    { key: 'idleCpu', label: 'idle CPU of all hosts, per second', unit: 'us' },
    { key: 'pushRate', label: 'targeted: pushes per second achieved', unit: 'per-s' },
    { key: 'pushP50', label: 'targeted: p50, call → client', unit: 'ms' },
    { key: 'pushP99', label: 'targeted: p99, call → client', unit: 'ms' },
    { key: 'pushAnswerP50', label: 'targeted: p50 of the API answer (with `online`)', unit: 'ms' },
    { key: 'pushAnswerP99', label: 'targeted: p99 of the API answer (with `online`)', unit: 'ms' },
    { key: 'pushLost', label: 'targeted: not received within 10 s of the last send', unit: 'count' },
    { key: 'pushOffline', label: 'targeted: answered online: 0 for a logged-in user', unit: 'count' },
    { key: 'pushCpu', label: 'targeted: CPU per push, all hosts', unit: 'us' },
    { key: 'pushCpuNet', label: 'targeted: CPU per push, all hosts, less idle', unit: 'us' },
    { key: 'pushCpuRatio', label: 'targeted: CPU per push less idle, vs 1 host', unit: 'ratio' },
    { key: 'pushCpuNetPerHostRate', label: 'calibration: 1 host at the rate each host of the most takes (rate ÷ H), CPU per push less idle', unit: 'us' },
    { key: 'bareCpu', label: 'machine: a bare Node HTTP server, CPU per request at the targeted rate', unit: 'us' },
    { key: 'bareCpuPerHostRate', label: 'machine: the same at the rate each host of the most takes (rate ÷ H)', unit: 'us' },
    { key: 'pushCpuRatioPerHostRate', label: 'targeted: CPU per push less idle, vs 1 host at the same rate per host', unit: 'ratio' },
    { key: 'callerCpu', label: 'split: CPU per push, the host taking the call (holds none of the users)', unit: 'us' },
    { key: 'holderCpu', label: 'split: CPU per push, the host holding the user', unit: 'us' },
    { key: 'bystanderCpu', label: 'split: CPU per push, each other host (mean)', unit: 'us' },
    { key: 'callerMessages', label: 'split: Redis adapter messages per push, the host taking the call', unit: 'number' },
    { key: 'holderMessages', label: 'split: Redis adapter messages per push, the host holding the user', unit: 'number' },
    { key: 'bystanderMessages', label: 'split: Redis adapter messages per push, each other host (mean)', unit: 'number' },
    { key: 'deliveriesPerSec', label: 'broadcast: deliveries per second', unit: 'per-s' },
    { key: 'broadcastDelivered', label: 'broadcast: deliveries received', unit: 'count' },
    { key: 'broadcastExpected', label: 'broadcast: deliveries expected', unit: 'count' },
    { key: 'broadcastCpu', label: 'broadcast: CPU per delivery, all hosts', unit: 'us' },
    { key: 'broadcastCpuNet', label: 'broadcast: CPU per delivery, all hosts, less idle', unit: 'us' },
    { key: 'broadcastCpuRatio', label: 'broadcast: CPU per delivery less idle, vs 1 host', unit: 'ratio' },
    { key: 'onlineP50', label: 'GET /api/v1/online/:uid: p50', unit: 'ms' },
    { key: 'onlineP99', label: 'GET /api/v1/online/:uid: p99', unit: 'ms' },
    { key: 'onlineMax', label: 'GET /api/v1/online/:uid: max', unit: 'ms' },
    { key: 'onlineWrong', label: 'GET /api/v1/online/:uid: wrong answers', unit: 'count' },
  ],
  async run(ctx): Promise<ScenarioResult[]> {
    const results: ScenarioResult[] = [];
    let cluster: BenchRedisCluster | undefined;
    let removeCluster: (() => void) | undefined;
    try {
      if (ctx.options.hostsRedis === 'cluster') {
        ctx.progress.phase('hosts: starting a private Redis Cluster (3 masters + 3 replicas)');
        cluster = await startRedisCluster();
        const started = cluster;
        removeCluster = ctx.cleanup.add('redis cluster', () => started.stop());
        ctx.progress.finish();
      }
      for (const h of ctx.options.hostCounts) {
        const prefix = ctx.redisPrefix(`hosts-${h}`);
        const redis: HeraldRedis = cluster !== undefined ? { cluster: cluster.seeds, prefix } : { url: ctx.options.redisUrl, prefix };
        const t = started();
        try {
          results.push(await measureHosts(ctx, h, redis));
        } catch (err) {
          const reason = (err as Error)?.message?.split('\n')[0] ?? String(err);
          ctx.progress.log(`hosts · ${h} failed: ${reason}`);
          results.push(ctx.result('hosts', `${h} host${h > 1 ? 's' : ''}`, t, { status: 'failed', reason }));
        }
      }
    } finally {
      ctx.progress.finish();
      await cluster?.stop();
      removeCluster?.();
    }
    const base = addRatios(results);
    const on = cluster !== undefined ? 'a private Redis Cluster (3 masters + 3 replicas)' : `the single Redis at ${ctx.options.redisUrl}`;
    results[0]?.notes.push(`every count on ${on}; each host a primary and ${WORKERS_PER_HOST} worker${base !== undefined ? `; ratios to ${base}` : ''}`);
    return results;
  },
};
