/**
 * The process roles of a host, in one table: every child the primary forks (the Socket.IO
 * workers, the task processes, the cron process) is one row saying how many there are, which file
 * the process runs, what it reports to the primary and how a reload replaces it. The primary
 * (supervisor, reload, `process show|kill`) and the children (their names and node ids) read
 * roles from here only.
 *
 * The entry is a path the primary forks, not an import: the primary lives in server/ and the
 * processes in workers/, and imports flow one way (workers → server → shared; docs/ARCHITECTURE.md).
 * The table is in shared/ so the control contract and the CLI can name process groups too.
 */
import { join } from 'node:path';
import type { HeraldConfig } from './config';

export type ChildRole = 'worker' | 'task' | 'cron';
export type ProcessGroup = 'primary' | ChildRole;

/**
 * How a reload replaces a role's processes. `rolling`: one slot at a time, the slot's new process
 * is forked and must report ready before the old one is told to drain, so the role never stops
 * serving (supervisor.ts `replace`).
 */
export type ReloadStrategy = 'rolling';

export interface RoleSpec {
  /** The process name of slot `index`, as `process show` lists it (EasySwoole's names). */
  name(index: number): string;
  /** What an operator may type for the group (`process kill --group`), lower case. */
  aliases: readonly string[];
  /** The slot part of a node id (`<hostId>/<slot>/<pid>`), as presence and stats name the process. */
  slot(index: number): string;
  /** How many processes of the role the configuration asks for. */
  count(config: HeraldConfig): number;
  /** The file the process runs, relative to the root of the compiled tree (dist/). */
  entry: string;
  /** Node/V8 flags the role's processes get beyond the primary's own (`childExecArgv`). */
  flags(config: HeraldConfig): readonly string[];
  /** What its every-second report (`herald:report`) carries beyond identity and memory. */
  reports: string;
  reload: ReloadStrategy;
}

/** The child roles, in the order they are started, reloaded and listed. */
export const ROLES: Readonly<Record<ChildRole, RoleSpec>> = {
  worker: {
    name: (index) => `herald.Worker.${index}`,
    aliases: ['worker', 'workers', 'herald.worker'],
    slot: (index) => String(index),
    count: (config) => config.workers,
    entry: 'workers/socket/entry.js',
    // Thousands of mostly idle connections per process: memory, not allocation speed, is what
    // they spend (docs/OPERATIONS.md "Memory per connection").
    flags: (config) => (config.workerSemiSpaceMb > 0 ? [`--max-semi-space-size=${config.workerSemiSpaceMb}`] : []),
    reports: 'connections, logged-in sockets, push/delivery/login counters; its presence changes',
    reload: 'rolling',
  },
  task: {
    name: (index) => `herald.TaskWorker.${index}`,
    aliases: ['task', 'tasks', 'taskworker', 'herald.taskworker'],
    slot: (index) => `task-${index}`,
    count: (config) => config.tasks.processes,
    entry: 'workers/task/entry.js',
    flags: () => [],
    reports: 'push/delivery counters and its job queue (running, done, failed, queued, average ms)',
    reload: 'rolling',
  },
  cron: {
    name: () => 'herald.Crontab',
    aliases: ['cron', 'crontab', 'herald.crontab'],
    slot: () => 'cron',
    count: (config) => (config.cron.enabled ? 1 : 0),
    entry: 'workers/cron/entry.js',
    flags: () => [],
    reports: 'identity and memory only (its jobs are read with `crontab show`)',
    reload: 'rolling',
  },
};

export const CHILD_ROLES = Object.keys(ROLES) as readonly ChildRole[];

const PRIMARY_NAME = 'herald.Primary';
const PRIMARY_ALIASES: readonly string[] = ['primary', 'herald.primary', 'master'];

/** The root of the compiled tree: this file is `<root>/shared/process-roles.js`. */
const TREE_ROOT = join(__dirname, '..');

/** The absolute path of the file a role's process runs. */
export function entryPath(role: ChildRole): string {
  return join(TREE_ROOT, ROLES[role].entry);
}

/** `--max-semi-space-size=4` → `max_semi_space_size`: V8 takes dashes and underscores alike. */
function flagName(arg: string): string {
  return (arg.replace(/^--/, '').split('=')[0] as string).replace(/-/g, '_');
}

/**
 * The Node options a role's process is forked with: the primary's own (cluster's default), then
 * the role's flags, except a flag the operator already gives in the primary's command line or in
 * NODE_OPTIONS (which every child inherits): the operator's value wins.
 */
export function childExecArgv(role: ChildRole, config: HeraldConfig, inherited: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = new Set([...inherited, ...nodeOptions.split(/\s+/)].filter((arg) => arg.startsWith('--')).map(flagName));
  return [...inherited, ...ROLES[role].flags(config).filter((flag) => !given.has(flagName(flag)))];
}

/** `herald.Worker.0`, `herald.TaskWorker.1`, `herald.Crontab`, `herald.Primary`: EasySwoole's names. */
export function processName(group: ProcessGroup, index: number): string {
  return group === 'primary' ? PRIMARY_NAME : ROLES[group].name(index);
}

/** A group as operators may type it: `worker`, `task`, `cron`, or EasySwoole's `herald.Worker` etc. */
export function parseGroup(text: string): ProcessGroup | undefined {
  const t = text.toLowerCase();
  if (PRIMARY_ALIASES.includes(t)) return 'primary';
  return CHILD_ROLES.find((role) => ROLES[role].aliases.includes(t));
}

/** A child's id in presence and stats: `<hostId>/<index>/<pid>` for workers, `<hostId>/task-<i>/<pid>`, `<hostId>/cron/<pid>`. */
export function nodeIdOf(hostId: string, role: ChildRole, index: number, pid: number): string {
  return `${hostId}/${ROLES[role].slot(index)}/${pid}`;
}
