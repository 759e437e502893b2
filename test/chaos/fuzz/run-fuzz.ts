/**
 * The fuzz run: for each target, `cases` seeded cases against one Herald host (Redis, MariaDB,
 * http verifier, 2 workers), watching after every case that every Herald process is alive with
 * the same pid, that nothing answered 500 / INTERNAL, and that no process logged an unhandled
 * rejection or an uncaught exception. A crash is reported with the case and the host is started
 * again; after `maxCrashes` crashes a target stops. Any case is generated again alone from the
 * printed seed: `npm run fuzz -- --seed S --target T --case N`.
 */
import { randomInt } from 'node:crypto';
import type { HeraldHost } from '../../support/herald-host';
import { sleep } from '../../support/wait';
import { positiveNumber } from '../options';
import { isAlive as alive } from '../../../server/cli/control-client';
import { processTree } from '../proc';
import { ChaosServices, type HostMode } from '../services';
import { EngineFramesTarget } from './engine-frames';
import { HttpApiTarget } from './http-api';
import { RedisIngressTarget } from './redis-ingress';
import { setMaxDepth } from './inputs';
import { Rng } from './rng';
import { SocketEventsTarget } from './socket-events';
import type { FuzzContext, FuzzTarget, FuzzTargetName } from './target';

export interface FuzzOptions {
  /** The run's seed; printed, and enough to generate any case again. @default random */
  seed: number;
  /** Cases per target. @default 10000 */
  cases: number;
  /** Targets, in order. @default socket, engine, http, redis */
  targets: FuzzTargetName[];
  /** Run only this case of each target (reproduce a finding). @default every case */
  onlyCase?: number;
  /** Crashes after which a target stops (each costs a host restart). @default 3 */
  maxCrashes: number;
  /** Progress lines on stderr. @default true */
  verbose: boolean;
  /**
   * The host's setup: `embedded` (cluster adapter, SQLite: the one-host default, where every
   * push crosses the primary's IPC relay) or `redis` (Redis adapter, MariaDB). @default 'auto':
   * embedded for socket, engine and http, redis for the redis target
   */
  host: 'auto' | HostMode;
  /** Deepest JSON nesting generated (see inputs.ts setMaxDepth). @default no cap (8,000) */
  maxDepth?: number;
}

export const ALL_FUZZ_TARGETS: readonly FuzzTargetName[] = ['socket', 'engine', 'http', 'redis'];

export const DEFAULT_FUZZ_OPTIONS: Omit<FuzzOptions, 'seed'> = {
  cases: 10_000,
  targets: [...ALL_FUZZ_TARGETS],
  maxCrashes: 3,
  verbose: true,
  host: 'auto',
};

/** `logged error`: a host log line with an unhandled rejection, an uncaught exception or a stack overflow. */
export type FindingKind = 'crash' | 'server error' | 'logged error';

export interface Finding {
  kind: FindingKind;
  target: FuzzTargetName;
  /** The case after which it was seen. For a crash or a log line, the inputs of the last cases are kept too. */
  caseIndex: number;
  input: string;
  detail: string;
  /** Inputs of the cases just before (a log line may come a moment after its cause). */
  previous: string[];
}

export interface TargetReport {
  target: FuzzTargetName;
  cases: number;
  crashes: number;
  serverErrors: number;
  /** Host log lines with an unhandled rejection, an uncaught exception or a stack overflow. */
  loggedErrors: number;
  /** Cases the fuzzer itself could not send (a fuzzer bug, or the host was unreachable). */
  unsent: number;
  seconds: number;
  note?: string;
}

export interface FuzzReport {
  seed: number;
  maxDepth?: number;
  targets: TargetReport[];
  findings: Finding[];
  ok: boolean;
}

const PROCESS_ERROR = /unhandled rejection|uncaught exception|Maximum call stack/i;

export function fuzzOptionsFrom(flags: Map<string, string>): FuzzOptions {
  const targets = (flags.get('target') ?? flags.get('targets'))?.split(',').map((t) => t.trim()) ?? [...ALL_FUZZ_TARGETS];
  for (const t of targets) {
    if (!ALL_FUZZ_TARGETS.includes(t as FuzzTargetName)) throw new Error(`--target: unknown "${t}" (one of ${ALL_FUZZ_TARGETS.join(', ')})`);
  }
  const onlyCase = flags.get('case');
  return {
    seed: flags.has('seed') ? Math.floor(positiveNumber(flags, 'seed', 1)) : randomInt(1, 2 ** 31),
    cases: Math.floor(positiveNumber(flags, 'cases', DEFAULT_FUZZ_OPTIONS.cases)),
    targets: targets as FuzzTargetName[],
    onlyCase: onlyCase === undefined ? undefined : Number(onlyCase),
    maxCrashes: Math.floor(positiveNumber(flags, 'max-crashes', DEFAULT_FUZZ_OPTIONS.maxCrashes)),
    verbose: flags.get('quiet') !== 'true',
    host: hostFlag(flags.get('host')),
    maxDepth: flags.has('max-depth') ? Math.floor(positiveNumber(flags, 'max-depth', 8000)) : undefined,
  };
}

