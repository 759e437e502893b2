/**
 * Device cursors from `ack { seq }`, written in batches: the newest seq per (uid, device) is kept
 * in memory and saved every `ackFlushInterval` (1 s) in one store call. An ack beyond the highest
 * seq this connection was sent is refused, so a client cannot skip messages it never saw. A
 * connection without a device id has no cursor; its acks are accepted and change nothing.
 */
import { unrefTimer, type Clock, type TimerHandle } from '../../shared/clock';
import { HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { AckRequest } from '../../shared/protocol';
import type { CursorUpdate, MessageStore } from '../../shared/store';
import type { DeliveryTracker } from './delivery-tracker';
import type { AckSink } from './event-handlers';
import type { HeraldSocket } from './types';

/** Cursors waiting beyond which a flush starts at once. */
const FLUSH_AT = 10_000;

export class AckBatcher implements AckSink {
  private pending = new Map<string, CursorUpdate>();
  private timer: TimerHandle | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: MessageStore,
    private readonly tracker: DeliveryTracker,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = this.clock.setInterval(() => void this.flush(), this.intervalMs);
    unrefTimer(this.timer);
  }

  ack(socket: HeraldSocket, request: AckRequest): void {
    const { uid, device } = socket.data;
    if (request.seq > this.tracker.highestSent(socket)) {
      throw new HeraldError('BAD_REQUEST', `seq: ${request.seq} was not delivered on this connection`);
    }
    if (uid === undefined || device === undefined || device === null) return;
    const key = `${uid}\n${device}`;
    const known = this.pending.get(key);
    if (known === undefined || known.seq < request.seq) {
      this.pending.set(key, { uid, device, seq: request.seq, at: this.clock.now() });
    }
    if (this.pending.size >= FLUSH_AT) void this.flush();
  }

  /** Saves what is pending; on failure keeps it for the next flush. */
  flush(): Promise<void> {
    if (this.flushing !== undefined || this.pending.size === 0) return this.flushing ?? Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.store
      .saveCursors([...batch.values()])
      .catch((err: Error) => {
        this.logger.warn('device cursors not saved yet; retrying', { cursors: batch.size, error: err.message });
        for (const [key, update] of batch) {
          const newer = this.pending.get(key);
          if (newer === undefined || newer.seq < update.seq) this.pending.set(key, update);
        }
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** Stops the timer and saves what is pending. */
  async close(): Promise<void> {
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush();
  }
}
