/**
 * A child's line to its primary over Node IPC: typed calls (shared/control/rpc.ts) with
 * timeouts, one-way notifications (reports, presence changes), and the handlers for what the
 * primary asks of this process (jobs for task processes, crontab commands for cron).
 */
import type { AdminCommand, ArgsOf, ChildRequest, ControlCommand, ResultOf } from '../../shared/control/contract';
import { isRpcMessage, Rpc, type Handlers, type RpcMessage } from '../../shared/control/rpc';
import { HeraldError } from '../../shared/errors';
import { isHeraldMessage, type PrimaryToWorker, type WorkerToPrimary } from './ipc';

export interface PrimaryClientOptions {
  /** Milliseconds to wait for an answer. @default 5000 */
  timeoutMs: number;
}

export const DEFAULT_PRIMARY_CLIENT_OPTIONS: PrimaryClientOptions = { timeoutMs: 5000 };

/** What a child may call on its primary: its own requests and, for the dashboard, the admin commands. */
export type PrimaryCommand = ChildRequest | AdminCommand;

export class PrimaryClient {
  private readonly rpc: Rpc;
  private closed = false;

  constructor(
    private readonly onShutdown: (reason: 'shutdown' | 'reload') => void,
    options: Partial<PrimaryClientOptions> = {},
  ) {
    const { timeoutMs } = { ...DEFAULT_PRIMARY_CLIENT_OPTIONS, ...options };
    this.rpc = new Rpc({ send: (message) => this.sendRpc(message) }, { peer: 'the primary', timeoutMs });
    process.on('message', this.onMessage);
  }

  request<K extends PrimaryCommand>(command: K, args: ArgsOf<K>, timeoutMs?: number): Promise<ResultOf<K>> {
    if (this.closed || !process.connected) return Promise.reject(new HeraldError('UNAVAILABLE', 'the primary process is gone'));
    return this.rpc.call(command, args, timeoutMs);
  }

  /** What this process answers when the primary asks (task jobs, crontab commands). */
  serve<K extends ControlCommand>(handlers: Handlers<K>): void {
    this.rpc.serve(handlers);
  }

  /** A one-way notification; dropped when the primary is gone. */
  send(message: WorkerToPrimary): void {
    if (this.closed || !process.connected || process.send === undefined) return;
    try {
      process.send(message, undefined, {}, () => undefined);
    } catch {
      // Serializing threw (a value too deep for V8's serializer): this message is lost, the process is not.
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('message', this.onMessage);
    this.rpc.close(new HeraldError('UNAVAILABLE', 'shutting down'));
  }

  private sendRpc(message: RpcMessage): Promise<void> {
    if (this.closed || !process.connected || process.send === undefined) return Promise.reject(new HeraldError('UNAVAILABLE', 'the primary process is gone'));
    let done!: (err: Error | null) => void;
    const sent = new Promise<void>((resolve, reject) => {
      done = (err) => (err === null || err === undefined ? resolve() : reject(new HeraldError('UNAVAILABLE', 'the primary process is gone', { cause: err })));
    });
    // Outside the promise: a serializing error must throw here (the RPC answers it INTERNAL).
    process.send(message, undefined, {}, (err) => done(err));
    return sent;
  }

  private readonly onMessage = (message: unknown): void => {
    if (!isHeraldMessage(message)) return;
    if (isRpcMessage(message)) {
      this.rpc.receive(message);
      return;
    }
    const msg = message as PrimaryToWorker;
    if (msg.type === 'herald:shutdown') this.onShutdown(msg.reason);
  };
}