function hostFlag(raw: string | undefined): FuzzOptions['host'] {
  if (raw === undefined) return 'auto';
  if (raw === 'auto' || raw === 'embedded' || raw === 'redis') return raw;
  throw new Error(`--host: expected auto, embedded or redis, got "${raw}"`);
}

function makeTarget(name: FuzzTargetName): FuzzTarget {
  switch (name) {
    case 'socket':
      return new SocketEventsTarget();
    case 'engine':
      return new EngineFramesTarget();
    case 'http':
      return new HttpApiTarget();
    case 'redis':
      return new RedisIngressTarget();
  }
}

/** A host under watch: its processes' pids, and how much of its output was read. */
class WatchedHost {
  pids: number[];
  private read = 0;

  constructor(readonly host: HeraldHost) {
    this.pids = processTree(host.pid);
  }

  /** Pids that are gone (a crashed process; a respawned worker has a new pid). */
  dead(): number[] {
    return this.pids.filter((pid) => !alive(pid));
  }

  /** New output lines that report an unhandled rejection or an uncaught exception. */
  newErrors(): string[] {
    const output = this.host.output();
    const fresh = output.slice(this.read);
    const end = fresh.lastIndexOf('\n');
    if (end < 0) return [];
    this.read += end + 1;
    return fresh
      .slice(0, end)
      .split('\n')
      .filter((line) => PROCESS_ERROR.test(line))
      .map((line) => line.slice(0, 600));
  }
}

