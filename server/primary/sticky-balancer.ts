/**
 * The primary's half of sticky sessions. Workers run @socket.io/sticky's worker half
 * (`setupWorker`) and speak its messages (`sticky:connection` to receive a socket,
 * `sticky:connection`/`sticky:disconnection` to report sessions); this module replaces the
 * package's primary half, which fails three ways we measured:
 *
 * 1. A long-polling client's second request can reach the primary before the worker's
 *    "this session is mine" message does, and is then sent to the least-loaded worker instead:
 *    `400 Session ID unknown` (25 of 400 requests with 10 concurrent handshakes). Here the worker
 *    writes its own id into every Engine.IO session id it creates (cluster/session-id.ts), so the
 *    primary reads the owner from the id itself and no message can be late.
 * 2. Node keeps reading a socket in the primary until its transfer completes and drops what it
 *    reads (see socket-handoff.ts); here reading stops before the hand-off.
 * 3. A request with a body was relayed chunk by chunk over IPC in both directions; with (2) fixed
 *    the socket itself can always be handed over, so bodies never cross the primary.
 *
 * New connections go to the ready worker with the fewest connections, counted the moment each is
 * handed over (a burst of 200 at once put 198 on one worker when only the workers' own session
 * reports counted). A worker slot that is restarting (a killed worker respawns within a second or
 * so) gets its share of new connections too: they wait for it, at most `holdMs`, instead of all
 * landing on the survivors and staying there.
 *
 * Before a connection is handed over it must send its whole request head within
 * `headTimeoutMs`, and it counts against the per-address and host-wide connection limits
 * (connection-limits.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Server, Socket } from 'node:net';
import { systemClock, unrefTimer, type Clock, type TimerHandle } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { HeadDeadlines } from '../cluster/head-deadlines';
import { workerIdOfSession } from '../cluster/session-id';
import { clientAddress, normalizeIp } from '../http/client-address';
import { ConnectionLimits, isRefusal, refusalResponse, type Refusal, type TrackedConnection } from './connection-limits';
import type { Supervisor } from './supervisor';

/** Longest request head read before giving up on a connection. */
const MAX_HEAD_BYTES = 16 * 1024;
/** `sid=` followed by Engine.IO's 20 characters. */
const SID_PATTERN = /[?&]sid=([\w-]{20})/;
/** An X-Forwarded-For header line of a request head. */
const FORWARDED_FOR_PATTERN = /\r\nx-forwarded-for:[ \t]*([^\r\n]*)/gi;

export interface StickyBalancerOptions {
  /** Milliseconds a new connection has to send its request head. @default 10000 (10 s) */
  headTimeoutMs: number;
  /** Addresses whose X-Forwarded-For names the client. @default none */
  trustedProxies: ReadonlySet<string>;
  /** Longest a new connection waits for a worker slot that is restarting. @default 3000 (3 s) */
  holdMs: number;
  /** A slot whose respawn is due within this many milliseconds gets its share of new connections. @default 1500 */
  upcomingWithinMs: number;
  clock: Clock;
}

export const DEFAULT_STICKY_BALANCER_OPTIONS: StickyBalancerOptions = {
  headTimeoutMs: 10_000,
  trustedProxies: new Set(),
  holdMs: 3000,
  upcomingWithinMs: 1500,
  clock: systemClock,
};

/** A connection whose head was read, on its way to a worker. */
interface Pending {
  socket: Socket;
  head: Buffer;
  tracked: TrackedConnection;
  /** Releases the connection's count if it closes before the hand-off. */
  onClose: () => void;
  /** Held for a restarting slot until then (ms since epoch). */
  heldUntil?: number;
}

/** Milliseconds between checks of held connections. */
const HOLD_CHECK_MS = 100;

