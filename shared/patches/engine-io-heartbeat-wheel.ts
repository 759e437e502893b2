/**
 * Patch of engine.io 6.6.12 (through socket.io 4.8.3): Engine.IO's protocol-v4 heartbeat kept in
 * two shared queues instead of two timers per connection.
 *
 * Why: every Engine.IO socket owns a ping-interval `Timeout` and, while it waits for a pong, a
 * ping-timeout `Timeout`, each with its own closure: ~230 bytes per idle connection (heap census
 * in docs/BENCHMARKS.md). All sockets of a server share the same two durations, so their deadlines
 * come in the order they are set: one FIFO queue per duration, walked by one timer, holds them
 * all. A socket keeps its place in them in the fields that held the timers (`pingIntervalTimer`:
 * its entry in the ping queue; `pingTimeoutTimer`: in the pong queue), as small numbers; an entry
 * its socket moved on from (a pong or a packet set a new deadline, the socket closed) lets go of
 * the socket at once and is skipped when its time comes.
 *
 * The semantics are Engine.IO's own, step for step (build/socket.js): the first ping
 * `pingInterval` after the open packet; on a ping the pong is due within `pingTimeout`, else the
 * socket closes with "ping timeout"; any other packet while waiting extends that once, by
 * `pingTimeout` from its arrival; a pong schedules the next ping `pingInterval` after it; closing
 * or discarding the transport (`clearTransport`, also during an upgrade) drops the pong deadline.
 * Protocol v3 sockets (the client pings) keep Engine.IO's own timers. On a pong, an empty
 * `sentCallbackFn` gives up its spare slots (~120 bytes an idle connection would otherwise keep).
 * Installed once per process (server/gateway.ts); test/integration/library-patches.test.ts fails
 * when the installed version or the methods replaced here change.
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
  /** Patched: the socket's entry in the ping queue (its next ping), or null. */
  pingIntervalTimer: unknown;
  /** Patched: the socket's entry in the pong queue (the awaited pong's deadline), or null. */
  pingTimeoutTimer: unknown;
  server: { opts: { pingInterval: number; pingTimeout: number } };
  /** Engine.IO's list of send callbacks per flush, shifted on each 'drain'. */
  sentCallbackFn: unknown[];
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
 * the earliest. Entries are pairs in two arrays read from `head`; an entry is known by its number
 * (`base` + its index), which its socket keeps in the field of that deadline. The read part is
 * cut off now and then. A released entry (its deadline moved or its socket closed) lets go of the
 * socket at once, so a closed socket is not kept until its old deadline.
 */
class DeadlineQueue {
  private sockets: (HeartbeatSocket | undefined)[] = [];
  private times: number[] = [];
  private head = 0;
  /** The number of the entry at index 0. */
  private base = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(
    /** True when `socket` still waits on entry `entry` (the entry is not stale). */
    private readonly current: (socket: HeartbeatSocket, entry: number) => boolean,
    private readonly fire: Due,
  ) {}

  /** Adds a deadline; returns the entry's number. */
  add(socket: HeartbeatSocket, at: number): number {
    const entry = this.base + this.sockets.length;
    this.sockets.push(socket);
    this.times.push(at);
    if (this.timer === undefined || at < this.timerAt) this.arm(at);
    return entry;
  }

  /** Forgets the socket of an entry that is no longer its deadline. */
  release(entry: number): void {
    const index = entry - this.base;
    if (index >= this.head && index < this.sockets.length) this.sockets[index] = undefined;
  }

  /** Entries held, stale ones included. */
  get size(): number {
    return this.times.length - this.head;
  }

  /** Sockets still referenced by entries. */
  get referenced(): number {
    let count = 0;
    for (let i = this.head; i < this.sockets.length; i++) if (this.sockets[i] !== undefined) count++;
    return count;
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
      const entry = this.base + this.head;
      this.sockets[this.head] = undefined;
      this.head++;
      if (socket !== undefined && socket.readyState !== 'closed' && this.current(socket, entry)) this.fire(socket);
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.sockets = this.sockets.slice(this.head);
      this.times = this.times.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
    const next = this.times[this.head];
    if (next !== undefined) this.arm(next);
  };
}

/** The queues of every duration in use (a server's pingInterval and pingTimeout). */
const pingQueues = new Map<number, DeadlineQueue>();
const pongQueues = new Map<number, DeadlineQueue>();

function pingQueue(socket: HeartbeatSocket): DeadlineQueue {
  const ms = socket.server.opts.pingInterval;
  let queue = pingQueues.get(ms);
  if (queue === undefined) {
    queue = new DeadlineQueue((s, entry) => s.pingIntervalTimer === entry, sendPing);
    pingQueues.set(ms, queue);
  }
  return queue;
}

function pongQueue(socket: HeartbeatSocket): DeadlineQueue {
  const ms = socket.server.opts.pingTimeout;
  let queue = pongQueues.get(ms);
  if (queue === undefined) {
    queue = new DeadlineQueue((s, entry) => s.pingTimeoutTimer === entry, pongMissed);
    pongQueues.set(ms, queue);
  }
  return queue;
}

/** Entries held by the queues, stale ones included, and the sockets they still reference (for tests). */
export function heartbeatQueues(): { entries: number; sockets: number } {
  let entries = 0;
  let sockets = 0;
  for (const queue of [...pingQueues.values(), ...pongQueues.values()]) {
    entries += queue.size;
    sockets += queue.referenced;
  }
  return { entries, sockets };
}

/** Drops the socket's pending ping. */
function cancelPing(socket: HeartbeatSocket): void {
  if (typeof socket.pingIntervalTimer === 'number') pingQueue(socket).release(socket.pingIntervalTimer);
  socket.pingIntervalTimer = null;
}

/** Drops the socket's pong deadline. */
function cancelPong(socket: HeartbeatSocket): void {
  if (typeof socket.pingTimeoutTimer === 'number') pongQueue(socket).release(socket.pingTimeoutTimer);
  socket.pingTimeoutTimer = null;
}

/** The next ping is due `pingInterval` from now (Engine.IO's `schedulePing`, or `pingIntervalTimer.refresh()`). */
function schedulePing(socket: HeartbeatSocket): void {
  cancelPing(socket);
  socket.pingIntervalTimer = pingQueue(socket).add(socket, performance.now() + socket.server.opts.pingInterval);
}

/** A pong is due within `pingTimeout` from now (Engine.IO's `resetPingTimeout`, or `pingTimeoutTimer.refresh()`). */
function awaitPong(socket: HeartbeatSocket): void {
  cancelPong(socket);
  socket.pingTimeoutTimer = pongQueue(socket).add(socket, performance.now() + socket.server.opts.pingTimeout);
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
        cancelPong(this);
        schedulePing(this);
        // The ping is answered, so its flush has drained: an idle socket's send-callback list
        // gives up the 17 slots its first push grew it to until its next send.
        if (this.sentCallbackFn.length === 0) this.sentCallbackFn.length = 0;
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
      cancelPing(this);
      cancelPong(this);
    }
    original.onClose.call(this, reason, description);
  };
  proto.clearTransport = function () {
    if (this.protocol !== 3) cancelPong(this);
    original.clearTransport.call(this);
  };
}
