/**
 * Device cursors from `ack { seq }`. An ack is answered `ok` only once its cursor is committed
 * to the store, so an answered ack holds for the next login of that device on any worker or host
 * (contract section 8). Acks are written together: the first ack into an empty batch starts a
 * write `ackFlushInterval` later, acks meanwhile join it (the newest seq per (uid, device) wins),
 * and while one write runs the next batch forms behind it — the store's group commit, one level up.
 *
 * An ack beyond the highest seq this connection was sent without a hole is refused, so a client
 * cannot skip messages it never saw. A connection without a device id has no cursor; its acks are
 * accepted and change nothing.
 */
import { unrefTimer, type Clock, type TimerHandle } from '../../shared/clock';
import { HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { AckRequest } from '../../shared/protocol';
import type { CursorUpdate, MessageStore } from '../../shared/store';
import type { AckSink } from './event-handlers';
import type { SeqGate } from './seq-gate';
import type { HeraldSocket } from './types';

/** Cursors waiting beyond which a write starts at once. */
const FLUSH_AT = 10_000;

interface Batch {
  cursors: Map<string, CursorUpdate>;
  /** Settles every ack of the batch once its write commits or fails. */
  settle: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const settle = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // An ack whose socket went away has nobody awaiting it: never an unhandled rejection.
  settle.catch(() => undefined);
  return { cursors: new Map(), settle, resolve, reject };
}

export class AckBatcher implements AckSink {
  private pending: Batch | undefined;
  private timer: TimerHandle | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly store: MessageStore,
    private readonly gate: SeqGate,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Longest an ack waits for others to share its write (ms). */
    private readonly delayMs: number,
    /** Told of the cursors of each committed write (webhooks' message.acked). */
    private readonly onCommitted: (cursors: CursorUpdate[]) => void = () => undefined,
  ) {}

  /** Resolves once the cursor is committed; rejects with STORE_UNAVAILABLE when it could not be. */
  ack(socket: HeraldSocket, request: AckRequest): Promise<void> | void {
    const { uid, device } = socket.data;
    if (request.seq > this.gate.highestSent(socket)) {
      throw new HeraldError('BAD_REQUEST', `seq: ${request.seq} was not delivered on this connection without a gap`);
    }
    if (uid === undefined || device === undefined || device === null) return;
    const batch = (this.pending ??= newBatch());
    const key = `${uid}\n${device}`;
    const known = batch.cursors.get(key);
    if (known === undefined || known.seq < request.seq) {
      batch.cursors.set(key, { uid, device, seq: request.seq, at: this.clock.now() });
    }
    if (batch.cursors.size >= FLUSH_AT) void this.flush();
    else this.schedule();
    return batch.settle.catch((err: unknown) => {
      throw new HeraldError('STORE_UNAVAILABLE', 'the acknowledgement was not saved; send it again', { cause: err, retryAfter: 1 });
    });
  }

  private schedule(): void {
    if (this.timer !== undefined || this.writing !== undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
    unrefTimer(this.timer);
  }

  /** Writes the pending batch (after the one being written, if any). */
  flush(): Promise<void> {
    if (this.writing !== undefined) return this.writing;
    const batch = this.pending;
    if (batch === undefined) return Promise.resolve();
    this.pending = undefined;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const cursors = [...batch.cursors.values()];
    this.writing = this.store.saveCursors(cursors).then(
      () => {
        batch.resolve();
        this.onCommitted(cursors);
      },
      (err: Error) => {
        this.logger.warn('device cursors not saved; the acks are answered with an error and the clients send them again', {
          cursors: batch.cursors.size,
          error: err.message,
        });
        batch.reject(err);
      },
    );
    void this.writing.finally(() => {
      this.writing = undefined;
      // Acks that came in during the write form the next one.
      if (this.pending !== undefined) {
        if (this.closed) void this.flush();
        else this.schedule();
      }
    });
    return this.writing;
  }

  /** Writes what is pending and waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.flush();
  }
}
