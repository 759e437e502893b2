/**
 * The jobs of one task process: at most `concurrency` run at once, the rest wait in order.
 * Counts what `herald task status` shows: running, done, failed, queued, average duration.
 */
import type { TaskCounters } from '../../server/cluster/stats';

interface Waiting {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class JobQueue {
  private running = 0;
  private done = 0;
  private failed = 0;
  private totalMs = 0;
  private readonly waiting: Waiting[] = [];
  private idleWaiters: (() => void)[] = [];

  /** `onChange` runs whenever a job starts, ends or is queued (the process reports it at once). */
  constructor(
    private readonly concurrency: number,
    private readonly onChange: () => void = () => undefined,
  ) {}

  /** Runs `job` when a place is free; settles with its outcome. */
  submit<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ run: job, resolve: resolve as (value: unknown) => void, reject });
      this.next();
      this.onChange();
    });
  }

  counters(): TaskCounters {
    const finished = this.done + this.failed;
    return {
      running: this.running,
      done: this.done,
      failed: this.failed,
      queued: this.waiting.length,
      averageMs: finished === 0 ? 0 : Math.round(this.totalMs / finished),
    };
  }

  /** Resolves once nothing runs or waits. */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private next(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const item = this.waiting.shift() as Waiting;
      this.running++;
      const started = Date.now();
      item
        .run()
        .then(
          (value) => {
            this.done++;
            item.resolve(value);
          },
          (err: unknown) => {
            this.failed++;
            item.reject(err);
          },
        )
        .finally(() => {
          this.running--;
          this.totalMs += Date.now() - started;
          this.next();
          this.onChange();
          if (this.running === 0 && this.waiting.length === 0) {
            for (const resolve of this.idleWaiters.splice(0)) resolve();
          }
        });
    }
  }
}
