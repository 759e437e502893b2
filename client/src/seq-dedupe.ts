/**
 * Drops durable pushes already processed, so a replay after a reconnect never runs a handler
 * twice. Seqs are per user and may have gaps (pushes for another platform), and a replay may
 * overlap live pushes, so the check is "seen before", not "not above the highest": the last
 * `capacity` seqs are remembered, and anything at or below the oldest forgotten one counts as seen.
 */
export class SeqDedupe {
  private readonly seen = new Set<number>();
  private readonly order: number[] = [];
  private head = 0;
  private floor = 0;

  constructor(private readonly capacity = 10_000) {}

  /** True when `seq` was processed before; otherwise remembers it and returns false. */
  isDuplicate(seq: number): boolean {
    if (seq <= this.floor || this.seen.has(seq)) return true;
    this.seen.add(seq);
    this.order.push(seq);
    if (this.seen.size > this.capacity) {
      const oldest = this.order[this.head++] as number;
      this.seen.delete(oldest);
      if (oldest > this.floor) this.floor = oldest;
      if (this.head > 1024 && this.head * 2 > this.order.length) {
        this.order.splice(0, this.head);
        this.head = 0;
      }
    }
    return false;
  }

  /** Another user: seqs start over. */
  reset(): void {
    this.seen.clear();
    this.order.length = 0;
    this.head = 0;
    this.floor = 0;
  }
}
