/**
 * Per-device order for durable pushes (contract section 8): each logged-in socket is sent its
 * user's stored messages in seq order with nothing skipped, whatever the transport did.
 *
 * Live copies come through the adapter, and nothing there promises they arrive at all (Redis
 * away for a few seconds, a worker killed mid-relay) or in seq order (two hosts commit seq 5 and
 * 6 of one user and their broadcasts cross). The store is the record of what a device must get:
 * a seq is committed before any copy of it is sent, and a user's seqs are committed in order, so
 * a reader that sees seq 7 also sees 1-6. The gate therefore keeps, per socket, `sentSeq`: the
 * highest seq sent with no hole before it. A live copy with seq = sentSeq + 1 goes out at once (the
 * common case: one comparison); one at or below it is a duplicate and is dropped; one further on
 * means a hole: the socket is *filled* from the store (every message for its platform past
 * sentSeq, in order), and live copies that arrive meanwhile are dropped (the fill reads them too)
 * while ephemeral pushes to it wait behind the fill. The login replay is the first fill.
 *
 * Messages sent by a fill (or a replay) carry `prev`: the seq sent to this device before it. A
 * hole in the numbers that is not a loss (seq 5 went to the user's iOS devices only; this is the
 * web one) is then visible as such to the client: `{ seq: 6, prev: 4 }`. The SDK acks only up to
 * its highest contiguous seq and sends `resync { after }` when it sees a hole nobody explained.
 *
 * Acks are checked against sentSeq: an ack above it would move the device's cursor past a
 * message this connection was never sent.
 */
