/**
 * Requests from the primary to one child, answered by a message carrying the same id: jobs for
 * task processes (`herald:task-run` → `herald:task-done`) and commands for the cron process
 * (`herald:command` → `herald:command-result`). A child that dies takes its pending requests down
 * with it, as UNAVAILABLE.
 */
import { HeraldError } from '../../shared/errors';
import type { ResultMessage, TaskJob } from '../cluster/ipc';
import { toHeraldError } from '../cluster/primary-client';
import type { Child, Supervisor } from './supervisor';

interface Pending {
  child: Child;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class ChildRpc {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Jobs in flight per task process, for the least-loaded choice. */
  private readonly inflight = new Map<Child, number>();

  constructor(private readonly supervisor: Supervisor) {}

  /** Runs a job in the least busy ready task process; rejects UNAVAILABLE when there is none. */
  runTask(job: TaskJob, timeoutMs: number): Promise<unknown> {
    const tasks = this.supervisor.current('task');
    if (tasks.length === 0) return Promise.reject(new HeraldError('UNAVAILABLE', 'no task process is running'));
    let best = tasks[0] as Child;
    for (const t of tasks) if ((this.inflight.get(t) ?? 0) < (this.inflight.get(best) ?? 0)) best = t;
    this.inflight.set(best, (this.inflight.get(best) ?? 0) + 1);
    return this.call(best, timeoutMs, (id) => ({ type: 'herald:task-run', id, job })).finally(() => {
      // Not for a process already gone (childGone forgot it): that would keep it alive here.
      const n = this.inflight.get(best);
      if (n !== undefined) this.inflight.set(best, Math.max(0, n - 1));
    });
  }

  /** Sends a command to a child and resolves with its answer. */
  command(child: Child, command: string, args: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    return this.call(child, timeoutMs, (id) => ({ type: 'herald:command', id, command, args }));
  }

  /** A `herald:task-done` or `herald:command-result` arrived. */
  settle(message: ResultMessage<string>): void {
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(toHeraldError(message.error, message.code));
  }

  /** A child exited: what it was asked fails. */
  childGone(child: Child): void {
    this.inflight.delete(child);
    for (const [id, pending] of this.pending) {
      if (pending.child !== child) continue;
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new HeraldError('UNAVAILABLE', `${child.name} exited while working on the request`));
    }
  }

  private call(
    child: Child,
    timeoutMs: number,
    build: (id: number) => { type: 'herald:task-run'; id: number; job: TaskJob } | { type: 'herald:command'; id: number; command: string; args: Record<string, unknown> },
  ): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HeraldError('UNAVAILABLE', `${child.name} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { child, resolve, reject, timer });
      this.supervisor.send(child, build(id));
    });
  }
}
