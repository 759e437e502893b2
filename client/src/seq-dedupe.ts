/**
 * Drops durable pushes already processed, so a replay after a reconnect never runs a handler
 * twice. Seqs are per user and may have gaps (pushes for another platform), and a replay may
 * overlap live pushes, so the check is "seen before", not "not above the highest": the last
 * `capacity` seqs are remembered, and anything at or below the oldest forgotten one counts as seen.
 */
import { RecentSet } from './recent-set';

export class SeqDedupe {
  private readonly recent: RecentSet<number>;
  private floor = 0;

  constructor(capacity = 10_000) {
    this.recent = new RecentSet<number>(capacity, (oldest) => {
      if (oldest > this.floor) this.floor = oldest;
    });
  }

  /** True when `seq` was processed before; otherwise remembers it and returns false. */
  isDuplicate(seq: number): boolean {
    return seq <= this.floor || this.recent.isDuplicate(seq);
  }

  /** Another user: seqs start over. */
  reset(): void {
    this.recent.clear();
    this.floor = 0;
  }
}
