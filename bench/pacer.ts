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
  /** Sends started (at most the planned rate × duration). */
  sent: number;
  /** Sends planned: rate × duration. */
  planned: number;
  failed: number;
  /** Sends per second actually started. */
  achievedRate: number;
  /** The first few distinct errors. */
  errors: string[];
}

export async function pace(options: PaceOptions): Promise<PaceResult> {
  const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const interval = 1000 / options.rate;
  const start = preciseNow();
  let sent = 0;
  let failed = 0;
  let inFlight = 0;
  const errors = new Set<string>();
  let wake: (() => void) | undefined;
  const settle = (): void => {
    inFlight--;
    wake?.();
  };
  // A sender that cannot keep up stops at the end of the duration (plus 10 %): what it did not
  // send shows as a lower achieved rate, and the run stays bounded in time.
  const stopAt = start + options.durationMs * 1.1 + interval;
  while (sent < total && preciseNow() < stopAt) {
    const now = preciseNow();
    const due = Math.min(total, Math.floor((now - start) / interval) + 1);
    while (sent < due && inFlight < options.maxInFlight) {
      const dueAt = start + sent * interval;
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
  return { sent, planned: total, failed, achievedRate: (sent / Math.max(elapsed, interval)) * 1000, errors: [...errors] };
}

/** What a result's notes should say about a paced phase: failures, and a sender that fell behind. */
export function paceNotes(what: string, result: PaceResult): string[] {
  const notes: string[] = [];
  if (result.failed > 0) notes.push(`${result.failed} ${what} failed: ${result.errors.join('; ')}`);
  if (result.sent < result.planned) {
    notes.push(
      `the server took ${what} slower than planned: ${result.sent} of ${result.planned} sent in the time (${Math.round(result.achievedRate)}/s); ` +
        'the latencies count from when each was due',
    );
  }
  return notes;
}
