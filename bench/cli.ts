/**
 * `npm run bench -- [options]` (and `herald bench [options]`, which runs bench/main.js): parses
 * the flags, runs the scenarios, writes the JSON results, prints the tables and appends them to
 * docs/BENCHMARKS.md when asked. Everything started is stopped at the end, also on Ctrl-C.
 */
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { Cleanup } from './cleanup';
import {
  DEFAULT_BENCH_OPTIONS,
  HOSTS_REDIS_KINDS,
  SCENARIO_NAMES,
  SERVER_KINDS,
  SMOKE_OPTIONS,
  STORM_KILLS,
  type BenchOptions,
  type HostsRedis,
  type ScenarioName,
  type StormKill,
} from './options';
import { Progress } from './progress';
import { renderRun } from './report/markdown';
import { renderProfiles } from './report/profile-summary';
import { appendToDoc, writeResults } from './report/results';
import { runScenarios } from './runner';
import type { ServerKind } from './servers/bench-server';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer ≥ 0');
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

/** `--a=1 --b` → ['--a=1', '--b']: Node options only, so a stray word cannot become a script to run. */
function nodeFlags(value: string): string[] {
  const flags = value.split(/\s+/).filter((s) => s !== '');
  const bad = flags.find((flag) => !/^--[a-z0-9-]+(=[^\s]*)?$/i.test(flag));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not a Node option (--name or --name=value)`);
  return flags;
}

/** `1,2,4,8` → [1, 2, 4, 8]: distinct positive integers, ascending. */
function positiveInts(value: string): number[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new InvalidArgumentError('needs at least one number');
  return [...new Set(items.map(positiveInt))].sort((a, b) => a - b);
}

function listOf<T extends string>(allowed: readonly T[]): (value: string) => T[] {
  return (value) => {
    const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const item of items) {
      if (!allowed.includes(item as T)) throw new InvalidArgumentError(`unknown "${item}"; one of ${allowed.join(', ')}`);
    }
    return items as T[];
  };
}

interface Flags {
  scenario?: ScenarioName[];
  all?: boolean;
  servers?: ServerKind[];
  connections?: number;
  bytes?: number;
  messages?: number;
  fanoutInflight?: number;
  latencyRate?: number;
  duration?: number;
  targetedRate?: number;
  targetedBatch?: number;
  loginConnections?: number;
  loginConcurrency?: number;
  stormConnections?: number;
  stormTimeout?: number;
  stormConcurrency?: number;
  stormKill?: string;
  holdConnections?: number;
  holdWorkers?: number;
  holdTimeout?: number;
  durableRate?: number;
  durableMaxRate?: number;
  durableStep?: number;
  durableBatch?: number;
  mysql?: string;
  hosts?: number[];
  hostsConnections?: number;
  hostsRedis?: string;
  hostsPushes?: number;
  hostsRate?: number;
  hostsBroadcasts?: number;
  hostsLookups?: number;
  workers?: number;
  clientProcesses?: number;
  connectConcurrency?: number;
  handshakeTimeout?: number;
  heartbeat?: number;
  redis?: string;
  heraldAdapter?: string;
  smoke?: boolean;
  appendDoc?: string | boolean;
  resultsDir?: string;
  profile?: boolean;
  heapSnapshots?: boolean;
  idleSettle?: number;
  heraldNodeOptions?: string;
  progress?: boolean;
  label?: string;
}

function program(): Command {
  return new Command('bench')
    .description('Herald benchmarks: Herald and the stock Socket.IO baselines under the same load clients')
    .option('-s, --scenario <names>', `scenarios, comma-separated: ${SCENARIO_NAMES.join(', ')}`, listOf(SCENARIO_NAMES))
    .option('-a, --all', 'every scenario')
    .option('--servers <names>', `servers for idle/fanout/latency/storm: ${SERVER_KINDS.join(', ')}`, listOf(SERVER_KINDS))
    .option('-n, --connections <n>', `N: connections (default ${DEFAULT_BENCH_OPTIONS.connections})`, positiveInt)
    .option('--bytes <n>', `bytes of each message's data (default ${DEFAULT_BENCH_OPTIONS.messageBytes})`, positiveInt)
    .option('-k, --messages <k>', `fanout: broadcasts (default ${DEFAULT_BENCH_OPTIONS.fanoutMessages})`, positiveInt)
    .option('--fanout-inflight <n>', `fanout: broadcast calls in flight (default ${DEFAULT_BENCH_OPTIONS.fanoutInflight})`, positiveInt)
    .option('--latency-rate <n>', `latency: deliveries per second (default ${DEFAULT_BENCH_OPTIONS.latencyRate})`, positiveNumber)
    .option('-d, --duration <s>', `seconds of each steady phase (default ${DEFAULT_BENCH_OPTIONS.duration})`, positiveNumber)
    .option('--targeted-rate <n>', `targeted: pushes per second (default ${DEFAULT_BENCH_OPTIONS.targetedRate})`, positiveNumber)
    .option('--targeted-batch <n>', `targeted: pushes per batch call in the batch phase, 0 for none (default ${DEFAULT_BENCH_OPTIONS.targetedBatch})`, nonNegativeInt)
    .option('--login-connections <n>', `login: connections (default ${DEFAULT_BENCH_OPTIONS.loginConnections})`, positiveInt)
    .option('--login-concurrency <n>', `login: logins in flight per load process (default ${DEFAULT_BENCH_OPTIONS.loginConcurrency})`, positiveInt)
    .option('--storm-connections <n>', `storm: clients (default ${DEFAULT_BENCH_OPTIONS.stormConnections})`, positiveInt)
    .option('--storm-timeout <s>', `storm: seconds before it counts as failed (default ${DEFAULT_BENCH_OPTIONS.stormTimeout})`, positiveNumber)
    .option('--storm-kill <which>', `storm: kill ${STORM_KILLS.join(' or ')} of the workers (default ${DEFAULT_BENCH_OPTIONS.stormKill})`)
    .option('--storm-concurrency <n>', `storm: reconnect handshakes in flight per load process (default ${DEFAULT_BENCH_OPTIONS.stormConcurrency})`, positiveInt)
    .option('--hold-connections <n>', `hold: logged-in connections (default ${DEFAULT_BENCH_OPTIONS.holdConnections})`, positiveInt)
    .option('--hold-workers <n>', `hold: Herald workers (default ${DEFAULT_BENCH_OPTIONS.holdWorkers})`, positiveInt)
    .option('--hold-timeout <s>', `hold: seconds it may spend connecting (default ${DEFAULT_BENCH_OPTIONS.holdConnectTimeout})`, positiveNumber)
    .option('--durable-rate <n>', `durable: the ramp's first rate, pushes per second (default ${DEFAULT_BENCH_OPTIONS.durableRate})`, positiveNumber)
    .option('--durable-max-rate <n>', `durable: the ramp's last rate (default ${DEFAULT_BENCH_OPTIONS.durableMaxRate})`, positiveNumber)
    .option('--durable-step <s>', `durable: seconds per ramp step (default ${DEFAULT_BENCH_OPTIONS.durableStep})`, positiveNumber)
    .option('--durable-batch <n>', `durable: pushes per batch call in the batch ramp, 0 for none (default ${DEFAULT_BENCH_OPTIONS.durableBatch})`, nonNegativeInt)
    .option('--mysql <url>', `durable: MariaDB/MySQL server for a scratch database (default ${DEFAULT_BENCH_OPTIONS.mysqlUrl})`)
    .option('--hosts <counts>', `hosts: host counts, comma-separated (default ${DEFAULT_BENCH_OPTIONS.hostCounts.join(',')})`, positiveInts)
    .option('--hosts-connections <n>', `hosts: clients spread over the hosts (default ${DEFAULT_BENCH_OPTIONS.hostsConnections})`, positiveInt)
    .option('--hosts-redis <kind>', `hosts: ${HOSTS_REDIS_KINDS.join(' or ')} (a private Redis Cluster 3+3, or --redis) (default ${DEFAULT_BENCH_OPTIONS.hostsRedis})`)
    .option('--hosts-pushes <k>', `hosts: targeted pushes per host count (default ${DEFAULT_BENCH_OPTIONS.hostsPushes})`, positiveInt)
    .option('--hosts-rate <n>', `hosts: targeted pushes per second (default ${DEFAULT_BENCH_OPTIONS.hostsPushRate})`, positiveNumber)
    .option('--hosts-broadcasts <k>', `hosts: broadcasts per host count, one at a time (default ${DEFAULT_BENCH_OPTIONS.hostsBroadcasts})`, positiveInt)
    .option('--hosts-lookups <n>', `hosts: online look-ups per host count (default ${DEFAULT_BENCH_OPTIONS.hostsLookups})`, positiveInt)
    .option('--workers <n>', `workers of Herald and of the stock cluster (default ${DEFAULT_BENCH_OPTIONS.workers})`, positiveInt)
    .option('--client-processes <n>', 'load-client processes (default: ≤ 12,500 connections each, at least 2)', positiveInt)
    .option('--connect-concurrency <n>', `handshakes in flight per load process (default ${DEFAULT_BENCH_OPTIONS.connectConcurrency})`, positiveInt)
    .option('--handshake-timeout <ms>', `a handshake slower than this counts as hung (default ${DEFAULT_BENCH_OPTIONS.handshakeTimeoutMs})`, positiveInt)
    .option('--heartbeat <ms>', `heartbeat period of logged-in load connections (default ${DEFAULT_BENCH_OPTIONS.heartbeatMs})`, positiveInt)
    .option('--redis <url>', `Redis for the adapters and the targeted scenario (default ${DEFAULT_BENCH_OPTIONS.redisUrl})`)
    .option('--herald-adapter <adapter>', 'Herald without Redis (cluster) or with (redis, default)')
    .option('--smoke', 'every scenario with tiny numbers (< 90 s); what CI runs')
    .option('--append-doc [path]', 'append the tables to docs/BENCHMARKS.md (or the given file)')
    .option('--results-dir <dir>', `where the JSON goes (default ${DEFAULT_BENCH_OPTIONS.resultsDir})`)
    .option('--profile', 'write V8 CPU profiles of the servers and print where their time went')
    .option('--herald-node-options <flags>', "more Node options for Herald's processes only, space-separated (e.g. '--max-semi-space-size=4')")
    .option('--idle-settle <s>', `idle: seconds idle before the second, settled memory reading, 0 for none (default ${DEFAULT_BENCH_OPTIONS.idleSettle})`, nonNegativeNumber)
    .option('--heap-snapshots', 'idle: heap snapshots of each server\'s busiest worker, empty and loaded, and what each connection adds')
    .option('--no-progress', 'no progress bar')
    .option('--label <text>', 'a note saved with the results (e.g. "before the encode-once change")')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
}

