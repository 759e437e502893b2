/**
 * Keeps durable pushes in seq order on the client, as a second line behind the server's own
 * guarantee (docs/DELIVERY.md): a push is handed on only when it follows the last one without a
 * hole — `seq` is the next number, or the server says the hole holds nothing for this device
 * (`prev` equals the last seq). A push past an unexplained hole waits, and the client asks the
 * server to send again from its last seq (`resync { after }`); the server's answer says how far
 * it has now sent everything, and what still waits then goes on in order.
 *
 * The start point of a connection is the device's cursor from the login answer (`replay.after`);
 * when the answer has none (the store was away), the first durable push sets it.
 */

export interface SeqOrderOptions {
  /** Pushes that may wait behind a hole; beyond, they are handed on in order. @default 1000 */
  maxWaiting: number;
}

export const DEFAULT_SEQ_ORDER_OPTIONS: SeqOrderOptions = Object.freeze({ maxWaiting: 1000 });

export interface Arrival<T> {
  seq: number;
  prev: number | undefined;
  item: T;
}

export interface OrderVerdict<T> {
  /** What may be handled now, in seq order. */
  ready: Arrival<T>[];
  /** A hole was found that nobody explained: ask the server for a resync from `last`. */
  gap: boolean;
}

export class SeqOrder<T> {
  private last: number | undefined;
  private readonly waiting = new Map<number, Arrival<T>>();
  private readonly options: SeqOrderOptions;

  constructor(options: Partial<SeqOrderOptions> = {}) {
    this.options = { ...DEFAULT_SEQ_ORDER_OPTIONS, ...options };
  }

  /** The highest seq received with no hole before it; undefined until known. */
  get contiguous(): number | undefined {
    return this.last;
  }

  /** Pushes waiting behind a hole. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** A new login: the server's start point for this device, if it gave one. */
  start(after: number | undefined): void {
    this.last = after;
    this.waiting.clear();
  }

  /** A durable push arrived. Duplicates (at or below the last seq) come back as ready too. */
  receive(arrival: Arrival<T>): OrderVerdict<T> {
    const last = this.last;
    if (last === undefined || arrival.seq <= last || follows(arrival, last)) {
      if (last === undefined || arrival.seq > last) this.last = arrival.seq;
      return { ready: [arrival, ...this.drain()], gap: false };
    }
    const gap = this.waiting.size === 0;
    this.waiting.set(arrival.seq, arrival);
    if (this.waiting.size > this.options.maxWaiting) return { ready: this.release(arrival.seq), gap: false };
    return { ready: [], gap };
  }

  /**
   * The server answered a resync: it has sent everything for this device through `through`.
   * What still waits had nothing before it to wait for: it goes on, in seq order.
   */
  settle(through: number): Arrival<T>[] {
    const ready = this.release(through);
    if (this.last === undefined || through > this.last) this.last = through;
    return ready;
  }

  /** Hands on every waiting push up to `upTo` (and those that then follow), in seq order. */
  private release(upTo: number): Arrival<T>[] {
    const out: Arrival<T>[] = [];
    for (const seq of [...this.waiting.keys()].sort((a, b) => a - b)) {
      if (seq > upTo && this.last !== undefined && !follows(this.waiting.get(seq) as Arrival<T>, this.last)) break;
      out.push(this.waiting.get(seq) as Arrival<T>);
      this.waiting.delete(seq);
      if (this.last === undefined || seq > this.last) this.last = seq;
    }
    return out;
  }

  /** What waited and now follows the last seq. */
  private drain(): Arrival<T>[] {
    const out: Arrival<T>[] = [];
    for (;;) {
      const last = this.last as number;
      for (const seq of this.waiting.keys()) if (seq <= last) this.waiting.delete(seq); // arrived again meanwhile
      let next = this.waiting.get(last + 1);
      if (next === undefined) {
        for (const candidate of this.waiting.values()) {
          if (candidate.prev === last) next = candidate;
        }
      }
      if (next === undefined) return out;
      this.waiting.delete(next.seq);
      this.last = next.seq;
      out.push(next);
    }
  }
}

function follows(arrival: { seq: number; prev: number | undefined }, last: number): boolean {
  return arrival.seq === last + 1 || arrival.prev === last;
}
