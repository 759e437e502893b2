/**
 * One log line per interval for an event that can come in floods, with the count of what was
 * folded into it. A verification API that was down wrote one warning per failed login, 5,000
 * lines in 20 s (issue 11, item 11); failed API keys were not logged at all, because logging each
 * one would let anybody fill the disk.
 *
 * The first occurrence after a quiet interval is logged at once (`count: 1`); later ones within
 * `intervalMs` are only counted, and when the interval ends one line reports them
 * (`count: N`, fields of the last one). An interval with nothing folded ends the flood: the next
 * occurrence is again logged at once.
 */
import { systemClock, unrefTimer, type Clock, type TimerHandle } from './clock';
import type { Logger, LogLevel } from './logger';

export interface ThrottledLogOptions {
  /** Milliseconds between two lines of the same flood. @default 60000 */
  intervalMs: number;
  clock: Clock;
}

export const DEFAULT_THROTTLED_LOG_OPTIONS: Readonly<ThrottledLogOptions> = Object.freeze({
  intervalMs: 60_000, // 1 minute
  clock: systemClock,
});

export class ThrottledLog {
  private readonly options: ThrottledLogOptions;
  private timer: TimerHandle | undefined;
  private folded = 0;
  private lastFields: Record<string, unknown> = {};

  constructor(
    private readonly logger: Logger,
    private readonly level: LogLevel,
    private readonly message: string,
    options: Partial<ThrottledLogOptions> = {},
  ) {
    this.options = { ...DEFAULT_THROTTLED_LOG_OPTIONS, ...options };
  }

  /** Records one occurrence; `fields` go on the line (never a credential). */
  hit(fields: Record<string, unknown> = {}): void {
    if (this.timer === undefined) {
      this.write(fields, 1);
      this.startInterval();
      return;
    }
    this.folded++;
    this.lastFields = fields;
  }

  /** Writes what is still folded and stops the timer. Idempotent. */
  close(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }

  private startInterval(): void {
    this.timer = this.options.clock.setTimeout(() => this.onIntervalEnd(), this.options.intervalMs);
    unrefTimer(this.timer);
  }

  private onIntervalEnd(): void {
    this.timer = undefined;
    if (this.folded === 0) return;
    this.flush();
    // Still flooding: keep folding for another interval.
    this.startInterval();
  }

  private flush(): void {
    if (this.folded === 0) return;
    const count = this.folded;
    this.folded = 0;
    this.write(this.lastFields, count);
  }

  private write(fields: Record<string, unknown>, count: number): void {
    this.logger.log(this.level, this.message, { ...fields, count, intervalSeconds: this.options.intervalMs / 1000 });
  }
}
