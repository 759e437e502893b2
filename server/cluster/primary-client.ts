/**
 * A worker's line to its primary: typed requests with timeouts, and one-way notifications.
 */
import { HeraldError } from '../../shared/errors';
import { isHeraldMessage, type PrimaryRequestOp, type PrimaryRequests, type PrimaryToWorker, type WorkerToPrimary } from './ipc';

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

  constructor(
    private readonly onShutdown: (reason: 'shutdown' | 'reload') => void,
    options: Partial<PrimaryClientOptions> = {},
  ) {
    this.options = { ...DEFAULT_PRIMARY_CLIENT_OPTIONS, ...options };
    process.on('message', this.onMessage);
  }

  request<K extends PrimaryRequestOp>(op: K, args: PrimaryRequests[K]['args']): Promise<PrimaryRequests[K]['result']> {
    if (this.closed || !process.connected) {
      return Promise.reject(new HeraldError('UNAVAILABLE', 'the primary process is gone'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HeraldError('UNAVAILABLE', `the primary did not answer ${op} within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.send({ type: 'herald:request', id, op, args } as WorkerToPrimary);
    });
  }

  send(message: WorkerToPrimary): void {
    if (this.closed || !process.connected || process.send === undefined) return;
    process.send(message, undefined, {}, (err) => {
      if (err === null || err === undefined) return;
      if ('id' in message) this.settle(message.id, new HeraldError('UNAVAILABLE', 'the primary process is gone'));
    });
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
        else this.settle(msg.id, new HeraldError('INTERNAL', msg.error));
        break;
      case 'herald:shutdown':
        this.onShutdown(msg.reason);
        break;
    }
  };

  private settle(id: number, err?: Error, result?: unknown): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (err !== undefined) pending.reject(err);
    else pending.resolve(result);
  }
}
