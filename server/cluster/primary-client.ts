/**
 * A child's line to its primary: typed requests with timeouts, one-way notifications, and the
 * handlers for what the primary asks of it (jobs for task processes, commands for cron).
 */
import { ERROR_CATALOG, HeraldError, type ErrorCode } from '../../shared/errors';
import { isHeraldMessage, type PrimaryRequestOp, type PrimaryRequests, type PrimaryToWorker, type TaskJob, type WorkerToPrimary } from './ipc';

export type TaskHandler = (job: TaskJob) => Promise<unknown>;
export type CommandHandler = (command: string, args: Record<string, unknown>) => Promise<unknown>;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface PrimaryClientOptions {
  /** Milliseconds to wait for an answer. @default 5000 */
  timeoutMs: number;
}

export const DEFAULT_PRIMARY_CLIENT_OPTIONS: PrimaryClientOptions = { timeoutMs: 5000 };

export class PrimaryClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly options: PrimaryClientOptions;
  private closed = false;
  private taskHandler: TaskHandler | undefined;
  private commandHandler: CommandHandler | undefined;

  constructor(
    private readonly onShutdown: (reason: 'shutdown' | 'reload') => void,
    options: Partial<PrimaryClientOptions> = {},
  ) {
    this.options = { ...DEFAULT_PRIMARY_CLIENT_OPTIONS, ...options };
    process.on('message', this.onMessage);
  }

  request<K extends PrimaryRequestOp>(op: K, args: PrimaryRequests[K]['args'], timeoutMs = this.options.timeoutMs): Promise<PrimaryRequests[K]['result']> {
    if (this.closed || !process.connected) {
      return Promise.reject(new HeraldError('UNAVAILABLE', 'the primary process is gone'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HeraldError('UNAVAILABLE', `the primary did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.send({ type: 'herald:request', id, op, args } as WorkerToPrimary);
    });
  }

  send(message: WorkerToPrimary): void {
    if (this.closed || !process.connected || process.send === undefined) return;
    try {
      process.send(message, undefined, {}, (err) => {
        if (err === null || err === undefined) return;
        if ('id' in message) this.settle(message.id, new HeraldError('UNAVAILABLE', 'the primary process is gone'));
      });
    } catch (err) {
      // Serializing threw (a value too deep for V8's serializer): this message is lost, the process is not.
      const reason = `the message could not be sent to the primary: ${(err as Error).message}`;
      if (message.type === 'herald:request') this.settle(message.id, new HeraldError('INTERNAL', reason));
      else if (message.type === 'herald:task-done' || message.type === 'herald:command-result') {
        if (message.ok) this.send({ type: message.type, id: message.id, ok: false, error: reason, code: 'INTERNAL' });
      }
    }
  }

  /** Runs the jobs the primary sends this process (task processes). */
  onTask(handler: TaskHandler): void {
    this.taskHandler = handler;
  }

  /** Answers the commands the primary sends this process (the cron process). */
  onCommand(handler: CommandHandler): void {
    this.commandHandler = handler;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('message', this.onMessage);
    for (const id of [...this.pending.keys()]) this.settle(id, new HeraldError('UNAVAILABLE', 'shutting down'));
  }

  private readonly onMessage = (message: unknown): void => {
    if (!isHeraldMessage(message)) return;
    const msg = message as PrimaryToWorker;
    switch (msg.type) {
      case 'herald:response':
        if (msg.ok) this.settle(msg.id, undefined, msg.result);
        else this.settle(msg.id, toHeraldError(msg.error, msg.code));
        break;
      case 'herald:shutdown':
        this.onShutdown(msg.reason);
        break;
      case 'herald:task-run':
        void this.answer('herald:task-done', msg.id, () => {
          if (this.taskHandler === undefined) throw new HeraldError('UNAVAILABLE', 'this process runs no tasks');
          return this.taskHandler(msg.job);
        });
        break;
      case 'herald:command':
        void this.answer('herald:command-result', msg.id, () => {
          if (this.commandHandler === undefined) throw new HeraldError('UNAVAILABLE', 'this process takes no commands');
          return this.commandHandler(msg.command, msg.args);
        });
        break;
    }
  };

  private async answer(type: 'herald:task-done' | 'herald:command-result', id: number, run: () => Promise<unknown>): Promise<void> {
    try {
      this.send({ type, id, ok: true, result: await run() });
    } catch (err) {
      const code = err instanceof HeraldError ? err.code : undefined;
      this.send({ type, id, ok: false, error: (err as Error).message, ...(code !== undefined ? { code } : {}) });
    }
  }

  private settle(id: number, err?: Error, result?: unknown): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (err !== undefined) pending.reject(err);
    else pending.resolve(result);
  }
}

/** Rebuilds an error that crossed IPC, keeping its catalog code when it had one. */
export function toHeraldError(message: string, code: string | undefined): HeraldError {
  return code !== undefined && code in ERROR_CATALOG ? new HeraldError(code as ErrorCode, message) : new HeraldError('INTERNAL', message);
}
