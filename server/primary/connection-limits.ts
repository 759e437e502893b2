/**
 * Open TCP connections of this host, counted in the primary where they arrive: per client
 * address and in total. One address could open 3,000+ anonymous sockets (~38 KB each in a
 * worker) before; now the connection past `maxPerIp` is answered 429 and the one past `maxTotal`
 * 503. A connection counts from its accept until it closes: in the primary while its head is
 * read, then on the worker it was handed to, which reports its close
 * (`herald:connection-closed`); a worker that exits takes its connections with it.
 *
 * The same table gives the balancer each worker's open connections the moment they are handed
 * over, before the worker has reported a session (sticky-balancer.ts).
 */
import type { ErrorCode } from '../../shared/errors';

export interface ConnectionLimitsOptions {
  /** Open connections one client address may hold; 0: no limit. @default 1000 */
  maxPerIp: number;
  /** Addresses the per-address limit skips. @default loopback (127.0.0.1, ::1) */
  exempt: ReadonlySet<string>;
  /** Open connections on this host; 0: no limit. @default 200000 */
  maxTotal: number;
}

export const DEFAULT_CONNECTION_LIMITS_OPTIONS: ConnectionLimitsOptions = {
  maxPerIp: 1000,
  exempt: new Set(['127.0.0.1', '::1']),
  maxTotal: 200_000,
};

/** One counted connection. */
export interface TrackedConnection {
  readonly id: number;
  /** The client address it is counted under, once known. */
  key?: string;
  /** The worker it was handed to. */
  workerId?: number;
  released: boolean;
}

export interface Refusal {
  status: 429 | 503;
  code: ErrorCode;
  message: string;
  /** Seconds after which a new connection may be accepted. */
  retryAfter: number;
}

/** Seconds a refused client is told to wait. */
const RETRY_AFTER_SECONDS = 10;

export class ConnectionLimits {
  private options: ConnectionLimitsOptions;
  private readonly open = new Map<number, TrackedConnection>();
  private readonly perKey = new Map<string, number>();
  private readonly byWorker = new Map<number, Set<number>>();
  private nextId = 1;
  /** Refused connections since start, by reason. */
  readonly refused = { perIp: 0, total: 0 };

  constructor(options: Partial<ConnectionLimitsOptions> = {}) {
    this.options = { ...DEFAULT_CONNECTION_LIMITS_OPTIONS, ...options };
  }

  /** New limits (a reload): connections already open stay; new ones are checked against them. */
  configure(options: Partial<ConnectionLimitsOptions>): void {
    this.options = { ...this.options, ...options };
  }

  /** Open connections on this host. */
  get total(): number {
    return this.open.size;
  }

  /** Open connections handed to a worker. */
  onWorker(workerId: number): number {
    return this.byWorker.get(workerId)?.size ?? 0;
  }

  /** Open connections of a client address. */
  ofAddress(key: string): number {
    return this.perKey.get(key) ?? 0;
  }

  /** A new connection: counted, or refused when the host is full. */
  accept(): TrackedConnection | Refusal {
    if (this.options.maxTotal > 0 && this.open.size >= this.options.maxTotal) {
      this.refused.total++;
      return { status: 503, code: 'UNAVAILABLE', message: 'this host has too many open connections', retryAfter: RETRY_AFTER_SECONDS };
    }
    const connection: TrackedConnection = { id: this.nextId++, released: false };
    this.open.set(connection.id, connection);
    return connection;
  }

  /** The connection's client address is known: counted under it, or refused (and released). */
  identify(connection: TrackedConnection, key: string): Refusal | undefined {
    if (connection.released || connection.key !== undefined) return undefined;
    const count = this.perKey.get(key) ?? 0;
    if (this.options.maxPerIp > 0 && count >= this.options.maxPerIp && !this.options.exempt.has(key)) {
      this.refused.perIp++;
      this.release(connection);
      return { status: 429, code: 'RATE_LIMITED', message: 'too many open connections from this address', retryAfter: RETRY_AFTER_SECONDS };
    }
    connection.key = key;
    this.perKey.set(key, count + 1);
    return undefined;
  }

  /** The connection now lives on a worker, which reports its close. */
  handedOff(connection: TrackedConnection, workerId: number): void {
    if (connection.released) return;
    connection.workerId = workerId;
    let ids = this.byWorker.get(workerId);
    if (ids === undefined) this.byWorker.set(workerId, (ids = new Set()));
    ids.add(connection.id);
  }

  /** A worker reported the close of a connection it was handed. */
  closed(id: number): void {
    const connection = this.open.get(id);
    if (connection !== undefined) this.release(connection);
  }

  /** A worker exited: every connection it held is gone. */
  workerGone(workerId: number): void {
    const ids = this.byWorker.get(workerId);
    if (ids === undefined) return;
    for (const id of [...ids]) this.closed(id);
    this.byWorker.delete(workerId);
  }

  /** The connection closed or was refused; idempotent. */
  release(connection: TrackedConnection): void {
    if (connection.released) return;
    connection.released = true;
    this.open.delete(connection.id);
    if (connection.key !== undefined) {
      const left = (this.perKey.get(connection.key) ?? 1) - 1;
      if (left > 0) this.perKey.set(connection.key, left);
      else this.perKey.delete(connection.key);
    }
    if (connection.workerId !== undefined) this.byWorker.get(connection.workerId)?.delete(connection.id);
  }
}

export function isRefusal(value: TrackedConnection | Refusal | undefined): value is Refusal {
  return value !== undefined && 'status' in value;
}

/** The HTTP answer to a refused connection: the error body every Herald error has. */
export function refusalResponse(refusal: Refusal): string {
  const body = JSON.stringify({ ok: false, error: { code: refusal.code, message: refusal.message, retryAfter: refusal.retryAfter } });
  const reason = refusal.status === 429 ? 'Too Many Requests' : 'Service Unavailable';
  return (
    `HTTP/1.1 ${refusal.status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: ${refusal.retryAfter}\r\n` +
    `Connection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}
