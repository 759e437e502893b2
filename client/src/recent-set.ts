/**
 * The last `capacity` values seen, oldest forgotten first: the memory of the SDK's duplicate
 * checks. Ephemeral pushes use it as is, by push id (the server sends one again when it cannot
 * tell whether the first copy got out: what was in flight to Redis when a connection dropped, and
 * what Redis confirmed just before it restarted); seq-dedupe.ts adds a floor for durable seqs.
 */
export class RecentSet<T> {
  private readonly seen = new Set<T>();
  /** The remembered values, oldest first from `head`. */
  private order: T[] = [];
  private head = 0;

  constructor(
    private readonly capacity: number,
    /** Called with each value forgotten to make room. */
    private readonly onForget?: (value: T) => void,
  ) {}

  /** True when `value` was seen before (and is still remembered); otherwise remembers it and returns false. */
  isDuplicate(value: T): boolean {
    if (this.seen.has(value)) return true;
    this.seen.add(value);
    this.order.push(value);
    if (this.seen.size > this.capacity) {
      const oldest = this.order[this.head++] as T;
      this.seen.delete(oldest);
      this.onForget?.(oldest);
      if (this.head > 1024 && this.head * 2 > this.order.length) {
        this.order = this.order.slice(this.head);
        this.head = 0;
      }
    }
    return false;
  }

  clear(): void {
    this.seen.clear();
    this.order = [];
    this.head = 0;
  }
}