export class StickyBalancer {
  /** Engine.IO sessions per worker, from the workers' own reports. */
  private readonly sessions = new Map<number, number>();
  private options: StickyBalancerOptions;
  private readonly deadlines: HeadDeadlines;
  /** Connections waiting for a restarting worker slot, by slot index. */
  private readonly held = new Map<number, Pending[]>();
  private holdTimer: TimerHandle | undefined;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly logger: Logger,
    readonly limits: ConnectionLimits = new ConnectionLimits(),
    options: Partial<StickyBalancerOptions> = {},
  ) {
    this.options = { ...DEFAULT_STICKY_BALANCER_OPTIONS, ...options };
    this.deadlines = new HeadDeadlines(this.options.clock, { timeoutMs: this.options.headTimeoutMs });
    cluster.on('message', this.onMessage);
    cluster.on('exit', this.onExit);
  }

  /** New settings (a reload). */
  configure(options: Partial<Pick<StickyBalancerOptions, 'headTimeoutMs' | 'trustedProxies'>>): void {
    this.options = { ...this.options, ...options };
    this.deadlines.configure({ timeoutMs: this.options.headTimeoutMs });
  }

  attach(server: Server): void {
    this.deadlines.start();
    server.on('connection', (socket: Socket) => this.route(socket));
  }

  close(): void {
    cluster.off('message', this.onMessage);
    cluster.off('exit', this.onExit);
    this.deadlines.close();
    if (this.holdTimer !== undefined) this.options.clock.clearInterval(this.holdTimer);
    this.holdTimer = undefined;
  }

  private route(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    const tracked = this.limits.accept();
    if (isRefusal(tracked)) return refuse(socket, tracked, this.deadlines);
    const peer = normalizeIp(socket.remoteAddress);
    const proxied = this.options.trustedProxies.has(peer);
    if (!proxied) {
      const refusal = this.limits.identify(tracked, peer);
      if (refusal !== undefined) return refuse(socket, refusal, this.deadlines);
    }
    const onClose = (): void => this.limits.release(tracked);
    socket.once('close', onClose);
    this.deadlines.add(socket);
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      if (head.indexOf('\r\n\r\n') < 0 && head.length < MAX_HEAD_BYTES) return;
      socket.off('data', onData);
      socket.pause();
      this.deadlines.done(socket);
      if (proxied) {
        const refusal = this.limits.identify(tracked, clientAddress(peer, forwardedFor(head), this.options.trustedProxies));
        if (refusal !== undefined) {
          socket.off('close', onClose);
          return refuse(socket, refusal, this.deadlines);
        }
      }
      this.dispatch({ socket, head, tracked, onClose });
    };
    socket.on('data', onData);
  }

  /** To the session's owner, to the least-loaded worker, or held for a restarting slot. */
  private dispatch(pending: Pending): void {
    const lineEnd = pending.head.indexOf('\r\n');
    const requestLine = pending.head.subarray(0, lineEnd < 0 ? pending.head.length : lineEnd).toString('latin1');
    const sid = SID_PATTERN.exec(requestLine)?.[1];
    if (sid !== undefined) {
      const owner = cluster.workers?.[workerIdOfSession(sid)];
      if (owner !== undefined && !owner.isDead()) return this.handOff(owner, pending);
    }
    const choice = this.choose(true);
    if (choice === undefined) return this.unavailable(pending);
    if (typeof choice === 'number') return this.hold(choice, pending);
    this.handOff(choice, pending);
  }

  /** No worker to take the connection: 503, as before a worker is ready. */
  private unavailable(pending: Pending): void {
    pending.socket.off('close', pending.onClose);
    this.limits.release(pending.tracked);
    pending.socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }

  /**
   * The ready worker with the fewest connections, or (with `upcoming`) a restarting slot that has
   * fewer held for it than that: a worker's load is its sessions or its open connections
   * (counted at hand-off), whichever is higher.
   */
  private choose(upcoming: boolean): Worker | number | undefined {
    let best: Worker | number | undefined;
    let fewest = Number.POSITIVE_INFINITY;
    for (const child of this.supervisor.current('worker')) {
      const id = child.worker.id;
      const load = Math.max(this.sessions.get(id) ?? 0, this.limits.onWorker(id));
      if (load < fewest) {
        fewest = load;
        best = child.worker;
      }
    }
    if (!upcoming) return best;
    for (const index of this.supervisor.upcoming('worker', this.options.upcomingWithinMs)) {
      const load = this.held.get(index)?.length ?? 0;
      if (load < fewest) {
        fewest = load;
        best = index;
      }
    }
    return best;
  }

  private handOff(worker: Worker, pending: Pending): void {
    const { socket, head, tracked } = pending;
    // From here the worker reports the close: the primary's copy closes with the transfer.
    socket.off('close', pending.onClose);
    if (socket.destroyed) {
      this.limits.release(tracked);
      return;
    }
    this.limits.handedOff(tracked, worker.id);
    // The worker's half (@socket.io/sticky setupWorker) injects the socket and replays `head`;
    // Herald's own listener (worker/connection-reports.ts) reports the close of `connection`.
    worker.send({ type: 'sticky:connection', data: head, connection: tracked.id }, socket, (err: Error | null) => {
      if (err !== null) {
        this.logger.debug('connection hand-off failed', { error: err.message });
        this.limits.release(tracked);
        socket.destroy();
      }
    });
  }

  private hold(index: number, pending: Pending): void {
    pending.heldUntil = this.options.clock.now() + this.options.holdMs;
    let list = this.held.get(index);
    if (list === undefined) this.held.set(index, (list = []));
    list.push(pending);
    if (this.holdTimer === undefined) {
      this.holdTimer = this.options.clock.setInterval(() => this.checkHeld(), HOLD_CHECK_MS);
      unrefTimer(this.holdTimer);
    }
  }

  /** Hands held connections to their slot's process once ready; elsewhere when it is late. */
  private checkHeld(): void {
    const now = this.options.clock.now();
    const ready = new Map(this.supervisor.current('worker').map((c) => [c.index, c.worker]));
    for (const [index, list] of this.held) {
      const worker = ready.get(index);
      if (worker !== undefined) {
        this.held.delete(index);
        for (const pending of list) this.handOff(worker, pending);
        continue;
      }
      while (list.length > 0 && ((list[0] as Pending).heldUntil ?? 0) <= now) {
        const pending = list.shift() as Pending;
        const choice = this.choose(false);
        if (choice === undefined || typeof choice === 'number') this.unavailable(pending);
        else this.handOff(choice, pending);
      }
      if (list.length === 0) this.held.delete(index);
    }
    if (this.held.size === 0 && this.holdTimer !== undefined) {
      this.options.clock.clearInterval(this.holdTimer);
      this.holdTimer = undefined;
    }
  }

  private readonly onMessage = (worker: Worker, message: unknown): void => {
    const msg = message as { type?: unknown; connection?: unknown } | null;
    const type = msg?.type;
    if (type === 'sticky:connection') this.sessions.set(worker.id, (this.sessions.get(worker.id) ?? 0) + 1);
    else if (type === 'sticky:disconnection') this.sessions.set(worker.id, Math.max(0, (this.sessions.get(worker.id) ?? 0) - 1));
    else if (type === 'herald:connection-closed' && typeof msg?.connection === 'number') this.limits.closed(msg.connection);
    else if (type === 'herald:worker-ready' && this.held.size > 0) setImmediate(() => this.checkHeld());
  };

  private readonly onExit = (worker: Worker): void => {
    this.sessions.delete(worker.id);
    this.limits.workerGone(worker.id);
  };
}

/** The X-Forwarded-For values of a request head, joined as one list. */
function forwardedFor(head: Buffer): string | undefined {
  const text = head.toString('latin1');
  const values: string[] = [];
  for (const match of text.matchAll(FORWARDED_FOR_PATTERN)) values.push(match[1] as string);
  return values.length > 0 ? values.join(',') : undefined;
}

/**
 * Answers a refused connection and closes it. What the client already sent is read and dropped,
 * so the close does not reset the connection before the answer arrives; the head deadline
 * destroys one that never closes its end.
 */
function refuse(socket: Socket, refusal: Refusal, deadlines: HeadDeadlines): void {
  socket.on('data', () => undefined);
  socket.resume();
  deadlines.add(socket);
  socket.end(refusalResponse(refusal));
}
