/**
 * Connections that must send their request head by a deadline. A client that opens a TCP
 * connection and sends nothing, half a request line or unfinished headers used to stay open
 * forever: in the primary, which reads the head before handing the connection over, and in the
 * workers, whose http.Server never listens itself, so Node's own `headersTimeout` check (started
 * on 'listening') never runs there. One interval walks the pending connections, as the idle
 * sweeper does; there is no timer per connection.
 */
import type { Socket } from 'node:net';
import { unrefTimer, type Clock, type TimerHandle } from '../../shared/clock';

export interface HeadDeadlinesOptions {
  /** Milliseconds a connection has to send its whole request head. @default 10000 (10 s) */
  timeoutMs: number;
  /** Milliseconds between checks. @default 1000 (1 s) */
  intervalMs: number;
}

export const DEFAULT_HEAD_DEADLINES_OPTIONS: HeadDeadlinesOptions = {
  timeoutMs: 10_000,
  intervalMs: 1000,
};

export class HeadDeadlines {
  private options: HeadDeadlinesOptions;
  /** Pending connections and their deadline (ms since epoch); Map keeps insertion order. */
  private readonly pending = new Map<Socket, number>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    options: Partial<HeadDeadlinesOptions> = {},
    /** Called for each connection that missed its deadline, after it was destroyed. */
    private readonly onExpired: (socket: Socket) => void = () => undefined,
  ) {
    this.options = { ...DEFAULT_HEAD_DEADLINES_OPTIONS, ...options };
  }

  /** New settings (a reload); connections already waiting keep their deadline. */
  configure(options: Partial<Pick<HeadDeadlinesOptions, 'timeoutMs'>>): void {
    this.options = { ...this.options, ...options };
  }

  /** Connections still waiting for their head. */
  get size(): number {
    return this.pending.size;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = this.clock.setInterval(() => this.sweep(), this.options.intervalMs);
    unrefTimer(this.timer);
  }

  /**
   * Starts the clock of a connection; it is forgotten once it closes. One listener shared by
   * every connection, removed with the deadline: a connection held for hours keeps no closure.
   */
  add(socket: Socket): void {
    if (this.pending.has(socket)) return;
    this.pending.set(socket, this.clock.now() + this.options.timeoutMs);
    socket.on('close', this.onClose);
  }

  /** The connection sent its head. */
  done(socket: Socket): void {
    if (this.pending.delete(socket)) socket.off('close', this.onClose);
  }

  /** The 'close' listener of every pending connection (`this` is the socket). */
  private readonly onClose = ((pending) =>
    function (this: Socket): void {
      pending.delete(this);
    })(this.pending);

  /** Destroys every connection past its deadline; returns how many. */
  sweep(): number {
    const now = this.clock.now();
    let expired = 0;
    for (const [socket, deadline] of this.pending) {
      if (deadline > now) continue;
      this.pending.delete(socket);
      socket.off('close', this.onClose);
      socket.destroy();
      expired++;
      this.onExpired(socket);
    }
    return expired;
  }

  close(): void {
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