/** Flags → options: defaults, then the smoke preset, then what was given. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const cmd = program();
  cmd.parse(argv, { from: 'user' });
  const f = cmd.opts<Flags>();
  if (f.heraldAdapter !== undefined && f.heraldAdapter !== 'redis' && f.heraldAdapter !== 'cluster') {
    throw new InvalidArgumentError('--herald-adapter must be redis or cluster');
  }
  if (f.stormKill !== undefined && !STORM_KILLS.includes(f.stormKill as StormKill)) {
    throw new InvalidArgumentError(`--storm-kill must be ${STORM_KILLS.join(' or ')}`);
  }
  if (f.hostsRedis !== undefined && !HOSTS_REDIS_KINDS.includes(f.hostsRedis as HostsRedis)) {
    throw new InvalidArgumentError(`--hosts-redis must be ${HOSTS_REDIS_KINDS.join(' or ')}`);
  }
  const given: Partial<BenchOptions> = {
    ...(f.scenario !== undefined ? { scenarios: f.scenario } : {}),
    ...(f.all === true ? { scenarios: [...SCENARIO_NAMES] } : {}),
    ...(f.servers !== undefined ? { servers: f.servers } : {}),
    ...(f.connections !== undefined ? { connections: f.connections } : {}),
    ...(f.bytes !== undefined ? { messageBytes: f.bytes } : {}),
    ...(f.messages !== undefined ? { fanoutMessages: f.messages } : {}),
    ...(f.fanoutInflight !== undefined ? { fanoutInflight: f.fanoutInflight } : {}),
    ...(f.latencyRate !== undefined ? { latencyRate: f.latencyRate } : {}),
    ...(f.duration !== undefined ? { duration: f.duration } : {}),
    ...(f.targetedRate !== undefined ? { targetedRate: f.targetedRate } : {}),
    ...(f.targetedBatch !== undefined ? { targetedBatch: f.targetedBatch } : {}),
    ...(f.loginConnections !== undefined ? { loginConnections: f.loginConnections } : {}),
    ...(f.loginConcurrency !== undefined ? { loginConcurrency: f.loginConcurrency } : {}),
    ...(f.stormConnections !== undefined ? { stormConnections: f.stormConnections } : {}),
    ...(f.stormTimeout !== undefined ? { stormTimeout: f.stormTimeout } : {}),
    ...(f.stormConcurrency !== undefined ? { stormConcurrency: f.stormConcurrency } : {}),
    ...(f.stormKill !== undefined ? { stormKill: f.stormKill as StormKill } : {}),
    ...(f.holdConnections !== undefined ? { holdConnections: f.holdConnections } : {}),
    ...(f.holdWorkers !== undefined ? { holdWorkers: f.holdWorkers } : {}),
    ...(f.holdTimeout !== undefined ? { holdConnectTimeout: f.holdTimeout } : {}),
    ...(f.durableRate !== undefined ? { durableRate: f.durableRate } : {}),
    ...(f.durableMaxRate !== undefined ? { durableMaxRate: f.durableMaxRate } : {}),
    ...(f.durableStep !== undefined ? { durableStep: f.durableStep } : {}),
    ...(f.durableBatch !== undefined ? { durableBatch: f.durableBatch } : {}),
    ...(f.mysql !== undefined ? { mysqlUrl: f.mysql } : {}),
    ...(f.hosts !== undefined ? { hostCounts: f.hosts } : {}),
    ...(f.hostsConnections !== undefined ? { hostsConnections: f.hostsConnections } : {}),
    ...(f.hostsRedis !== undefined ? { hostsRedis: f.hostsRedis as HostsRedis } : {}),
    ...(f.hostsPushes !== undefined ? { hostsPushes: f.hostsPushes } : {}),
    ...(f.hostsRate !== undefined ? { hostsPushRate: f.hostsRate } : {}),
    ...(f.hostsBroadcasts !== undefined ? { hostsBroadcasts: f.hostsBroadcasts } : {}),
    ...(f.hostsLookups !== undefined ? { hostsLookups: f.hostsLookups } : {}),
    ...(f.workers !== undefined ? { workers: f.workers } : {}),
    ...(f.clientProcesses !== undefined ? { clientProcesses: f.clientProcesses } : {}),
    ...(f.connectConcurrency !== undefined ? { connectConcurrency: f.connectConcurrency } : {}),
    ...(f.handshakeTimeout !== undefined ? { handshakeTimeoutMs: f.handshakeTimeout } : {}),
    ...(f.heartbeat !== undefined ? { heartbeatMs: f.heartbeat } : {}),
    ...(f.redis !== undefined ? { redisUrl: f.redis } : {}),
    ...(f.heraldAdapter !== undefined ? { heraldAdapter: f.heraldAdapter as BenchOptions['heraldAdapter'] } : {}),
    ...(f.appendDoc !== undefined ? { appendDoc: f.appendDoc === true ? 'docs/BENCHMARKS.md' : String(f.appendDoc) } : {}),
    ...(f.resultsDir !== undefined ? { resultsDir: f.resultsDir } : {}),
    ...(f.profile === true ? { profile: true } : {}),
    ...(f.heapSnapshots === true ? { heapSnapshots: true } : {}),
    ...(f.idleSettle !== undefined ? { idleSettle: f.idleSettle } : {}),
    ...(f.heraldNodeOptions !== undefined ? { heraldNodeOptions: nodeFlags(f.heraldNodeOptions) } : {}),
    ...(f.progress === false ? { progress: false } : {}),
    ...(f.label !== undefined ? { label: f.label } : {}),
  };
  const options: BenchOptions = { ...DEFAULT_BENCH_OPTIONS, ...(f.smoke === true ? SMOKE_OPTIONS : {}), ...given };
  options.scenarios = SCENARIO_NAMES.filter((s) => options.scenarios.includes(s));
  options.servers = SERVER_KINDS.filter((s) => options.servers.includes(s));
  return options;
}

/**
 * Runs the bench with command-line arguments (without `node` and the script); resolves with the
 * exit status: 0 when every scenario produced numbers (or was skipped), 1 when one failed, 2 on
 * bad arguments, 130 after Ctrl-C.
 */
