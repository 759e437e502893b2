/**
 * The control contract: every command that crosses a process boundary, in ONE map — name → args
 * (a zod schema, checked where the command is answered) → result type. The CLI (control socket),
 * the admin API and dashboard, the primary, and the task and cron processes (Node IPC) all speak
 * it through one RPC class (rpc.ts). Adding a command is one entry here plus its handler.
 *
 * `answeredBy` says which process runs it; `callers` who may call it: `cli` over the control
 * socket, `admin` through a worker's admin API (the dashboard), `child` a child asking its
 * primary, `primary` the primary asking a child. `stop`, `reload` and `process.kill` are never
 * `admin`: they stay with operators on the host.
 *
 * Exported names are stable (the console imports them, type-only): add, do not rename.
 */
import { z } from 'zod';
import { HeraldError } from '../errors';
import { describeZodError, type PushRequest } from '../protocol';
import type { ProcessGroup } from '../process-roles';
import type { ClusterStats, PresenceEntry, Rates, TaskCounters, WorkerCounters } from './reports';

/** Which process answers a command. */
export type Answerer = 'primary' | 'task' | 'cron';
/** Who may call a command. */
export type Caller = 'cli' | 'admin' | 'child' | 'primary';

export interface CommandSpec {
  /** Checked by the answering side before the handler runs; a mismatch is BAD_REQUEST. */
  readonly args: z.ZodTypeAny;
  readonly answeredBy: Answerer;
  readonly callers: readonly Caller[];
  /** For an `admin` command without args: the key of its section in GET /api/v1/admin/overview. */
  readonly overview?: string;
}

// ---- Result rows (what the CLI prints and the dashboard shows) ----

export type { ProcessGroup } from '../process-roles';

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
  /** The Node options on its command line (NODE_OPTIONS, which every process inherits, comes on top). */
  nodeOptions: string[];
}

/** One row of `task status`. */
export interface TaskRow extends TaskCounters {
  index: number;
  pid: number;
  startedAt: number;
}

/** A dead webhook event, as `task webhooks` and the dashboard list it. */
export interface WebhookDeadRow {
  id: string;
  type: string;
  uid: string;
  /** When the event happened, ms since the epoch. */
  createdAt: number;
  attempts: number;
  lastError: string | null;
}

/** `task webhooks`: the webhook outbox of the cluster's database (docs/WEBHOOKS.md). */
export interface WebhookOverview {
  /** webhooks.urls is set. */
  enabled: boolean;
  /** Receiver URLs configured. */
  receivers: number;
  /** Pending events (every receiver). */
  queued: number;
  /** Dead letters. */
  dead: number;
  /** When the oldest pending event happened, ms since the epoch; null: none. */
  oldestPendingAt: number | null;
  /** The newest dead letters (at most 20). */
  deadLetters: WebhookDeadRow[];
}

/** `server status`. */
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

/** `server reload`: what was replaced, added and removed, and how long it took. */
export interface ReloadReport {
  seconds: number;
  replaced: { name: string; oldPid?: number; newPid: number }[];
  added: string[];
  removed: string[];
}

/** `server stop`: the primary's pid and how long its graceful stop may take. */
export interface StopAnswer {
  pid: number;
  timeoutSeconds: number;
}

/** One row of `crontab show`. */
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

/** Every crontab command's answer: the jobs, and for stop/resume/run a one-line message. */
export interface CronAnswer {
  message?: string;
  rows: CronRow[];
}

/** What a push accepted by a task process answers (push-service.ts's PushResult). */
export interface TaskPushResult {
  id: string;
  /** Whether the push was committed to the durable store before this answer. */
  stored: boolean;
  /** Connections of the targeted users online when the push was accepted; null for topic and all pushes. */
  online: number | null;
}

/** What the store clean-up deleted. */
export interface CleanupResult {
  messages: number;
  cursors: number;
}

export interface HostReadiness {
  /** Workers that finished starting. */
  readyWorkers: number;
  expectedWorkers: number;
  /** Redis as the primary sees it (host registry); undefined without Redis. */
  redis?: 'ready' | 'down';
}

