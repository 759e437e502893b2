/**
 * Group commit: many concurrent callers share one database transaction.
 *
 * A push API under load makes hundreds of `append` calls per second, each with a handful of rows.
 * One transaction each would cost one commit (one fsync) per push. The committer queues calls for
 * at most `maxDelayMs`, or until `maxBatchRows` rows wait, and hands them to the writer as one
 * batch; every caller's promise settles when that batch's transaction does. While
 * `maxConcurrentBatches` batches are being written, new calls wait and form the next batch, so the
 * batch size grows with the load by itself.
 *
 * A call is never split across batches: whatever one call brings commits together or fails
 * together. A call larger than `maxBatchRows` forms a batch of its own.
 *
 * Calls that touch the same key (a message store: the same uid, whose seq row each batch locks
 * until its COMMIT) never go in two batches at once: a call whose key is in a batch being written
 * waits for the next batch, and so do the calls behind it with that key (first come, first
 * written, per key). Batches written side by side then never wait for each other's row locks, so
 * more of them can run at once: without this, two batches sharing one hot uid ran one after the
 * other anyway, the second holding its connection while it waited.
 */
import createDebug from 'debug';
import { systemClock, type Clock, type TimerHandle } from '../clock';
import { HeraldError } from '../errors';

const debug = createDebug('herald:store');

export interface GroupCommitOptions {
  /** Longest a call waits for company before its batch is written, in milliseconds. @default 2 */
  maxDelayMs: number;
  /** Rows that make a batch full: it is written at once, and the next call starts a new batch. @default 1000 */
  maxBatchRows: number;
  /** Batches written at the same time, each in its own transaction and connection. @default 2 */
  maxConcurrentBatches: number;
  /**
   * Rows allowed to wait; beyond it `append` rejects at once with STORE_UNAVAILABLE instead of
   * queueing without bound while the database is slow. A single call is always accepted into an
   * empty queue. @default 100000
   */
  maxQueuedRows: number;
}

export const DEFAULT_GROUP_COMMIT_OPTIONS: Readonly<GroupCommitOptions> = Object.freeze({
  maxDelayMs: 2,
  maxBatchRows: 1000,
  maxConcurrentBatches: 2,
  maxQueuedRows: 100_000,
});

/** Writes one batch in one transaction and returns one result per item, in order. */
export type BatchWriter<T, R> = (items: T[]) => Promise<R[]>;

/** The keys an item locks (uids); calls sharing a key are never written in two batches at once. */
export type ConflictKeys<T> = (item: T) => string | undefined;

interface QueuedCall<T, R> {
  items: readonly T[];
  /** The distinct keys of its items; empty when the committer has no keysOf. */
  keys: readonly string[];
  resolve: (results: R[]) => void;
  reject: (err: unknown) => void;
}

export class GroupCommitter<T, R> {
  private readonly options: GroupCommitOptions;
  private readonly queue: QueuedCall<T, R>[] = [];
  private queuedRows = 0;
  private inFlight = 0;
  private timer: TimerHandle | undefined;
  private closed = false;
  private readonly drainWaiters: (() => void)[] = [];
  /** Keys of the batches being written, with how many of those batches hold each. */
  private readonly busyKeys = new Map<string, number>();

  constructor(
    private readonly write: BatchWriter<T, R>,
    options: Partial<GroupCommitOptions> = {},
    private readonly clock: Clock = systemClock,
    private readonly keysOf?: ConflictKeys<T>,
  ) {
    this.options = { ...DEFAULT_GROUP_COMMIT_OPTIONS, ...options };
    for (const key of ['maxBatchRows', 'maxConcurrentBatches', 'maxQueuedRows'] as const) {
      if (!Number.isInteger(this.options[key]) || this.options[key] < 1) {
        throw new RangeError(`groupCommit.${key} must be a positive integer`);
      }
    }
    if (!(this.options.maxDelayMs >= 0)) throw new RangeError('groupCommit.maxDelayMs must be >= 0');
  }

  /** Rows waiting for a batch (not counting batches being written). */
  get pendingRows(): number {
    return this.queuedRows;
  }

