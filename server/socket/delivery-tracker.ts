/**
 * Marks a socket as active when a push is delivered to it, which the idle rule counts as
 * interaction, and counts deliveries.
 *
 * Every broadcast that reaches a worker, local or from another worker or host, ends in the
 * in-memory Adapter's `broadcast()`, which encodes the packet once (`_encode`) and then walks the
 * matching sockets (`apply`). We wrap both on the adapter instance: `_encode` raises a flag,
 * and the `apply` call that follows it stamps each socket it visits. Other `apply` callers
 * (fetchSockets, disconnectSockets, socketsJoin) do not encode, so they do not count as activity.
 * Cost per delivery: one property write; no timer and no listener per socket.
 */
import type { Adapter, BroadcastOptions } from 'socket.io-adapter';
import type { Clock } from '../../shared/clock';
import type { Metrics } from '../metrics';
import type { HeraldSocket } from './types';

interface AdapterInternals {
  _encode(packet: unknown, packetOpts: Record<string, unknown>): unknown[];
  apply(opts: BroadcastOptions, callback: (socket: HeraldSocket) => void): void;
}

export function trackDeliveries(adapter: Adapter, clock: Clock, metrics: Metrics): void {
  const internals = adapter as unknown as AdapterInternals;
  const encode = internals._encode.bind(adapter);
  const apply = internals.apply.bind(adapter);
  if (typeof encode !== 'function' || typeof apply !== 'function') {
    throw new Error('socket.io-adapter internals changed: _encode/apply not found (check the pinned version)');
  }
  let broadcasting = false;
  internals._encode = (packet, packetOpts) => {
    broadcasting = true;
    return encode(packet, packetOpts);
  };
  internals.apply = (opts, callback) => {
    if (!broadcasting) {
      apply(opts, callback);
      return;
    }
    broadcasting = false;
    const now = clock.now();
    let delivered = 0;
    apply(opts, (socket) => {
      socket.data.lastActive = now;
      delivered++;
      callback(socket);
    });
    if (delivered > 0) {
      metrics.deliveries.inc(delivered);
      metrics.counters.deliveries += delivered;
    }
  };
}
