/** Every knob of a bench run, its default, and the smoke preset. */
import type { ServerKind } from './servers/bench-server';

export type ScenarioName = 'idle' | 'fanout' | 'latency' | 'targeted' | 'login' | 'storm' | 'hold' | 'durable' | 'hosts';

/** In the order they run. */
export const SCENARIO_NAMES: readonly ScenarioName[] = ['idle', 'fanout', 'latency', 'durable', 'targeted', 'login', 'storm', 'hold', 'hosts'];

/** The Redis the hosts scenario runs on: a private Redis Cluster started for the run, or `redisUrl`. */
export type HostsRedis = 'cluster' | 'single';
export const HOSTS_REDIS_KINDS: readonly HostsRedis[] = ['cluster', 'single'];
/** Which workers the storm kills: the one holding the most clients, or every one at once. */
export type StormKill = 'one' | 'all';
export const STORM_KILLS: readonly StormKill[] = ['one', 'all'];
export const SERVER_KINDS: readonly ServerKind[] = ['herald', 'stock-cluster', 'stock-single'];

export interface BenchOptions {
  scenarios: ScenarioName[];
  /** Servers the shared scenarios (idle, fanout, latency) and storm run against. */
  servers: ServerKind[];
  /** N: connections of idle, fanout, latency and targeted. @default 5000 */
  connections: number;
  /** Bytes of each push's `data` (as JSON). @default 100 */
  messageBytes: number;
  /** K: broadcasts of the fanout scenario. @default 50 */
  fanoutMessages: number;
  /** Broadcast API calls in flight during fanout. @default 4 */
  fanoutInflight: number;
  /** Deliveries per second of the latency scenario (broadcasts/s = this / N). @default 25000 */
  latencyRate: number;
  /** Seconds of each steady-rate phase (latency, targeted, durable). @default 10 */
  duration: number;
  /** Pushes per second of the targeted scenario. @default 5000 */
  targetedRate: number;
  /** targeted: pushes per `POST /api/v1/push/batch` call in its batch phase (beside the single push API); 0: no batch phase. @default 50 */
  targetedBatch: number;
  /** Connections of the login scenario (logged in once each per verifier). @default 3000 */
  loginConnections: number;
  /** Logins in flight per load-client process. @default 64 */
  loginConcurrency: number;
  /** Clients of the storm scenario (half of them lose their worker). @default 20000 */
  stormConnections: number;
  /** Seconds the storm may take before it counts as failed. @default 30 */
  stormTimeout: number;
  /** Handshakes in flight per load-client process while reconnecting in the storm. @default 2000 */
  stormConcurrency: number;
  /** storm: kill the worker holding the most clients, or every worker (all N clients reconnect). @default 'one' */
  stormKill: StormKill;
  /** Logged-in connections of the hold scenario. @default 50000 */
  holdConnections: number;
  /** Herald workers for hold (20,000 open files per process: raised to one per 15,000 connections, see holdWorkersFor). @default 4 */
  holdWorkers: number;
  /** Seconds the hold scenario may spend connecting before it reports what it holds. @default 150 */
  holdConnectTimeout: number;
  /** durable: the ramp's first offered rate, pushes per second; each step offers 1.5× the last. @default 1000 */
  durableRate: number;
  /** durable: the ramp stops past this rate even if p99 holds. @default 30000 */
  durableMaxRate: number;
  /** durable: seconds of each ramp step. @default 3 */
  durableStep: number;
  /** durable: pushes per `POST /api/v1/push/batch` call in its batch ramp; 0: no batch ramp. @default 100 */
  durableBatch: number;
  /** durable: the MariaDB/MySQL server (root) to create a scratch database on; the ramp into it is skipped when it does not answer. */
  mysqlUrl: string;
  /** hosts: the host counts to measure, one Herald host (primary + 1 worker) each. @default [1, 2, 4, 8] */
  hostCounts: number[];
  /** hosts: logged-in clients, spread evenly over the hosts of each count. @default 2000 */
  hostsConnections: number;
  /** hosts: a private Redis Cluster (3 masters + 3 replicas, started and stopped by the run) or the single Redis at `redisUrl`. @default 'cluster' */
  hostsRedis: HostsRedis;
  /** hosts: targeted pushes measured at each host count. @default 3000 */
  hostsPushes: number;
  /**
   * hosts: targeted pushes per second. 400, not more: at 1,000/s 8 hosts (32 processes) saturate
   * this 2-core machine (p50 in the hundreds of ms), and the figures then measure the overload.
   * @default 400
   */
  hostsPushRate: number;
  /** hosts: broadcasts to every client at each host count, one in flight at a time. @default 20 */
  hostsBroadcasts: number;
  /** hosts: `GET /api/v1/online/:uid` look-ups at each host count, one at a time. @default 1000 */
  hostsLookups: number;
  /** Socket.IO workers of Herald and of the stock cluster recipe. @default 2 */
  workers: number;
  /** Load-client processes; 0 = enough for ≤ 12,500 connections each, at least 2. @default 0 */
  clientProcesses: number;
  /** Handshakes in flight per load-client process while connecting. @default 200 */
  connectConcurrency: number;
  /** Milliseconds a handshake may take before the connection counts as hung. @default 10000 */
  handshakeTimeoutMs: number;
  /** Milliseconds between heartbeat events of each logged-in load connection. @default 60000 */
  heartbeatMs: number;
  redisUrl: string;
  /** Herald's adapter in idle/fanout/latency/login/storm/hold: `redis` (like the stock recipe) or the embedded `cluster` adapter. @default 'redis' */
  heraldAdapter: 'redis' | 'cluster';
  smoke: boolean;
  /** Markdown file to append the run's tables to; undefined: none. */
  appendDoc: string | undefined;
  resultsDir: string;
  /** Write V8 CPU profiles of the servers and print their top functions. */
  profile: boolean;
  /** idle: heap snapshots of each server's busiest worker, empty and loaded, and the per-connection census (bench/heap-census.ts). */
  heapSnapshots: boolean;
  /** More Node options for Herald's processes, to measure a tuning (e.g. `--max-semi-space-size=4`); the baselines run without. */
  heraldNodeOptions: string[];
  /** idle: seconds to wait after the first reading before reading the memory again, settled; 0: no second reading. @default 30 */
  idleSettle: number;
  progress: boolean;
  /** Free text saved with the results (e.g. "before the encode-once change"). */
  label: string;
}