/** One point of a host's recent history (the dashboard's chart), sampled by the primary every 5 s. */
export interface StatsSample {
  /** ms since epoch. */
  at: number;
  connections: number;
  /** Distinct logged-in uids on the host. */
  users: number;
  /** Per second, over the last ~5 s. */
  rates: Rates;
}

export type PushOriginName = 'api' | 'publish' | 'stream' | 'cron';

// ---- Argument schemas ----

const NoArgs = z.object({}).strict();
/** Cheap shape check for values the sending process built and typed itself (hot paths). */
const objectOf = <T>() => z.custom<T>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'must be an object');

const KillArgs = z
  .object({
    pid: z.number().int().positive().optional(),
    group: z.string().optional(),
    all: z.boolean().optional(),
    force: z.boolean().optional(),
  })
  .strict();
/** The job name; its absence is answered by the cron process ("give --name=<job>"). */
const CronJobArgs = z.object({ name: z.string().optional() }).strict();

function spec<A extends z.ZodTypeAny, const B extends Answerer, const C extends readonly Caller[]>(args: A, answeredBy: B, callers: C): { args: A; answeredBy: B; callers: C };
function spec<A extends z.ZodTypeAny, const B extends Answerer, const C extends readonly Caller[], const O extends string>(args: A, answeredBy: B, callers: C, overview: O): { args: A; answeredBy: B; callers: C; overview: O };
function spec(args: z.ZodTypeAny, answeredBy: Answerer, callers: readonly Caller[], overview?: string): CommandSpec {
  return { args, answeredBy, callers, ...(overview !== undefined ? { overview } : {}) };
}

/** The one command map. */
export const CONTROL_COMMANDS = {
  // Operators (CLI), some also the dashboard.
  status: spec(NoArgs, 'primary', ['cli']),
  'process.show': spec(NoArgs, 'primary', ['cli', 'admin'], 'processes'),
  'process.kill': spec(KillArgs, 'primary', ['cli']),
  'task.status': spec(NoArgs, 'primary', ['cli', 'admin'], 'tasks'),
  // Answered by a task process (they send the webhooks and have the store).
  'task.webhooks': spec(NoArgs, 'task', ['cli', 'admin', 'primary'], 'webhooks'),
  reload: spec(NoArgs, 'primary', ['cli']),
  stop: spec(NoArgs, 'primary', ['cli']),
  // The primary passes these on to the cron process.
  'crontab.show': spec(NoArgs, 'cron', ['cli', 'admin', 'primary'], 'cron'),
  'crontab.stop': spec(CronJobArgs, 'cron', ['cli', 'admin', 'primary']),
  'crontab.resume': spec(CronJobArgs, 'cron', ['cli', 'admin', 'primary']),
  'crontab.run': spec(CronJobArgs, 'cron', ['cli', 'admin', 'primary']),
  // A child asks its primary.
  'presence.add': spec(objectOf<PresenceEntry>(), 'primary', ['child']),
  'presence.list': spec(z.object({ uid: z.string() }), 'primary', ['child']),
  'presence.count': spec(z.object({ uids: z.array(z.string()), platform: z.string().optional() }), 'primary', ['child']),
  'cluster.stats': spec(NoArgs, 'primary', ['child']),
  'stats.history': spec(NoArgs, 'primary', ['child']),
  'host.metrics': spec(NoArgs, 'primary', ['child']),
  'host.readiness': spec(NoArgs, 'primary', ['child']),
  'cluster.endpoint': spec(NoArgs, 'primary', ['child']),
  'admin.revoke': spec(z.object({ sid: z.string(), expiresAt: z.number() }), 'primary', ['child']),
  'admin.revoked': spec(z.object({ sid: z.string() }), 'primary', ['child']),
  'admin.login': spec(z.object({ ip: z.string() }), 'primary', ['child']),
  // Background jobs: a worker or cron asks the primary, which hands them to a task process.
  'task.push': spec(
    z.object({ request: objectOf<PushRequest>(), origin: z.enum(['api', 'publish', 'stream', 'cron']) }),
    'task',
    ['child', 'primary'],
  ),
  'task.cleanup': spec(NoArgs, 'task', ['child', 'primary']),
} as const satisfies Record<string, CommandSpec>;

