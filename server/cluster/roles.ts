/**
 * Every process of a host has a role (its group) and a name, as the seed's `process show` listed
 * them: the primary, the Socket.IO workers, the task processes and the cron process.
 */
export type ChildRole = 'worker' | 'task' | 'cron';
export type ProcessGroup = 'primary' | ChildRole;

export const CHILD_ROLES: readonly ChildRole[] = ['worker', 'task', 'cron'];

/** `herald.Worker.0`, `herald.TaskWorker.1`, `herald.Crontab`, `herald.Primary`: EasySwoole's names. */
export function processName(group: ProcessGroup, index: number): string {
  switch (group) {
    case 'primary':
      return 'herald.Primary';
    case 'worker':
      return `herald.Worker.${index}`;
    case 'task':
      return `herald.TaskWorker.${index}`;
    case 'cron':
      return 'herald.Crontab';
  }
}

/** A group as operators may type it: `worker`, `task`, `cron`, or EasySwoole's `herald.Worker` etc. */
export function parseGroup(text: string): ProcessGroup | undefined {
  const t = text.toLowerCase();
  if (t === 'primary' || t === 'herald.primary' || t === 'master') return 'primary';
  if (t === 'worker' || t === 'workers' || t === 'herald.worker') return 'worker';
  if (t === 'task' || t === 'tasks' || t === 'taskworker' || t === 'herald.taskworker') return 'task';
  if (t === 'cron' || t === 'crontab' || t === 'herald.crontab') return 'cron';
  return undefined;
}

/** A child's id in presence and stats: `<hostId>/<index>/<pid>` for workers, `<hostId>/task-<i>/<pid>`, `<hostId>/cron/<pid>`. */
export function nodeIdOf(hostId: string, role: ChildRole, index: number, pid: number): string {
  const slot = role === 'worker' ? String(index) : role === 'task' ? `task-${index}` : 'cron';
  return `${hostId}/${slot}/${pid}`;
}
