/**
 * Drops an ephemeral push (no seq) that arrived already. The server sends one again when it
 * cannot tell whether the first copy got out: what was in flight to Redis when the connection
 * dropped, and what Redis confirmed just before it restarted (server/cluster/redis-outage-buffer.ts).
 * Such a copy follows the first within seconds, so the last `capacity` ids are enough.
 */
export class IdDedupe {
  private readonly seen = new Set<string>();
  /** The remembered ids, oldest first from `head`. */
  private order: string[] = [];
  private head = 0;

  constructor(private readonly capacity = 1024) {}

  /** True when `id` was seen before; otherwise remembers it and returns false. */
  isDuplicate(id: string): boolean {
    if (this.seen.has(id)) return true;
    this.seen.add(id);
    this.order.push(id);
    if (this.seen.size > this.capacity) {
      this.seen.delete(this.order[this.head++] as string);
      if (this.head * 2 > this.order.length) {
        this.order = this.order.slice(this.head);
        this.head = 0;
      }
    }
    return false;
  }
}
