/**
 * The primary's RPC with each child, one `Rpc` (shared/control/rpc.ts) per child over Node IPC:
 * the children's calls (presence, stats, admin commands, background jobs) are answered with the
 * handlers the primary gives; the primary calls task processes (jobs, least busy first) and the
 * cron process (crontab commands). A child that exits takes its pending calls down with it, as
 * UNAVAILABLE.
 */
import type { Worker } from 'node:cluster';
import type { ArgsOf, ControlCommand, ResultOf } from '../../shared/control/contract';
import { isRpcMessage, Rpc, type Handlers } from '../../shared/control/rpc';
import { HeraldError } from '../../shared/errors';
import type { Child, Supervisor } from './supervisor';

/** The jobs a task process runs. */
export type TaskCommand = 'task.push' | 'task.cleanup' | 'task.webhooks';

export class ChildRpc {
  private readonly rpcs = new Map<Child, Rpc>();
  /** Jobs in flight per task process, for the least-loaded choice. */
  private readonly inflight = new Map<Child, number>();

  constructor(
    private readonly supervisor: Supervisor,
    /** What children may ask the primary. */
    private readonly handlers: Partial<Handlers<ControlCommand>>,
  ) {}

  /** A message from a child; false when it is not an RPC message. */
  receive(worker: Worker, message: unknown): boolean {
    if (!isRpcMessage(message)) return false;
    const child = this.supervisor.childOf(worker);
    if (child === undefined) return false;
    return this.rpcOf(child).receive(message);
  }

  /** Runs a job in the least busy ready task process; rejects UNAVAILABLE when there is none. */
  runTask<K extends TaskCommand>(command: K, args: ArgsOf<K>, timeoutMs: number): Promise<ResultOf<K>> {
    const tasks = this.supervisor.current('task');
    if (tasks.length === 0) return Promise.reject(new HeraldError('UNAVAILABLE', 'no task process is running'));
    let best = tasks[0] as Child;
    for (const t of tasks) if ((this.inflight.get(t) ?? 0) < (this.inflight.get(best) ?? 0)) best = t;
    this.inflight.set(best, (this.inflight.get(best) ?? 0) + 1);
    return this.call(best, command, args, timeoutMs).finally(() => {
      // Not for a process already gone (childGone forgot it): that would keep it alive here.
      const n = this.inflight.get(best);
      if (n !== undefined) this.inflight.set(best, Math.max(0, n - 1));
    });
  }

  /** Calls a command on one child and resolves with its answer. */
  call<K extends ControlCommand>(child: Child, command: K, args: ArgsOf<K>, timeoutMs: number): Promise<ResultOf<K>> {
    return this.rpcOf(child).call(command, args, timeoutMs);
  }

  /** A child exited: what it was asked fails. */
  childGone(child: Child): void {
    this.inflight.delete(child);
    this.rpcs.get(child)?.close(new HeraldError('UNAVAILABLE', `${child.name} exited while working on the request`));
    this.rpcs.delete(child);
  }

  private rpcOf(child: Child): Rpc {
    let rpc = this.rpcs.get(child);
    if (rpc === undefined) {
      rpc = new Rpc({ send: (message) => sendTo(child, message) }, { peer: child.name });
      rpc.serve(this.handlers as Handlers<ControlCommand>);
      this.rpcs.set(child, rpc);
    }
    return rpc;
  }
}

/** Sends over IPC; throws when the message cannot be serialized, rejects when the child is gone. */
function sendTo(child: Child, message: object): Promise<void> {
  if (!child.worker.isConnected()) return Promise.reject(new HeraldError('UNAVAILABLE', `${child.name} is gone`));
  let done!: (err: Error | null) => void;
  const sent = new Promise<void>((resolve, reject) => {
    done = (err) => (err === null ? resolve() : reject(new HeraldError('UNAVAILABLE', `${child.name} is gone`, { cause: err })));
  });
  // Outside the promise: a serializing error must throw here (the RPC answers it INTERNAL).
  child.worker.send(message, undefined, (err: Error | null) => done(err));
  return sent;
}
