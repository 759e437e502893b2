/**
 * Sends at a steady rate for a fixed time. Each send is stamped with the moment it was due, not
 * the moment it went out, so when the sender falls behind the lag shows in the latencies
 * instead of hiding (no coordinated omission).
 */
import { preciseNow } from './load/wire';

export interface PaceOptions {
  /** Sends per second. */
  rate: number;
  durationMs: number;
  /** Sends in flight at most; beyond it the pacer waits (and falls behind). */
  maxInFlight: number;
  /** Milliseconds to wait for the last sends to finish. @default 10000 */
  drainMs?: number;
  send: (dueAt: number, index: number) => Promise<void>;
  onTick?: (sent: number, total: number) => void;
}

export interface PaceResult {
  sent: number;
  failed: number;
  /** Sends per second actually started. */
  achievedRate: number;
  /** The first few distinct errors. */
  errors: string[];
  /** Highest lag of a send behind its due time, ms. */
  maxLagMs: number;
}

export async function pace(options: PaceOptions): Promise<PaceResult> {
  const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const interval = 1000 / options.rate;
  const start = preciseNow();
  let sent = 0;
  let failed = 0;
  let inFlight = 0;
  let maxLagMs = 0;
  const errors = new Set<string>();
  let wake: (() => void) | undefined;
  const settle = (): void => {
    inFlight--;
    wake?.();
  };
  const hardDeadline = start + options.durationMs * 3 + (options.drainMs ?? 10_000);
  while (sent < total && preciseNow() < hardDeadline) {
    const now = preciseNow();
    const due = Math.min(total, Math.floor((now - start) / interval) + 1);
    while (sent < due && inFlight < options.maxInFlight) {
      const dueAt = start + sent * interval;
      maxLagMs = Math.max(maxLagMs, now - dueAt);
      inFlight++;
      options.send(dueAt, sent).then(settle, (err: unknown) => {
        failed++;
        if (errors.size < 5) errors.add((err as Error)?.message ?? String(err));
        settle();
      });
      sent++;
    }
    options.onTick?.(sent, total);
    if (sent >= total) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 1);
    });
    wake = undefined;
  }
  const elapsed = preciseNow() - start;
  const drainUntil = preciseNow() + (options.drainMs ?? 10_000);
  while (inFlight > 0 && preciseNow() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 5));
  return { sent, failed, achievedRate: (sent / Math.max(elapsed, interval)) * 1000, errors: [...errors], maxLagMs };
}
