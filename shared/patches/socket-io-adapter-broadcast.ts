/**
 * Patch of socket.io-adapter 2.5.8 (the in-memory `Adapter`, through socket.io 4.8.3): lets Herald
 * watch every broadcast delivered to this process's sockets (server/socket/delivery-tracker.ts).
 *
 * Why: every broadcast that reaches a worker, local or from another worker or host, ends in the
 * Adapter's `broadcast()`, which encodes the packet once (`_encode`, private) and then walks the
 * matching sockets (`apply`), handing each to a writer callback. socket.io offers no hook there.
 * This wraps both on the adapter instance: `_encode` tells the tap about the packet, and the
 * `apply` call that follows it goes to the tap's `deliver`. Other `apply` callers
 * (fetchSockets, disconnectSockets, socketsJoin) do not encode, so they are not deliveries and
 * pass through untouched. test/integration/library-patches.test.ts fails when the installed
 * version or this behaviour changes.
 */
import type { Adapter, BroadcastOptions } from 'socket.io-adapter';

export const PINNED = [{ library: 'socket.io-adapter', version: '2.5.8' }] as const;

interface AdapterInternals<S> {
  _encode(packet: unknown, packetOpts: Record<string, unknown>): unknown[];
  apply(opts: BroadcastOptions, callback: (socket: S) => void): void;
}

export interface BroadcastTap<S, B> {
  /** A broadcast's packet was just encoded (`packetOpts.wsPreEncodedFrame`: its ws frame, if any). */
  encoded(packet: unknown, packetOpts: Record<string, unknown>): B;
  /**
   * Delivers the broadcast encoded just before: `apply(opts, visit)` walks its sockets as the
   * adapter would, and `write(socket)` is the adapter's own write to one socket.
   */
  deliver(broadcast: B, opts: BroadcastOptions, apply: (opts: BroadcastOptions, visit: (socket: S) => void) => void, write: (socket: S) => void): void;
}

/** Installs `tap` on one adapter instance. Throws if the internals it relies on are gone. */
export function tapBroadcasts<S, B>(adapter: Adapter, tap: BroadcastTap<S, B>): void {
  const internals = adapter as unknown as AdapterInternals<S>;
  const encode = internals._encode?.bind(adapter);
  const apply = internals.apply?.bind(adapter);
  if (typeof encode !== 'function' || typeof apply !== 'function') {
    throw new Error('socket.io-adapter internals changed: _encode/apply not found (check the pinned version)');
  }
  // The broadcast encoded last, until the apply() that follows takes it (no wrapper object per broadcast).
  let pending: B | undefined;
  let hasPending = false;
  internals._encode = (packet, packetOpts) => {
    const encoded = encode(packet, packetOpts);
    pending = tap.encoded(packet, packetOpts);
    hasPending = true;
    return encoded;
  };
  internals.apply = (opts, callback) => {
    if (!hasPending) return apply(opts, callback);
    const broadcast = pending as B;
    pending = undefined;
    hasPending = false;
    tap.deliver(broadcast, opts, apply, callback);
  };
}