  /** Resolves with one result per item once the batch holding them is written. */
  submit(items: readonly T[]): Promise<R[]> {
    if (this.closed) return Promise.reject(new HeraldError('STORE_UNAVAILABLE', 'The message store is closed'));
    if (items.length === 0) return Promise.resolve([]);
    if (this.queuedRows > 0 && this.queuedRows + items.length > this.options.maxQueuedRows) {
      return Promise.reject(
        new HeraldError('STORE_UNAVAILABLE', `The message store is overloaded (${this.queuedRows} rows waiting)`),
      );
    }
    return new Promise<R[]>((resolve, reject) => {
      this.queue.push({ items, keys: this.keysOfCall(items), resolve, reject });
      this.queuedRows += items.length;
      if (this.queuedRows >= this.options.maxBatchRows) this.flush();
      else this.armTimer();
    });
  }

  /** Stops taking calls, writes everything queued and waits for it. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    this.flush();
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private armTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.options.maxDelayMs);
    // Not unref'd: a queued write keeps the process alive for the few ms until it is written.
  }

  private keysOfCall(items: readonly T[]): string[] {
    if (this.keysOf === undefined) return [];
    const keys = new Set<string>();
    for (const item of items) {
      const key = this.keysOf(item);
      if (key !== undefined) keys.add(key);
    }
    return [...keys];
  }

  private flush(): void {
    while (this.inFlight < this.options.maxConcurrentBatches && this.queue.length > 0) {
      const batch = this.takeBatch();
      // Every queued call waits for a key of a batch being written: its end flushes again.
      if (batch.length === 0) break;
      this.inFlight += 1;
      void this.writeBatch(batch);
    }
    if (this.queue.length === 0 && this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /**
   * Whole calls in queue order, up to maxBatchRows rows (at least one call when any may go). A
   * call holding a key of a batch being written stays queued, and so does every later call
   * sharing a key with a call that stays.
   */
  private takeBatch(): QueuedCall<T, R>[] {
    const batch: QueuedCall<T, R>[] = [];
    let rows = 0;
    if (this.busyKeys.size === 0) {
      while (this.queue.length > 0) {
        const next = this.queue[0] as QueuedCall<T, R>;
        if (batch.length > 0 && rows + next.items.length > this.options.maxBatchRows) break;
        this.queue.shift();
        batch.push(next);
        rows += next.items.length;
      }
    } else {
      const held = new Set<string>();
      const waiting: QueuedCall<T, R>[] = [];
      let i = 0;
      for (; i < this.queue.length; i++) {
        const next = this.queue[i] as QueuedCall<T, R>;
        if (next.keys.some((key) => this.busyKeys.has(key) || held.has(key))) {
          for (const key of next.keys) held.add(key);
          waiting.push(next);
          continue;
        }
        if (batch.length > 0 && rows + next.items.length > this.options.maxBatchRows) break;
        batch.push(next);
        rows += next.items.length;
      }
      this.queue.splice(0, i, ...waiting);
    }
    this.queuedRows -= rows;
    for (const call of batch) for (const key of call.keys) this.busyKeys.set(key, (this.busyKeys.get(key) ?? 0) + 1);
    return batch;
  }

  private releaseKeys(batch: readonly QueuedCall<T, R>[]): void {
    for (const call of batch) {
      for (const key of call.keys) {
        const count = (this.busyKeys.get(key) ?? 1) - 1;
        if (count <= 0) this.busyKeys.delete(key);
        else this.busyKeys.set(key, count);
      }
    }
  }

  private async writeBatch(batch: QueuedCall<T, R>[]): Promise<void> {
    const items = batch.length === 1 ? [...(batch[0] as QueuedCall<T, R>).items] : batch.flatMap((call) => call.items);
    debug('writing a batch of %d calls, %d rows', batch.length, items.length);
    try {
      const results = await this.write(items);
      if (results.length !== items.length) {
        throw new Error(`batch writer returned ${results.length} results for ${items.length} items`);
      }
      let offset = 0;
      for (const call of batch) {
        call.resolve(results.slice(offset, offset + call.items.length));
        offset += call.items.length;
      }
    } catch (err) {
      for (const call of batch) call.reject(err);
    } finally {
      this.inFlight -= 1;
      this.releaseKeys(batch);
      // Calls that queued while this batch was written have waited long enough: go now.
      if (this.queue.length > 0) this.flush();
      if (this.isIdle()) for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.queue.length === 0;
  }
}
