/**
 * Patch of engine.io 6.6.12 (through socket.io 4.8.3): Engine.IO's protocol-v4 heartbeat kept in
 * two shared queues instead of two timers per connection.
 *
 * Why: every Engine.IO socket owns a ping-interval `Timeout` and, while it waits for a pong, a
 * ping-timeout `Timeout`, each with its own closure: ~230 bytes per idle connection (heap census
 * in docs/BENCHMARKS.md). All sockets of a server share the same two durations, so their deadlines
 * come in the order they are set: one FIFO queue per duration, walked by one timer, holds them
 * all. A socket keeps its deadline in the fields that held the timers (`pingIntervalTimer`: when
 * the next ping is due; `pingTimeoutTimer`: when the awaited pong is late), as numbers on the
 * `performance.now()` clock; a queue entry whose deadline no longer matches its socket's (a pong
 * or a packet moved it, the socket closed) is skipped when its time comes.
 *
 * The semantics are Engine.IO's own, step for step (build/socket.js): the first ping
 * `pingInterval` after the open packet; on a ping the pong is due within `pingTimeout`, else the
 * socket closes with "ping timeout"; any other packet while waiting extends that once, by
 * `pingTimeout` from its arrival; a pong schedules the next ping `pingInterval` after it; closing
 * or discarding the transport (`clearTransport`, also during an upgrade) drops the pong deadline.
 * Protocol v3 sockets (the client pings) keep Engine.IO's own timers. Installed once per process
 * (server/gateway.ts); test/integration/library-patches.test.ts fails when the installed version
 * or the methods replaced here change.
 */
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

/** engine.io's Socket class as socket.io loads it (the copy whose sockets Herald's server makes). */
const EngineSocket = (createRequire(require.resolve('socket.io'))('engine.io') as { Socket: unknown }).Socket;

export const PINNED = [{ library: 'engine.io', version: '6.6.12' }] as const;

/** What the patch reads and writes of an Engine.IO socket. */
interface HeartbeatSocket {
  protocol: number;
  readyState: string;
  hasRefreshedPingTimeout: boolean;
  /** Patched: the `performance.now()` time the next ping is due, or null. */
  pingIntervalTimer: unknown;
  /** Patched: the `performance.now()` time after which a missing pong closes the socket, or null. */
  pingTimeoutTimer: unknown;
  server: { opts: { pingInterval: number; pingTimeout: number } };
  sendPacket(type: string): void;
  onClose(reason: string, description?: unknown): void;
  onError(err: Error): void;
  emit(event: string, ...args: unknown[]): boolean;
}

interface EnginePacket {
  type: string;
  data?: unknown;
}

/** The prototype methods replaced or wrapped. */
interface SocketPrototype {
  schedulePing(this: HeartbeatSocket): void;
  resetPingTimeout(this: HeartbeatSocket): void;
  onPacket(this: HeartbeatSocket, packet: EnginePacket): void;
  onClose(this: HeartbeatSocket, reason: string, description?: unknown): void;
  clearTransport(this: HeartbeatSocket): void;
}

/** What a due entry does to its socket. */
type Due = (socket: HeartbeatSocket) => void;

/**
 * Deadlines of one duration, in the order they were set (so in time order), and one timer for
 * the earliest. Entries are pairs in two arrays read from `head`; the read part is cut off now
 * and then.
 */
class DeadlineQueue {
  private sockets: (HeartbeatSocket | undefined)[] = [];
  private times: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(
    /** True when `socket`'s deadline is still `at` (the entry is not stale). */
    private readonly current: (socket: HeartbeatSocket, at: number) => boolean,
    private readonly fire: Due,
  ) {}

  add(socket: HeartbeatSocket, at: number): void {
    this.sockets.push(socket);
    this.times.push(at);
    if (this.timer === undefined || at < this.timerAt) this.arm(at);
  }

  /** Entries held, stale ones included. */
  get size(): number {
    return this.times.length - this.head;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.run, Math.max(1, Math.ceil(at - performance.now())));
    // The sockets' own handles (or the listening server) keep the process alive, as before.
    this.timer.unref();
  }

  private readonly run = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= now) {
      const socket = this.sockets[this.head];
      const at = this.times[this.head] ?? 0;
      this.sockets[this.head] = undefined;
      this.head++;
      if (socket !== undefined && socket.readyState !== 'closed' && this.current(socket, at)) this.fire(socket);
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.sockets = this.sockets.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    const next = this.times[this.head];
    if (next !== undefined) this.arm(next);
  };
}

