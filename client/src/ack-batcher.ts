/**
 * Acknowledges durable pushes in batches: the server learns the highest seq processed at most once
 * per `maxDelay` — or at once when `maxBatch` pushes wait — instead of once per push.
 *
 * Only a seq with nothing unfinished before it is acknowledged: handlers start in seq order but
 * an async one may finish after a later one, and an ack covers every seq below it. A refused or
 * failed ack is sent again with the next batch.
 *
 * While the batcher is paused (not connected, or not logged in: the server keeps its cursor per
 * user and device) acks wait; `resume()` sends what waited.
 */
import { Timer, type Clock } from './clock';

export interface AckBatcherOptions {
  /** Milliseconds the first unacknowledged push may wait. @default 1000 */
  maxDelay: number;
  /** Pushes that trigger an ack at once. @default 100 */
  maxBatch: number;
}

export const DEFAULT_ACK_BATCHER_OPTIONS: AckBatcherOptions = Object.freeze({
  maxDelay: 1000, // one ack per second at most
  maxBatch: 100,
});

export class AckBatcher {
  private readonly timer: Timer;
  private highest = 0;
  private waiting = 0;
  private paused = true;
  /** The seq of the last ack sent, null before the first one (or since `reset()`). */
  private lastSent: number | null = null;
  /** Seqs whose handlers run, in the order they started; `done` marks those that finished. */
  private readonly running: number[] = [];
  private readonly done = new Set<number>();

  constructor(
    clock: Clock,
    private readonly options: AckBatcherOptions,
    private readonly send: (seq: number) => void,
  ) {
    this.timer = new Timer(clock);
  }

  /** Pushes processed but not acknowledged yet. */
  get pending(): number {
    return this.waiting;
  }

  /** The seq of the last ack sent (the server may still refuse it), null before the first. */
  get sent(): number | null {
    return this.lastSent;
  }

  /** A durable push's handlers started: no ack may cover it until `record(seq)`. */
  begin(seq: number): void {
    this.running.push(seq);
  }

  /**
   * A durable push was processed — or arrived again, which means the server did not get the
   * last ack: either way the highest seq with nothing unfinished before it goes out next.
   */
  record(seq: number): void {
    if (this.running.length > 0 && this.running.includes(seq)) {
      this.done.add(seq);
      while (this.running.length > 0 && this.done.delete(this.running[0] as number)) {
        const finished = this.running.shift() as number;
        if (finished > this.highest) this.highest = finished;
      }
    } else if (seq > this.highest && (this.running.length === 0 || seq < (this.running[0] as number))) {
      // A duplicate (handled before): it may be acked unless an older push is still running.
      this.highest = seq;
    }
    this.waiting += 1;
    if (this.paused) return;
    if (this.waiting >= this.options.maxBatch) this.flush();
    else if (!this.timer.pending) this.timer.set(() => this.flush(), this.options.maxDelay);
  }

  /** Sends the pending ack now (before logout or close). */
  flush(): void {
    this.timer.clear();
    if (this.paused || this.waiting === 0) return;
    this.waiting = 0;
    this.lastSent = this.highest;
    this.send(this.highest);
  }

  pause(): void {
    this.paused = true;
    this.timer.clear();
  }

  /** Logged in: what waited is sent within `maxDelay`, or at once when a batch is full. */
  resume(): void {
    this.paused = false;
    if (this.waiting >= this.options.maxBatch) this.flush();
    else if (this.waiting > 0 && !this.timer.pending) this.timer.set(() => this.flush(), this.options.maxDelay);
  }

  /** The server did not take the last ack (refused, store away): send it again with the next batch. */
  retry(): void {
    this.waiting += 1;
    if (!this.paused && !this.timer.pending) this.timer.set(() => this.flush(), this.options.maxDelay);
  }

  /** Another user: seqs start over. */
  reset(): void {
    this.timer.clear();
    this.highest = 0;
    this.waiting = 0;
    this.lastSent = null;
    this.running.length = 0;
    this.done.clear();
  }
}
