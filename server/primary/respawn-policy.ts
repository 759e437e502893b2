/**
 * When to bring a dead worker back. A worker that dies soon after starting is in trouble (bad
 * config, a crash at boot): each such death doubles the wait, up to `maxDelayMs`, so a crash loop
 * costs a few restarts a minute, not hundreds a second. A worker that ran for `stableAfterMs`
 * resets the count: one crash after a long run comes back at once.
 */
export interface RespawnPolicyOptions {
  /** Milliseconds before the first quick restart. @default 500 */
  initialDelayMs: number;
  /** Longest wait between restarts. @default 30000 (30 s) */
  maxDelayMs: number;
  /** A worker that lived this long counts as healthy. @default 30000 (30 s) */
  stableAfterMs: number;
}

export const DEFAULT_RESPAWN_POLICY_OPTIONS: RespawnPolicyOptions = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  stableAfterMs: 30_000,
};

export class RespawnPolicy {
  private readonly options: RespawnPolicyOptions;
  /** Quick deaths in a row, per worker slot. */
  private readonly failures = new Map<string | number, number>();

  constructor(options: Partial<RespawnPolicyOptions> = {}) {
    this.options = { ...DEFAULT_RESPAWN_POLICY_OPTIONS, ...options };
  }

  /** Milliseconds to wait before restarting slot `index`, whose worker lived `livedMs`. */
  delayAfterExit(index: string | number, livedMs: number): number {
    if (livedMs >= this.options.stableAfterMs) {
      this.failures.set(index, 0);
      return 0;
    }
    const failures = (this.failures.get(index) ?? 0) + 1;
    this.failures.set(index, failures);
    return Math.min(this.options.maxDelayMs, this.options.initialDelayMs * 2 ** (failures - 1));
  }

  /** Quick deaths in a row of slot `index`. */
  failuresOf(index: string | number): number {
    return this.failures.get(index) ?? 0;
  }
}