export const DEFAULT_BENCH_OPTIONS: Readonly<BenchOptions> = Object.freeze({
  scenarios: ['idle', 'fanout', 'latency'] as ScenarioName[],
  servers: [...SERVER_KINDS],
  connections: 5000,
  messageBytes: 100,
  fanoutMessages: 50,
  fanoutInflight: 4,
  latencyRate: 25_000,
  duration: 10,
  targetedRate: 5000,
  targetedBatch: 50,
  loginConnections: 3000,
  loginConcurrency: 64,
  stormConnections: 20_000,
  stormTimeout: 30,
  stormConcurrency: 2000,
  stormKill: 'one' as const,
  holdConnections: 50_000,
  holdWorkers: 4,
  holdConnectTimeout: 150,
  durableRate: 1000,
  durableMaxRate: 30_000,
  durableStep: 3,
  durableBatch: 100,
  mysqlUrl: 'mysql://root@127.0.0.1:3306',
  hostCounts: [1, 2, 4, 8],
  hostsConnections: 2000,
  hostsRedis: 'cluster' as const,
  hostsPushes: 3000,
  hostsPushRate: 400,
  hostsBroadcasts: 20,
  hostsLookups: 1000,
  workers: 2,
  clientProcesses: 0,
  connectConcurrency: 200,
  handshakeTimeoutMs: 10_000,
  heartbeatMs: 60_000,
  redisUrl: 'redis://127.0.0.1:6379',
  heraldAdapter: 'redis' as const,
  smoke: false,
  appendDoc: undefined,
  resultsDir: 'bench/results',
  profile: false,
  heapSnapshots: false,
  idleSettle: 30,
  heraldNodeOptions: [],
  progress: true,
  label: '',
});

/** `--smoke`: every scenario with tiny numbers, well under 90 s; the CI test runs it. */
export const SMOKE_OPTIONS: Readonly<Partial<BenchOptions>> = Object.freeze({
  scenarios: [...SCENARIO_NAMES],
  connections: 40,
  fanoutMessages: 5,
  latencyRate: 200,
  duration: 1,
  targetedRate: 100,
  loginConnections: 40,
  stormConnections: 60,
  stormTimeout: 20,
  holdConnections: 100,
  holdWorkers: 2,
  targetedBatch: 10,
  durableRate: 50,
  durableMaxRate: 80,
  durableStep: 1,
  idleSettle: 0,
  durableBatch: 10,
  hostCounts: [1, 2],
  hostsConnections: 40,
  hostsRedis: 'single' as const,
  hostsPushes: 100,
  hostsPushRate: 100,
  hostsBroadcasts: 3,
  hostsLookups: 50,
  clientProcesses: 2,
  handshakeTimeoutMs: 5000,
  smoke: true,
});

/** Load-client processes for `connections`: at most 12,500 each (20,000 open files per process), at least 2. */
/**
 * Herald workers for hold: `holdWorkers`, or more when the connections need them — at most
 * 15,000 each, under the 20,000 open files a process may have (100,000 connections: 7 workers).
 */
export function holdWorkersFor(options: BenchOptions): number {
  return Math.max(options.holdWorkers, Math.ceil(options.holdConnections / 15_000));
}

export function clientProcessesFor(options: BenchOptions, connections: number): number {
  if (options.clientProcesses > 0) return options.clientProcesses;
  return Math.max(2, Math.ceil(connections / 12_500));
}
