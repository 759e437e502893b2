/**
 * How one batch turns into per-user seqs, the same way in both implementations.
 *
 * Each uid has a row in `herald_user_seq` holding the last seq it was given. Inside the batch's
 * transaction the writer raises every uid's `last_seq` by the number of messages the batch holds
 * for it (which locks the row until commit), reads the new values back, and numbers the batch's
 * messages `last_seq - count + 1 … last_seq` in batch order. Seqs therefore come from the
 * database, not from a process, and a second host writing to the same uid waits for the row
 * lock, then continues where this batch stopped: no gap, no duplicate, and per uid commits happen
 * in seq order.
 */
import type { NewMessage } from './message-store';

export interface SeqPlan {
  /** Distinct uids of the batch in ascending order: the order rows are locked in (no deadlocks). */
  uids: string[];
  /** Messages per uid in the batch. */
  counts: Map<string, number>;
}

export function planSeqs(messages: readonly NewMessage[]): SeqPlan {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m.uid, (counts.get(m.uid) ?? 0) + 1);
  const uids = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { uids, counts };
}

/**
 * The seq of every message, in input order, given each uid's `last_seq` after the batch raised
 * it. Throws when the database did not return a uid of the plan (the batch must then fail).
 */
export function assignSeqs(messages: readonly NewMessage[], plan: SeqPlan, lastSeqs: ReadonlyMap<string, number>): number[] {
  const next = new Map<string, number>();
  for (const uid of plan.uids) {
    const last = lastSeqs.get(uid);
    if (last === undefined) throw new Error(`message store: no seq row for uid ${uid}`);
    next.set(uid, last - (plan.counts.get(uid) as number) + 1);
  }
  return messages.map((m) => {
    const seq = next.get(m.uid) as number;
    next.set(m.uid, seq + 1);
    return seq;
  });
}

/**
 * Splits rows into runs of at most `maxRows` rows and `maxBytes` estimated bytes, keeping order.
 * A single row above `maxBytes` gets a run of its own.
 */
export function chunkRows<T>(rows: readonly T[], maxRows: number, maxBytes: number, sizeOf: (row: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = sizeOf(row);
    if (current.length > 0 && (current.length >= maxRows || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