/** The queues of every duration in use (a server's pingInterval and pingTimeout). */
const pingQueues = new Map<number, DeadlineQueue>();
const pongQueues = new Map<number, DeadlineQueue>();

function queueOf(queues: Map<number, DeadlineQueue>, ms: number, current: (socket: HeartbeatSocket, at: number) => boolean, fire: Due): DeadlineQueue {
  let queue = queues.get(ms);
  if (queue === undefined) {
    queue = new DeadlineQueue(current, fire);
    queues.set(ms, queue);
  }
  return queue;
}

/** Entries held by the queues, stale ones included (for tests). */
export function heartbeatQueueSize(): number {
  let size = 0;
  for (const queue of [...pingQueues.values(), ...pongQueues.values()]) size += queue.size;
  return size;
}

/** The next ping is due `pingInterval` from now (Engine.IO's `schedulePing`, or `pingIntervalTimer.refresh()`). */
function schedulePing(socket: HeartbeatSocket): void {
  const ms = socket.server.opts.pingInterval;
  const at = performance.now() + ms;
  socket.pingIntervalTimer = at;
  queueOf(pingQueues, ms, (s, t) => s.pingIntervalTimer === t, sendPing).add(socket, at);
}

/** A pong is due within `pingTimeout` from now (Engine.IO's `resetPingTimeout`, or `pingTimeoutTimer.refresh()`). */
function awaitPong(socket: HeartbeatSocket): void {
  const ms = socket.server.opts.pingTimeout;
  const at = performance.now() + ms;
  socket.pingTimeoutTimer = at;
  queueOf(pongQueues, ms, (s, t) => s.pingTimeoutTimer === t, pongMissed).add(socket, at);
}

function sendPing(socket: HeartbeatSocket): void {
  socket.pingIntervalTimer = null;
  socket.hasRefreshedPingTimeout = false;
  socket.sendPacket('ping');
  awaitPong(socket);
}

function pongMissed(socket: HeartbeatSocket): void {
  socket.pingTimeoutTimer = null;
  socket.onClose('ping timeout');
}

let installed = false;

/** Replaces the heartbeat timers of every Engine.IO socket created from now on; idempotent. */
export function installHeartbeatWheel(): void {
  if (installed) return;
  installed = true;
  const proto = (EngineSocket as unknown as { prototype: SocketPrototype }).prototype;
  const original = {
    schedulePing: proto.schedulePing,
    resetPingTimeout: proto.resetPingTimeout,
    onPacket: proto.onPacket,
    onClose: proto.onClose,
    clearTransport: proto.clearTransport,
  };
  proto.schedulePing = function () {
    if (this.protocol === 3) return original.schedulePing.call(this);
    schedulePing(this);
  };
  proto.resetPingTimeout = function () {
    if (this.protocol === 3) return original.resetPingTimeout.call(this);
    awaitPong(this);
  };
  proto.onPacket = function (packet) {
    if (this.protocol === 3 || this.readyState !== 'open') return original.onPacket.call(this, packet);
    this.emit('packet', packet);
    if (this.pingTimeoutTimer !== null && !this.hasRefreshedPingTimeout && packet.type !== 'pong') {
      awaitPong(this);
      this.hasRefreshedPingTimeout = true;
    }
    switch (packet.type) {
      case 'ping':
        this.onError(new Error('invalid heartbeat direction'));
        return;
      case 'pong':
        this.pingTimeoutTimer = null;
        schedulePing(this);
        this.emit('heartbeat');
        break;
      case 'error':
        this.onClose('parse error');
        break;
      case 'message':
        this.emit('data', packet.data);
        this.emit('message', packet.data);
        break;
    }
  };
  proto.onClose = function (reason, description) {
    if (this.protocol !== 3 && this.readyState !== 'closed') {
      this.pingIntervalTimer = null;
      this.pingTimeoutTimer = null;
    }
    original.onClose.call(this, reason, description);
  };
  proto.clearTransport = function () {
    if (this.protocol !== 3) this.pingTimeoutTimer = null;
    original.clearTransport.call(this);
  };
}
