/**
 * Routing for `tls.cert`/`tls.key`: @socket.io/sticky reads the session id from the first bytes
 * of a request, which TLS hides. Instead the primary hashes the client's address, as nginx's
 * `ip_hash` does, and hands the still-encrypted TCP connection to that worker slot's process,
 * which does the TLS handshake itself. A client keeps its worker, so long-polling works; the
 * primary never reads a byte (the server pauses connections on accept), so nothing is lost in
 * the hand-off.
 */
import cluster from 'node:cluster';
import type { Server, Socket } from 'node:net';
import type { Logger } from '../../shared/logger';
import { normalizeIp } from '../http/client-address';
import { isRefusal, type ConnectionLimits } from './connection-limits';
import type { Supervisor } from './supervisor';

/** FNV-1a over the address: stable across processes and restarts. */
export function hashAddress(address: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < address.length; i++) {
    hash ^= address.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The connection limits count the peer's address (X-Forwarded-For is encrypted); a refused
 * connection is closed without an answer, which would need the TLS handshake.
 */
export function setupTlsBalancer(server: Server, supervisor: Supervisor, logger: Logger, limits: ConnectionLimits): void {
  cluster.on('message', (_worker, message: { type?: unknown; connection?: unknown } | null) => {
    if (message?.type === 'herald:connection-closed' && typeof message.connection === 'number') limits.closed(message.connection);
  });
  cluster.on('exit', (worker) => limits.workerGone(worker.id));
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    const address = normalizeIp(socket.remoteAddress);
    const tracked = limits.accept();
    if (isRefusal(tracked) || limits.identify(tracked, address) !== undefined) {
      socket.destroy();
      return;
    }
    const child = supervisor.pickByHash('worker', hashAddress(address));
    if (child === undefined) {
      limits.release(tracked);
      socket.destroy();
      return;
    }
    limits.handedOff(tracked, child.worker.id);
    child.worker.send({ type: 'herald:tls-connection', connection: tracked.id }, socket, (err: Error | null) => {
      if (err !== null) {
        logger.debug('TLS connection hand-off failed', { error: err.message });
        limits.release(tracked);
        socket.destroy();
      }
    });
  });
}
