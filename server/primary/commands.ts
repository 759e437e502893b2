/**
 * What the CLI's commands (`server`, `process`, `task`, `crontab`) do, in terms of the primary's
 * parts: one handler per command of the control contract (shared/control/contract.ts). The
 * control socket serves all of them; the admin API (through a worker) only the allowlisted ones.
 * The rows returned here are what the CLI prints and the dashboard shows.
 */
import type { HeraldConfig } from '../../shared/config';
import type { CliCommand, ParsedArgsOf, ProcessRow, ReloadReport, StatusReport, TaskRow } from '../../shared/control/contract';
import type { Handlers } from '../../shared/control/rpc';
import { HeraldError } from '../../shared/errors';
import { TASK_REPLY_TIMEOUT_MS } from '../cluster/ipc';
import { CHILD_ROLES, parseGroup, processName } from '../../shared/process-roles';
import type { ChildRpc } from './child-rpc';
import type { HostMonitor } from './host-monitor';
import type { Child, Supervisor } from './supervisor';

export type { CronRow, ProcessRow, ReloadReport, StatusReport, StopAnswer, TaskRow } from '../../shared/control/contract';

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

/** The handler of every CLI command. */
export function commandHandlers(ctx: CommandContext): Handlers<CliCommand> {
  return {
    status: () => status(ctx),
    'process.show': () => processRows(ctx),
    'process.kill': (args) => killProcesses(ctx, args),
    'task.status': () => taskRows(ctx),
    'task.webhooks': () => ctx.rpc.runTask('task.webhooks', {}, CRON_COMMAND_TIMEOUT_MS),
    reload: () => ctx.reload(),
    stop: () => {
      ctx.beginStop();
      return { pid: process.pid, timeoutSeconds: ctx.config.shutdownTimeout };
    },
    'crontab.show': (args) => ctx.rpc.call(cronProcess(ctx), 'crontab.show', args, CRON_COMMAND_TIMEOUT_MS),
    'crontab.stop': (args) => ctx.rpc.call(cronProcess(ctx), 'crontab.stop', args, CRON_COMMAND_TIMEOUT_MS),
    'crontab.resume': (args) => ctx.rpc.call(cronProcess(ctx), 'crontab.resume', args, CRON_COMMAND_TIMEOUT_MS),
    // `crontab run` waits for the job, which may hand a task process a long fan-out.
    'crontab.run': (args) => ctx.rpc.call(cronProcess(ctx), 'crontab.run', args, TASK_REPLY_TIMEOUT_MS),
  };
}

function cronProcess(ctx: CommandContext): Child {
  const cron = ctx.supervisor.current('cron')[0];
  if (cron === undefined) throw new HeraldError('UNAVAILABLE', ctx.config.cron.enabled ? 'the cron process is not running right now' : 'cron is disabled (cron.enabled: false)');
  return cron;
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
    nodeOptions: [...process.execArgv],
  };
}

function processRows(ctx: CommandContext): ProcessRow[] {
  const rows = [primaryRow(ctx)];
  const live = new Map(ctx.supervisor.children().map((c) => [c.pid, c]));
  for (const snapshot of ctx.monitor.children()) {
    const child = live.get(snapshot.pid);
    if (child === undefined) continue;
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
      nodeOptions: [...child.execArgv],
    });
  }
  return rows;
}

function killProcesses(ctx: CommandContext, args: ParsedArgsOf<'process.kill'>): ProcessRow[] {
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
