/**
 * What the control socket's commands do (the CLI's `server`, `process`, `task`, `crontab`), in
 * terms of the primary's parts. The rows returned here are what the CLI prints.
 */
import { HeraldError } from '../../shared/errors';
import type { HeraldConfig } from '../../shared/config';
import { TASK_REPLY_TIMEOUT_MS } from '../cluster/ipc';
import { CHILD_ROLES, parseGroup, processName, type ProcessGroup } from '../../shared/process-roles';
import type { Rates, TaskCounters, WorkerCounters } from '../cluster/stats';
import type { ChildRpc } from './child-rpc';
import type { HostMonitor } from './host-monitor';
import type { Child, Supervisor } from './supervisor';

/** One row of `process show`. */
export interface ProcessRow {
  pid: number;
  name: string;
  group: ProcessGroup;
  state: 'starting' | 'ready' | 'stopping' | 'running';
  /** Resident memory, bytes. */
  memory: number;
  /** Highest resident memory seen, bytes. */
  peakMemory: number;
  /** ms since epoch. */
  startedAt: number;
  /** Socket.IO connections (workers). */
  connections: number;
  /** When the process last reported, ms since epoch. */
  lastHeartbeat: number;
}

/** One row of `crontab show` (the cron process builds it, workers/cron/cron-process.ts). */
export interface CronRow {
  name: string;
  rule: string;
  runs: number;
  /** ms since epoch, or null. */
  nextRun: number | null;
  lastRun: number | null;
  /** `ok: …`, `failed: …`, `skipped: …`, or null before the first run. */
  lastResult: string | null;
  running: boolean;
  stopped: boolean;
}

/** One row of `task status`. */
export interface TaskRow extends TaskCounters {
  index: number;
  pid: number;
  startedAt: number;
}

export interface StatusReport {
  pid: number;
  hostId: string;
  env: string;
  port: number;
  tls: boolean;
  adapter: 'cluster' | 'redis';
  store: 'mysql' | 'sqlite';
  startedAt: number;
  workers: { ready: number; expected: number };
  taskProcesses: number;
  cron: boolean;
  connections: number;
  users: number;
  totals: WorkerCounters;
  rates: Rates;
}

export interface ReloadReport {
  seconds: number;
  replaced: { name: string; oldPid?: number; newPid: number }[];
  added: string[];
  removed: string[];
  /** Settings that changed but need a restart of the primary to apply. */
}

/** What the commands need from the primary. */
export interface CommandContext {
  readonly config: HeraldConfig;
  readonly port: number;
  readonly startedAt: number;
  readonly monitor: HostMonitor;
  readonly supervisor: Supervisor;
  readonly rpc: ChildRpc;
  reload(): Promise<ReloadReport>;
  /** Starts a graceful stop; resolves once it has started. */
  beginStop(): void;
}

/** Milliseconds the cron process has to answer a crontab command. */
const CRON_COMMAND_TIMEOUT_MS = 10_000;

export async function runCommand(ctx: CommandContext, command: string, args: Record<string, unknown>): Promise<unknown> {
  switch (command) {
    case 'status':
      return status(ctx);
    case 'process.show':
      return processRows(ctx);
    case 'process.kill':
      return killProcesses(ctx, args);
    case 'task.status':
      return taskRows(ctx);
    case 'reload':
      return ctx.reload();
    case 'stop':
      ctx.beginStop();
      return { pid: process.pid, timeoutSeconds: ctx.config.shutdownTimeout };
    case 'crontab.show':
    case 'crontab.stop':
    case 'crontab.resume':
    case 'crontab.run': {
      const cron = ctx.supervisor.current('cron')[0];
      if (cron === undefined) throw new HeraldError('UNAVAILABLE', ctx.config.cron.enabled ? 'the cron process is not running right now' : 'cron is disabled (cron.enabled: false)');
      // `crontab run` waits for the job, which may hand a task process a long fan-out.
      return ctx.rpc.command(cron, command, args, command === 'crontab.run' ? TASK_REPLY_TIMEOUT_MS : CRON_COMMAND_TIMEOUT_MS);
    }
    default:
      throw new HeraldError('BAD_REQUEST', `unknown command ${JSON.stringify(command)}`);
  }
}