export async function runBench(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return 2;
  }
  const progress = new Progress(options.progress);
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    progress.finish();
    process.stderr.write(`\nbench: ${signal}: stopping every server and load client…\n`);
    void cleanup.run().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  try {
    const run = await runScenarios(options, progress, cleanup, command);
    progress.finish();
    const stamp = run.startedAt.replace(/[:.]/g, '-').slice(0, 19);
    const path = resolve(options.resultsDir, `${stamp}-${run.runId}${options.smoke ? '-smoke' : ''}.json`);
    writeResults(path, run);
    let markdown = renderRun(run);
    if (run.profiles.length > 0) markdown += `\n${renderProfiles(run.profiles)}\n`;
    process.stdout.write(`\n${markdown}\n`);
    process.stdout.write(`results: ${path}\n`);
    if (run.profileDir !== null) process.stdout.write(`CPU profiles: ${run.profileDir}\n`);
    if (options.appendDoc !== undefined) {
      appendToDoc(resolve(options.appendDoc), markdown);
      process.stdout.write(`appended to ${options.appendDoc}\n`);
    }
    return run.results.some((r) => r.status === 'failed') ? 1 : 0;
  } catch (err) {
    progress.finish();
    process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  } finally {
    const failures = await cleanup.run();
    for (const f of failures) process.stderr.write(`bench: cleanup: ${f}\n`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
