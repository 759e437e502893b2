/**
 * Kicking: `kick { reason, reconnect }`, then the connection closes.
 *
 * How it closes matters to clients that follow Socket.IO's defaults: when the client should come
 * back (idle, shutdown, reload) only the transport is closed, which socket.io-client treats as a
 * lost connection and reconnects; when it should not (admin, logout, too many connections) the
 * namespace is disconnected, which socket.io-client treats as final ("io server disconnect").
 */
import { KICK_RECONNECTS, type KickPayload, type KickReason } from '../../shared/protocol';
import type { Metrics } from '../metrics';
import type { HeraldServer, HeraldSocket } from './types';

export function kickPayload(reason: KickReason, message?: string): KickPayload {
  const payload: KickPayload = { reason, reconnect: KICK_RECONNECTS[reason] };
  if (message !== undefined) payload.message = message;
  return payload;
}

export class Kicker {
  constructor(
    private readonly io: HeraldServer,
    private readonly metrics: Metrics,
  ) {}

  /** Kicks a socket of this worker. */
  kickLocal(socket: HeraldSocket, reason: KickReason, message?: string): void {
    if (!socket.connected) return;
    const payload = kickPayload(reason, message);
    socket.emit('kick', payload);
    this.count(reason, 1);
    if (payload.reconnect) socket.conn.close();
    else socket.disconnect(true);
  }

  /**
   * Kicks every socket in these rooms anywhere in the cluster (a uid room, or socket ids, which
   * are rooms too). Only for reasons that do not reconnect: the adapter can only disconnect the
   * namespace remotely.
   */
  kickEverywhere(rooms: string[], reason: Exclude<KickReason, 'idle' | 'shutdown' | 'reload'>, expected: number, message?: string): void {
    if (rooms.length === 0) return;
    this.io.to(rooms).emit('kick', kickPayload(reason, message));
    this.io.in(rooms).disconnectSockets(true);
    this.count(reason, expected);
  }

  private count(reason: KickReason, n: number): void {
    if (n <= 0) return;
    this.metrics.kicks.inc({ reason }, n);
    this.metrics.counters.kicks += n;
  }
}