function status(ctx: CommandContext): StatusReport {
  const { config, monitor, supervisor } = ctx;
  const host = monitor.snapshot(Date.now());
  return {
    pid: process.pid,
    hostId: config.hostId,
    env: config.env,
    port: ctx.port,
    tls: config.tls.enabled,
    adapter: config.redis.adapter,
    store: config.db.store,
    startedAt: ctx.startedAt,
    workers: { ready: monitor.readyWorkers, expected: supervisor.slotCount('worker') },
    taskProcesses: supervisor.current('task').length,
    cron: supervisor.current('cron').length > 0,
    connections: host.connections,
    users: host.users,
    totals: host.totals,
    rates: host.rates,
  };
}

function primaryRow(ctx: CommandContext): ProcessRow {
  const memory = process.memoryUsage().rss;
  return {
    pid: process.pid,
    name: processName('primary', 0),
    group: 'primary',
    state: 'running',
    memory,
    peakMemory: Math.max(memory, process.resourceUsage().maxRSS * 1024),
    startedAt: ctx.startedAt,
    connections: 0,
    lastHeartbeat: Date.now(),
  };
}

function processRows(ctx: CommandContext): ProcessRow[] {
  const rows = [primaryRow(ctx)];
  const live = new Set(ctx.supervisor.children().map((c) => c.pid));
  for (const snapshot of ctx.monitor.children()) {
    if (!live.has(snapshot.pid)) continue;
    rows.push({
      pid: snapshot.pid,
      name: processName(snapshot.role, snapshot.index),
      group: snapshot.role,
      state: snapshot.state,
      memory: snapshot.memory.rss,
      peakMemory: snapshot.peakRss,
      startedAt: snapshot.startedAt,
      connections: snapshot.connections,
      lastHeartbeat: snapshot.at,
    });
  }
  return rows;
}

function killProcesses(ctx: CommandContext, args: Record<string, unknown>): ProcessRow[] {
  const force = args.force === true;
  let targets: Child[];
  if (args.all === true) {
    targets = ctx.supervisor.children();
  } else if (typeof args.pid === 'number') {
    if (args.pid === process.pid) throw new HeraldError('BAD_REQUEST', `${args.pid} is the primary: use herald server stop`);
    const child = ctx.supervisor.findByPid(args.pid);
    if (child === undefined) throw new HeraldError('NOT_FOUND', `no Herald process with pid ${args.pid}`);
    targets = [child];
  } else if (typeof args.group === 'string') {
    const group = parseGroup(args.group);
    if (group === undefined) throw new HeraldError('BAD_REQUEST', `unknown group ${JSON.stringify(args.group)} (${CHILD_ROLES.join(', ')})`);
    if (group === 'primary') throw new HeraldError('BAD_REQUEST', 'the primary is stopped with herald server stop');
    targets = ctx.supervisor.children(group);
    if (targets.length === 0) throw new HeraldError('NOT_FOUND', `no process in group ${group}`);
  } else {
    throw new HeraldError('BAD_REQUEST', 'give --pid, --group or use killAll');
  }
  const hit = processRows(ctx).filter((row) => targets.some((t) => t.pid === row.pid));
  for (const target of targets) ctx.supervisor.kill(target, force);
  return hit;
}

function taskRows(ctx: CommandContext): TaskRow[] {
  const live = new Set(ctx.supervisor.children('task').map((c) => c.pid));
  return ctx.monitor
    .children('task')
    .filter((t) => live.has(t.pid))
    .map((t) => ({
      index: t.index,
      pid: t.pid,
      startedAt: t.startedAt,
      ...(t.tasks ?? { running: 0, done: 0, failed: 0, queued: 0, averageMs: 0 }),
    }));
}
