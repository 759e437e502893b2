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
 * New connections go to the ready worker with the fewest Engine.IO sessions.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Server, Socket } from 'node:net';
import type { Logger } from '../../shared/logger';
import { workerIdOfSession } from '../cluster/session-id';
import type { Supervisor } from './supervisor';

/** Longest request head read before giving up on a connection. */
const MAX_HEAD_BYTES = 16 * 1024;
/** `sid=` followed by Engine.IO's 20 characters. */
const SID_PATTERN = /[?&]sid=([\w-]{20})/;

export class StickyBalancer {
  /** Engine.IO sessions per worker, from the workers' own reports. */
  private readonly sessions = new Map<number, number>();

  constructor(
    private readonly supervisor: Supervisor,
    private readonly logger: Logger,
  ) {
    cluster.on('message', this.onMessage);
    cluster.on('exit', (worker) => this.sessions.delete(worker.id));
  }

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.route(socket));
  }

  close(): void {
    cluster.off('message', this.onMessage);
  }

  private route(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const lineEnd = head.indexOf('\r\n');
      if (lineEnd < 0 && head.length < MAX_HEAD_BYTES) return;
      socket.off('data', onData);
      socket.pause();
      const requestLine = head.subarray(0, lineEnd < 0 ? head.length : lineEnd).toString('latin1');
      const worker = this.pick(requestLine);
      if (worker === undefined) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      // The worker's half (@socket.io/sticky setupWorker) injects the socket and replays `head`.
      worker.send({ type: 'sticky:connection', data: head }, socket, (err: Error | null) => {
        if (err !== null) {
          this.logger.debug('connection hand-off failed', { error: err.message });
          socket.destroy();
        }
      });
    };
    socket.on('data', onData);
  }

  /** The owner of the request's session, or the ready worker with the fewest sessions. */
  private pick(requestLine: string): Worker | undefined {
    const sid = SID_PATTERN.exec(requestLine)?.[1];
    if (sid !== undefined) {
      const owner = cluster.workers?.[workerIdOfSession(sid)];
      if (owner !== undefined && !owner.isDead()) return owner;
    }
    let best: Worker | undefined;
    let fewest = Number.POSITIVE_INFINITY;
    for (const child of this.supervisor.current('worker')) {
      const count = this.sessions.get(child.worker.id) ?? 0;
      if (count < fewest) {
        fewest = count;
        best = child.worker;
      }
    }
    return best;
  }

  private readonly onMessage = (worker: Worker, message: unknown): void => {
    const type = (message as { type?: unknown } | null)?.type;
    if (type === 'sticky:connection') this.sessions.set(worker.id, (this.sessions.get(worker.id) ?? 0) + 1);
    else if (type === 'sticky:disconnection') this.sessions.set(worker.id, Math.max(0, (this.sessions.get(worker.id) ?? 0) - 1));
  };
}
