/**
 * A cap on the output a connection may hold unsent. A client that stops reading (a dead
 * network, a paused app) leaves every push to it queued in its worker: Engine.IO's write buffer
 * grows while the transport waits, and the websocket's own buffer behind it. One such socket made
 * its worker hold 57 MB (ten: 172 MB) before it was dropped ~45 s later by the ping timeout.
 * Every `intervalMs` the cap walks the worker's connections and drops the ones holding more
 * than `maxBufferedBytes`, with a logged reason; durable pushes they missed come back by replay at
 * their next login. One interval per worker, nothing on the delivery path.
 */
import { unrefTimer, type Clock, type TimerHandle } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { Metrics } from '../metrics';
import type { HeraldServer, HeraldSocket } from './types';

export interface OutputCapOptions {
  /** Bytes of unsent output beyond which a connection is dropped; 0 turns the cap off. @default 4194304 (4 MB) */
  maxBufferedBytes: number;
  /** Milliseconds between checks. @default 1000 (1 s) */
  intervalMs: number;
}

export const DEFAULT_OUTPUT_CAP_OPTIONS: OutputCapOptions = {
  maxBufferedBytes: 4 * 1024 * 1024,
  intervalMs: 1000,
};

/** The parts of an Engine.IO connection the cap reads. */
interface EngineConnection {
  writeBuffer?: { data?: unknown }[];
  transport?: { name?: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  close(discard?: boolean): void;
}

/**
 * Bytes a connection holds unsent: the packets Engine.IO has not handed to the transport, plus
 * what the websocket has not written to the kernel. String packets count one byte per character
 * (a cheap lower bound for non-ASCII text).
 */
export function bufferedBytes(socket: HeraldSocket): number {
  const conn = socket.conn as unknown as EngineConnection;
  let bytes = 0;
  for (const packet of conn.writeBuffer ?? []) {
    const data = packet.data;
    if (typeof data === 'string') bytes += data.length;
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) bytes += data.byteLength;
  }
  return bytes + (conn.transport?.socket?.bufferedAmount ?? 0);
}

export class OutputCap {
  private readonly options: OutputCapOptions;
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

  start(): void {
    if (this.timer !== undefined || this.options.maxBufferedBytes <= 0) return;
    this.timer = this.clock.setInterval(() => this.sweep(), this.options.intervalMs);
    unrefTimer(this.timer);
  }

  /** Drops every connection of this worker over the cap; returns how many. */
  sweep(): number {
    const max = this.options.maxBufferedBytes;
    let dropped = 0;
    for (const socket of this.io.of('/').sockets.values()) {
      const bytes = bufferedBytes(socket);
      if (bytes <= max) continue;
      this.logger.warn('dropping a connection that does not read its output', {
        reason: 'slow_reader',
        sid: socket.id,
        ...(socket.data.uid !== undefined ? { uid: socket.data.uid } : {}),
        ip: socket.data.ip,
        bufferedBytes: bytes,
        maxBufferedBytes: max,
      });
      drop(socket);
      this.metrics.slowReaderDrops.inc();
      dropped++;
    }
    return dropped;
  }

  close(): void {
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Closes at once, discarding what is queued: a graceful close would wait for the queue to drain,
 * which a client that does not read never lets happen.
 */
function drop(socket: HeraldSocket): void {
  const conn = socket.conn as unknown as EngineConnection;
  const ws = conn.transport?.socket;
  conn.close(true);
  ws?.terminate?.();
}