export async function runFuzz(options: FuzzOptions, services?: ChaosServices): Promise<FuzzReport> {
  const own = services === undefined;
  const svc = services ?? (await ChaosServices.start());
  const log = (line: string): void => {
    if (options.verbose) process.stderr.write(`[fuzz] ${line}\n`);
  };
  log(`seed ${options.seed}`);
  setMaxDepth(options.maxDepth ?? Number.POSITIVE_INFINITY);
  const report: FuzzReport = { seed: options.seed, maxDepth: options.maxDepth, targets: [], findings: [], ok: true };
  const uids = Array.from({ length: 8 }, (_, i) => `fuzz-${options.seed}-u${i}`);
  const tokens = uids.slice(0, 4).map((uid) => {
    const token = `token-${uid}`;
    svc.mainSite.allow(token, uid);
    return token;
  });
  let hostNo = 0;
  const modeFor = (name: FuzzTargetName): HostMode => (options.host !== 'auto' ? options.host : name === 'redis' ? 'redis' : 'embedded');
  let mode: HostMode = modeFor(options.targets[0] ?? 'socket');
  const startHost = async (): Promise<{ watched: WatchedHost; ctx: FuzzContext }> => {
    const prefix = `fuzz-${options.seed}-${hostNo++}`;
    const host = await svc.startHost(prefix, { HERALD_ADMIN_ENABLED: 'true', HERALD_ADMIN_PASSWORD: 'fuzz-admin-password-0123456789' }, mode);
    // The task and cron processes are forked right after the workers: wait for the tree to settle.
    await sleep(1_500);
    return { watched: new WatchedHost(host), ctx: { url: host.url, uids, tokens, redisUrl: svc.redis.url, prefix: `${prefix}:` } };
  };
  try {
    let { watched, ctx } = await startHost();
    log(`${mode} host up: ${ctx.url}, processes ${watched.pids.join(' ')}`);
    for (const name of options.targets) {
      if (modeFor(name) !== mode) {
        mode = modeFor(name);
        await svc.stopHosts();
        ({ watched, ctx } = await startHost());
        log(`${mode} host up: ${ctx.url}, processes ${watched.pids.join(' ')}`);
      }
      const target = makeTarget(name);
      const began = Date.now();
      const row: TargetReport = { target: name, cases: 0, crashes: 0, serverErrors: 0, loggedErrors: 0, unsent: 0, seconds: 0 };
      const recent: string[] = [];
      await target.open(ctx);
      const first = options.onlyCase ?? 0;
      const last = options.onlyCase ?? options.cases - 1;
      for (let i = first; i <= last; i++) {
        const rng = Rng.forCase(options.seed, name, i);
        let input: string;
        let serverError: string | undefined;
        try {
          ({ input, serverError } = await target.run(rng, ctx));
        } catch (err) {
          input = `(case ${i} could not be sent: ${(err as Error).message})`;
          row.unsent++;
        }
        row.cases++;
        if (serverError !== undefined) {
          row.serverErrors++;
          report.findings.push({ kind: 'server error', target: name, caseIndex: i, input, detail: serverError, previous: [] });
        }
        for (const line of watched.newErrors()) {
          row.loggedErrors++;
          report.findings.push({ kind: 'logged error', target: name, caseIndex: i, input, detail: line, previous: [...recent] });
        }
        const dead = watched.dead();
        if (dead.length > 0 || watched.host.child.exitCode !== null) {
          await sleep(300); // let the dying process's last lines arrive
          const lines = watched.newErrors();
          row.crashes++;
          report.findings.push({
            kind: 'crash',
            target: name,
            caseIndex: i,
            input,
            detail: `process(es) ${dead.join(', ')} gone${watched.host.child.exitCode !== null ? ' (the primary too)' : ''}${lines.length > 0 ? `: ${lines.join(' | ')}` : ''}`,
            previous: [...recent],
          });
          log(`${name} case ${i}: crash (${dead.join(', ')}); starting a new host`);
          await target.close();
          await svc.stopHosts();
          ({ watched, ctx } = await startHost());
          if (row.crashes >= options.maxCrashes) {
            row.note = `stopped after ${row.crashes} crashes`;
            break;
          }
          await target.open(ctx);
        }
        recent.push(input);
        if (recent.length > 3) recent.shift();
        if (options.verbose && (i + 1) % 1000 === 0) log(`${name}: ${i + 1} cases`);
      }
      if (target instanceof RedisIngressTarget) {
        await sleep(3_000); // the ingress reads the stream with a short block; let it finish
        for (const line of watched.newErrors()) {
          row.loggedErrors++;
          report.findings.push({ kind: 'logged error', target: name, caseIndex: last, input: '(after the last case)', detail: line, previous: [...recent] });
        }
        const state = await target.streamState(ctx);
        row.note = `${row.note ?? ''}${row.note ? '; ' : ''}stream: ${state.dead} dead-lettered, ${state.pending} pending 3 s after the last case`;
      }
      if (target instanceof SocketEventsTarget) row.note = `${target.unanswered} calls with a callback not answered in 2 s`;
      const summary = (target as FuzzTarget).summary?.();
      if (summary !== undefined) row.note = `${row.note ?? ''}${row.note ? '; ' : ''}${summary}`;
      await target.close();
      row.seconds = (Date.now() - began) / 1000;
      report.targets.push(row);
      log(`${name}: ${row.cases} cases, ${row.crashes} crashes, ${row.serverErrors} server errors, ${row.loggedErrors} logged errors in ${row.seconds.toFixed(0)} s`);
    }
  } finally {
    if (own) await svc.close();
    else await svc.stopHosts();
  }
  report.ok = report.findings.length === 0;
  return report;
}

export function formatFuzz(report: FuzzReport): string[] {
  const lines = [`fuzz seed ${report.seed}${report.maxDepth !== undefined ? `, max depth ${report.maxDepth}` : ''}`];
  for (const t of report.targets) {
    lines.push(
      `fuzz ${t.target.padEnd(6)} ${t.crashes + t.serverErrors + t.loggedErrors === 0 ? 'ok  ' : 'FAIL'} cases=${t.cases} crashes=${t.crashes} serverErrors=${t.serverErrors} loggedErrors=${t.loggedErrors} unsent=${t.unsent} (${t.seconds.toFixed(0)}s${t.note ? `; ${t.note}` : ''})`,
    );
  }
  // One line per finding kind and detail, with the first case that showed it.
  const seen = new Map<string, { finding: Finding; count: number }>();
  for (const f of report.findings) {
    const key = `${f.target}|${f.kind}|${f.detail.replace(/\d+/g, '#').slice(0, 120)}`;
    const entry = seen.get(key);
    if (entry === undefined) seen.set(key, { finding: f, count: 1 });
    else entry.count++;
  }
  for (const { finding: f, count } of seen.values()) {
    lines.push(`  ${f.kind} ×${count} (${f.target}), first at case ${f.caseIndex} [reproduce: npm run fuzz -- --seed ${report.seed}${report.maxDepth !== undefined ? ` --max-depth ${report.maxDepth}` : ''} --target ${f.target} --case ${f.caseIndex}]`);
    lines.push(`    input: ${f.input}`);
    lines.push(`    detail: ${f.detail.slice(0, 400)}`);
    for (const p of f.previous) lines.push(`    before it: ${p.slice(0, 300)}`);
  }
  return lines;
}
