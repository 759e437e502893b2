/**
 * Routing for `tls.cert`/`tls.key`: @socket.io/sticky reads the session id from the first bytes
 * of a request, which TLS hides. Instead the primary hashes the client's address, as nginx's
 * `ip_hash` does, and hands the still-encrypted TCP connection to that worker slot's process,
 * which does the TLS handshake itself. A client keeps its worker, so long-polling works; the
 * primary never reads a byte (the server pauses connections on accept), so nothing is lost in
 * the hand-off.
 */
import type { Server, Socket } from 'node:net';
import type { Logger } from '../../shared/logger';
import { normalizeIp } from '../http/client-address';
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

export function setupTlsBalancer(server: Server, supervisor: Supervisor, logger: Logger): void {
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    const child = supervisor.pickByHash('worker', hashAddress(normalizeIp(socket.remoteAddress)));
    if (child === undefined) {
      socket.destroy();
      return;
    }
    child.worker.send({ type: 'herald:tls-connection' }, socket, (err: Error | null) => {
      if (err !== null) {
        logger.debug('TLS connection hand-off failed', { error: err.message });
        socket.destroy();
      }
    });
  });
}