import { unrefTimer, type Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { StoredMessage } from '../../shared/store';
import type { Metrics } from '../metrics';
import { emitPush } from '../push/push-payload';
import type { HeraldSocket } from './types';

/** Reads what a device should be sent past `after` (its platform's messages, unexpired, in order). */
export interface GapSource {
  /**
   * Messages with seq > after, ascending: the oldest `pageSize` of them. A fill whose read comes
   * back full reads again after its last seq, so a connected device misses nothing however large
   * its gap (it was the newest `replayLimit` before: a 5 s Redis outage at 800 pushes a second left
   * devices without the older part of their gap for good).
   */
  read(uid: string, after: number, platform: string): Promise<StoredMessage[]>;
  /** Messages a read returns at most. */
  readonly pageSize: number;
  /** Where a connection starts: the device's cursor (0 when none); without a device, the user's newest seq. */
  cursor(uid: string, device: string | null): Promise<number>;
}

export interface SeqGateOptions {
  /** Store reads for fills running at once per worker; more wait their turn. @default 8 */
  maxConcurrentReads: number;
  /** Ephemeral pushes held behind one socket's fill; beyond, the oldest is dropped. @default 1000 */
  maxHeldPerSocket: number;
  /** First wait before a failed fill is retried, doubled each time. @default 250 (ms) */
  retryBaseMs: number;
  /** Longest wait between retries of a failed fill. @default 5000 (ms) */
  retryMaxMs: number;
}

export const DEFAULT_SEQ_GATE_OPTIONS: SeqGateOptions = Object.freeze({
  maxConcurrentReads: 8,
  maxHeldPerSocket: 1000,
  retryBaseMs: 250,
  retryMaxMs: 5000, // the store's own operation deadline is 5 s
});

/** A socket being filled: the highest live seq seen meanwhile and what waits behind the fill. */
interface Fill {
  /** The user the fill is for; a fill for a user the socket no longer is stops. */
  uid: string;
  /** The highest live seq that arrived during the fill (0: none). */
  wanted: number;
  /** Ephemeral deliveries waiting behind the fill, in arrival order. */
  held: (() => void)[];
  /** Resolvers of `resync` requests waiting for this fill: each gets the seq it reached. */
  waiters: ((through: number) => void)[];
  /** Re-read from this seq (a resync asked for earlier than sentSeq); undefined: from sentSeq. */
  from: number | undefined;
  /** Whether a read is under way (the loop is running). */
  running: boolean;
}

export class SeqGate {
  private readonly fills = new WeakMap<HeraldSocket, Fill>();
  /** Sockets being filled now: while none is (nearly always), deliveries skip the lookup. */
  active = 0;
  private readonly options: SeqGateOptions;
  private reading = 0;
  private readonly readQueue: (() => void)[] = [];
  private lastFailureLog = 0;
  private failuresSinceLog = 0;

  constructor(
    private readonly source: GapSource,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    options: Partial<SeqGateOptions> = {},
  ) {
    this.options = { ...DEFAULT_SEQ_GATE_OPTIONS, ...options };
  }

  /**
   * A live durable copy reached `socket`. True: send it now. False: it is a duplicate, or a
   * fill will send it (the store has it: it was committed before any copy went out).
   */
  admit(socket: HeraldSocket, seq: number): boolean {
    const data = socket.data;
    // A user's copy reaching a socket that is no longer logged in as anyone: not for it.
    if (data.uid === undefined) return false;
    if (this.active > 0) {
      const fill = this.fills.get(socket);
      if (fill !== undefined) {
        if (seq > fill.wanted) fill.wanted = seq;
        return false;
      }
    }
    const sent = data.sentSeq;
    if (sent === undefined) {
      // Where this connection starts could not be read at login (the store was away): read it
      // now — the device's cursor, or without a device the user's newest seq — and fill from it.
      this.startFill(socket, data.uid, seq, undefined);
      return false;
    }
    if (seq === sent + 1) {
      data.sentSeq = seq;
      return true;
    }
    if (seq <= sent) {
      this.metrics.seqDuplicates.inc();
      return false;
    }
    this.metrics.seqGaps.inc();
    this.startFill(socket, data.uid, seq, sent);
    return false;
  }

  /** An ephemeral delivery: true when it was queued behind a fill of this socket. */
  holdIfFilling(socket: HeraldSocket, deliver: () => void): boolean {
    const fill = this.fills.get(socket);
    if (fill === undefined) return false;
    if (fill.held.length >= this.options.maxHeldPerSocket) {
      fill.held.shift();
      this.metrics.heldDropped.inc();
    }
    fill.held.push(deliver);
    return true;
  }

  /** The highest seq sent to this socket with no hole before it; acks may not go past it. */
  highestSent(socket: HeraldSocket): number {
    return socket.data.sentSeq ?? 0;
  }

  /** Login with a device: live pushes wait until `sendReplay`. */
  beginLogin(socket: HeraldSocket, uid: string): void {
    socket.data.sentSeq = undefined;
    if (this.fills.has(socket)) return;
    this.fills.set(socket, newFill(uid));
    this.active++;
  }

  /**
   * Sends a login's replay after `after` (the device's cursor), then what arrived meanwhile.
   * `messages` undefined: the store could not be read; the socket then fills from its cursor as
   * soon as the store answers.
   */
  sendReplay(socket: HeraldSocket, replay: { after: number; messages: StoredMessage[] } | undefined): void {
    const fill = this.fills.get(socket);
    if (fill === undefined) return;
    if (!this.current(socket, fill)) {
      this.finish(socket, fill);
      return;
    }
    if (replay === undefined) {
      if (fill.wanted === 0) {
        // Nothing live yet: the first live copy starts the fill (admit), the store may be back then.
        this.finish(socket, fill);
        return;
      }
      this.run(socket, fill);
      return;
    }
    socket.data.sentSeq = replay.after;
    this.emitStored(socket, replay.messages, replay.after);
    this.settle(socket, fill);
  }

  /**
   * `resync { after }`: sends again every message for this device past `after` (the client's
   * highest contiguous seq), then resolves with the seq the socket is now complete up to.
   */
  resync(socket: HeraldSocket, after: number): Promise<number> {
    const uid = socket.data.uid as string;
    return new Promise((resolve) => {
      let fill = this.fills.get(socket);
      if (fill === undefined) {
        fill = newFill(uid);
        this.fills.set(socket, fill);
        this.active++;
      }
      fill.from = Math.min(fill.from ?? after, after);
      fill.waiters.push(resolve);
      if (!fill.running) this.run(socket, fill);
    });
  }

  /** After the adapter lost messages (Redis came back): every logged-in socket re-reads its gap. */
  resyncAll(sockets: Iterable<HeraldSocket>): number {
    let started = 0;
    for (const socket of sockets) {
      const { uid, sentSeq } = socket.data;
      if (uid === undefined || sentSeq === undefined || this.fills.has(socket)) continue;
      this.startFill(socket, uid, 0, sentSeq);
      started++;
    }
    return started;
  }

  /** The socket's user changed or it logged out: what it was sent says nothing about the next. */
  reset(socket: HeraldSocket): void {
    socket.data.sentSeq = undefined;
    const fill = this.fills.get(socket);
    if (fill !== undefined) this.finish(socket, fill);
  }

  private startFill(socket: HeraldSocket, uid: string, wanted: number, from: number | undefined): void {
    const fill = newFill(uid);
    fill.wanted = wanted;
    fill.from = from;
    this.fills.set(socket, fill);
    this.active++;
    this.run(socket, fill);
  }

  /** Reads and sends until the socket has everything up to the highest live seq it saw. */
  private run(socket: HeraldSocket, fill: Fill): void {
    fill.running = true;
    void this.fillOnce(socket, fill, 0);
  }

  private async fillOnce(socket: HeraldSocket, fill: Fill, failures: number): Promise<void> {
    if (!this.current(socket, fill)) {
      this.finish(socket, fill);
      return;
    }
    const data = socket.data;
    try {
      await this.readSlot();
      let after: number;
      let messages: StoredMessage[];
      // Every live seq seen before this read was committed before it was sent: the read sees it.
      const wantedBefore = fill.wanted;
      try {
        if (!this.current(socket, fill)) {
          this.finish(socket, fill);
          return;
        }
        after = fill.from ?? data.sentSeq ?? (await this.source.cursor(fill.uid, data.device ?? null));
        fill.from = undefined;
        messages = await this.source.read(fill.uid, after, data.platform as string);
      } finally {
        this.releaseSlot();
      }
      if (!this.current(socket, fill)) {
        this.finish(socket, fill);
        return;
      }
      if ((data.sentSeq ?? 0) < after) data.sentSeq = after;
      this.emitStored(socket, messages, after);
      if (messages.length >= this.source.pageSize) {
        // A full page: more may follow. The next round reads on from what was just sent.
        fill.from = Math.min(fill.from ?? Infinity, data.sentSeq ?? after);
      } else if ((data.sentSeq ?? 0) < wantedBefore) {
        // A seq the read did not return is not this device's to get (expired, or another
        // platform's): waiting for it would never end.
        data.sentSeq = wantedBefore;
      }
      this.metrics.seqFills.inc();
      this.settle(socket, fill);
    } catch (err) {
      this.noteFailure(err as Error);
      const wait = Math.min(this.options.retryBaseMs * 2 ** failures, this.options.retryMaxMs);
      unrefTimer(this.clock.setTimeout(() => void this.fillOnce(socket, fill, failures + 1), wait));
    }
  }

  /** After a read: another round if more arrived than was read, else release what waited. */
  private settle(socket: HeraldSocket, fill: Fill): void {
    const sent = socket.data.sentSeq ?? 0;
    if (fill.from !== undefined || fill.wanted > sent) {
      // A resync asked for more, or live copies beyond what the read saw (committed after it).
      this.run(socket, fill);
      return;
    }
    this.finish(socket, fill);
  }

  /** Ends the fill; what waited behind it goes out if the socket is still that user's. */
  private finish(socket: HeraldSocket, fill: Fill): void {
    const mine = this.fills.get(socket) === fill;
    if (mine) {
      this.fills.delete(socket);
      this.active--;
    }
    fill.running = false;
    if (mine && socket.connected && socket.data.uid === fill.uid) {
      for (const deliver of fill.held.splice(0)) deliver();
    }
    const through = socket.data.sentSeq ?? 0;
    for (const resolve of fill.waiters.splice(0)) resolve(through);
  }

  /** Whether the fill still belongs to the socket's current login. */
  private current(socket: HeraldSocket, fill: Fill): boolean {
    return socket.connected && socket.data.uid === fill.uid && this.fills.get(socket) === fill;
  }

  /** Emits stored messages, each with `prev`: the seq this device was sent before it. */
  private emitStored(socket: HeraldSocket, messages: StoredMessage[], after: number): void {
    if (messages.length === 0) return;
    let prev = after;
    let sent = 0;
    for (const m of messages) {
      if (m.seq <= prev) continue;
      sent++;
      emitPush(socket, m.event, m.id, JSON.parse(m.data) as unknown, m.createdAt, m.topic ?? undefined, m.seq, prev);
      prev = m.seq;
    }
    const data = socket.data;
    if (prev > (data.sentSeq ?? 0)) data.sentSeq = prev;
    data.lastActive = this.clock.now();
    this.metrics.deliveries.inc(sent);
    this.metrics.counters.deliveries += sent;
  }

  private readSlot(): Promise<void> {
    if (this.reading < this.options.maxConcurrentReads) {
      this.reading++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.readQueue.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.readQueue.shift();
    if (next !== undefined) next();
    else this.reading--;
  }

  /** One warning per 10 s at most while the store refuses fills, with the count. */
  private noteFailure(err: Error): void {
    this.failuresSinceLog++;
    const now = this.clock.now();
    if (now - this.lastFailureLog < 10_000) return;
    this.logger.warn('could not fill a device from the message store; retrying', { failures: this.failuresSinceLog, error: err.message });
    this.lastFailureLog = now;
    this.failuresSinceLog = 0;
  }
}

function newFill(uid: string): Fill {
  return { uid, wanted: 0, held: [], waiters: [], from: undefined, running: false };
}