/** Every command's result type. */
export interface ControlResults {
  status: StatusReport;
  'process.show': ProcessRow[];
  'process.kill': ProcessRow[];
  'task.status': TaskRow[];
  'task.webhooks': WebhookOverview;
  reload: ReloadReport;
  stop: StopAnswer;
  'crontab.show': CronAnswer;
  'crontab.stop': CronAnswer;
  'crontab.resume': CronAnswer;
  'crontab.run': CronAnswer;
  /** All of the user's entries, this one included, oldest first. */
  'presence.add': PresenceEntry[];
  'presence.list': PresenceEntry[];
  'presence.count': number;
  'cluster.stats': ClusterStats;
  /** This host's samples over the last 30 minutes, oldest first. */
  'stats.history': StatsSample[];
  /** Prometheus text aggregated over this host's children. */
  'host.metrics': string;
  'host.readiness': HostReadiness;
  /** The least-loaded healthy host's URL, when several hosts share Redis. */
  'cluster.endpoint': { url?: string };
  'admin.revoke': null;
  'admin.revoked': boolean;
  'admin.login': { ok: boolean; retryAfter: number };
  /** null: no task process could take the fan-out; the asking worker does it itself. */
  'task.push': TaskPushResult | null;
  'task.cleanup': CleanupResult;
}

export type ControlCommand = keyof typeof CONTROL_COMMANDS;
/** What a caller passes. */
export type ArgsOf<K extends ControlCommand> = z.input<(typeof CONTROL_COMMANDS)[K]['args']>;
/** What a handler receives (after validation). */
export type ParsedArgsOf<K extends ControlCommand> = z.output<(typeof CONTROL_COMMANDS)[K]['args']>;
export type ResultOf<K extends ControlCommand> = ControlResults[K];

/** Commands a caller kind may use. */
export type CommandsFor<C extends Caller> = {
  [K in ControlCommand]: C extends (typeof CONTROL_COMMANDS)[K]['callers'][number] ? K : never;
}[ControlCommand];

/** The CLI's commands (the control socket answers exactly these). */
export type CliCommand = CommandsFor<'cli'>;
/** The commands the admin API and dashboard may run; never stop, reload or process.kill. */
export type AdminCommand = CommandsFor<'admin'>;
/** What a child may ask its primary (besides the admin commands it runs for the dashboard). */
export type ChildRequest = CommandsFor<'child'>;

export function isControlCommand(name: string): name is ControlCommand {
  return Object.prototype.hasOwnProperty.call(CONTROL_COMMANDS, name);
}

export function commandsFor<C extends Caller>(caller: C): CommandsFor<C>[] {
  return (Object.keys(CONTROL_COMMANDS) as ControlCommand[]).filter((name) =>
    (CONTROL_COMMANDS[name].callers as readonly Caller[]).includes(caller),
  ) as CommandsFor<C>[];
}

/** The dashboard's allowlist, checked where it runs (the primary) and where it is asked (a worker). */
export const ADMIN_COMMANDS: readonly AdminCommand[] = commandsFor('admin');

/** The dashboard's overview sections: section key → the admin command that fills it. */
export const OVERVIEW_SECTIONS: readonly { key: string; command: AdminCommand }[] = ADMIN_COMMANDS.flatMap((command) => {
  const key = (CONTROL_COMMANDS[command] as CommandSpec).overview;
  return key !== undefined ? [{ key, command }] : [];
});

/** The overview's section keys, each with the admin command that fills it (as types). */
export type OverviewCommands = {
  [K in AdminCommand as (typeof CONTROL_COMMANDS)[K] extends { overview: infer O extends string } ? O : never]: K;
};

export function isAdminCommand(name: string): name is AdminCommand {
  return (ADMIN_COMMANDS as readonly string[]).includes(name);
}

/**
 * Checks a call's args against its command's schema, where the command is answered: an unknown
 * command or bad args is BAD_REQUEST, never a crash in the handler.
 */
export function parseArgs<K extends ControlCommand>(command: K, args: unknown): ParsedArgsOf<K> {
  const parsed = CONTROL_COMMANDS[command].args.safeParse(args ?? {});
  if (!parsed.success) throw new HeraldError('BAD_REQUEST', `${command}: ${describeZodError(parsed.error)}`);
  return parsed.data as ParsedArgsOf<K>;
}
