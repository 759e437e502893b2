/**
 * A cap on the output a connection may hold unsent. A client that stops reading (a dead
 * network, a paused app) leaves every push to it queued in its worker: Engine.IO's write buffer
 * grows while the transport waits, and the websocket's own buffer behind it. One such socket made
 * its worker hold 57 MB (ten: 172 MB) before the ping timeout dropped it ~45 s later.
 *
 * What a connection holds is the packets Engine.IO queued since its last flush to the transport
 * (counted here from its `packetCreate` events, reset by the server's `flush` event) plus the
 * websocket's `bufferedAmount` (bytes ws has not handed to the kernel). It is checked
 * - on every packet Engine.IO queues, so that path never holds more than the cap and one frame;
 * - every `intervalMs` over the worker's connections, for broadcasts the delivery tracker hands
 *   to ws directly (socket/delivery-tracker.ts), which raise no event: between two checks such
 *   a connection can take what arrives for it in `intervalMs` beyond the cap.
 * Past `maxBufferedBytes` the connection is dropped at once, its queue discarded, with a logged
 * reason; durable pushes it missed come back by replay at its next login. Nothing on the delivery
 * path changes.
 */
import { unrefTimer, type Clock, type TimerHandle } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { closeAtOnce, engineOutput, packetBytes, queuedBytes, socketBufferedBytes, type EngineOutput, type EnginePacket } from '../../shared/patches/engine-io-output';
import type { Metrics } from '../metrics';
import type { HeraldServer, HeraldSocket } from './types';

export interface OutputCapOptions {
  /** Bytes of unsent output beyond which a connection is dropped; 0 turns the cap off. @default 4194304 (4 MB) */
  maxBufferedBytes: number;
  /** Milliseconds between checks of every connection. @default 500 */
  intervalMs: number;
}

export const DEFAULT_OUTPUT_CAP_OPTIONS: OutputCapOptions = {
  maxBufferedBytes: 4 * 1024 * 1024,
  intervalMs: 500,
};

/** The reason logged (and given to the socket's `disconnect`) when a connection is dropped. */
export const SLOW_READER = 'slow_reader';

/** Bytes a connection holds unsent: Engine.IO's queue plus the websocket's buffer. */
export function bufferedBytes(socket: HeraldSocket): number {
  const conn = engineOutput(socket);
  return queuedBytes(conn) + socketBufferedBytes(conn);
}

export class OutputCap {
  private readonly options: OutputCapOptions;
  /** Bytes queued per connection since its last flush. */
  private readonly queued = new WeakMap<object, number>();
  private readonly dropping = new WeakSet<object>();
  private started = false;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly io: HeraldServer,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    options: Partial<OutputCapOptions> = {},
  ) {
    this.options = { ...DEFAULT_OUTPUT_CAP_OPTIONS, ...options };
  }

  get enabled(): boolean {
    return this.options.maxBufferedBytes > 0;
  }

  start(): void {
    if (this.started || !this.enabled) return;
    this.started = true;
    this.io.engine.on('flush', this.onFlush);
    this.timer = this.clock.setInterval(() => this.sweep(), this.options.intervalMs);
    unrefTimer(this.timer);
  }

  /** Drops every connection of this worker over the cap; returns how many. */
  sweep(): number {
    let dropped = 0;
    for (const socket of this.io.of('/').sockets.values()) {
      const conn = engineOutput(socket);
      if (this.check(socket, conn, this.queued.get(conn) ?? 0)) dropped++;
    }
    return dropped;
  }

  /** Watches a new connection's output (one listener shared by every connection). */
  track(socket: HeraldSocket): void {
    if (!this.enabled) return;
    engineOutput(socket).on('packetCreate', this.onPacketCreate);
  }

  close(): void {
    if (!this.started) return;
    this.started = false;
    this.io.engine.off('flush', this.onFlush);
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** `packetCreate` of every tracked connection; `this` is the Engine.IO connection. */
  private readonly onPacketCreate = ((cap: OutputCap) =>
    function (this: EngineOutput, packet: EnginePacket): void {
      cap.onPacket(this, packet);
    })(this);

  private onPacket(conn: EngineOutput, packet: EnginePacket): void {
    const queued = (this.queued.get(conn) ?? 0) + packetBytes(packet);
    this.queued.set(conn, queued);
    this.check(undefined, conn, queued);
  }

  /**
   * Drops the connection if it holds more than the cap; true if it was dropped now. The socket
   * (for the log line) is looked up only then, when the caller does not have it.
   */
  private check(known: HeraldSocket | undefined, conn: EngineOutput, queued: number): boolean {
    const held = queued + socketBufferedBytes(conn);
    if (held <= this.options.maxBufferedBytes || this.dropping.has(conn)) return false;
    this.dropping.add(conn);
    const socket = known ?? this.socketOf(conn);
    this.logger.warn('dropping a connection that does not read its output', {
      reason: SLOW_READER,
      ...(socket !== undefined ? { sid: socket.id, ...(socket.data.uid !== undefined ? { uid: socket.data.uid } : {}), ip: socket.data.ip } : {}),
      bufferedBytes: held,
      maxBufferedBytes: this.options.maxBufferedBytes,
    });
    this.metrics.slowReaderDrops.inc();
    // After the packet is queued: closing inside Engine.IO's own send would run under its feet.
    setImmediate(() => closeAtOnce(conn));
    return true;
  }

  /** The Socket.IO socket on `conn`, if it is still connected. */
  private socketOf(conn: EngineOutput): HeraldSocket | undefined {
    for (const socket of this.io.of('/').sockets.values()) if (socket.conn === (conn as unknown)) return socket;
    return undefined;
  }

  private readonly onFlush = (conn: object): void => {
    this.queued.delete(conn);
  };
}
