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
 *
 * The `apply` handed to the tap walks a broadcast to everyone (no rooms, no exceptions) over the
 * namespace's socket map itself: the adapter's own walk goes over its `sids` map and looks each id
 * up in `nsp.sockets`, with an empty exception Set built per broadcast — a Map lookup per
 * delivery that selects the very same sockets (a socket joins its own room in the same turn it
 * enters `nsp.sockets`, and leaves both in one call when it closes).
 */
import type { Adapter, BroadcastOptions } from 'socket.io-adapter';

export const PINNED = [{ library: 'socket.io-adapter', version: '2.5.8' }] as const;

interface AdapterInternals<S> {
  _encode(packet: unknown, packetOpts: Record<string, unknown>): unknown[];
  apply(opts: BroadcastOptions, callback: (socket: S) => void): void;
  nsp?: { sockets?: Map<string, S> };
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
  const adapterApply = internals.apply?.bind(adapter);
  const sockets = internals.nsp?.sockets;
  if (typeof encode !== 'function' || typeof adapterApply !== 'function' || !(sockets instanceof Map)) {
    throw new Error('socket.io-adapter internals changed: _encode/apply/nsp.sockets not found (check the pinned version)');
  }
  const apply = (opts: BroadcastOptions, callback: (socket: S) => void): void => {
    if (opts.rooms.size > 0 || (opts.except !== undefined && opts.except.size > 0)) return adapterApply(opts, callback);
    for (const socket of sockets.values()) callback(socket);
  };
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
    if (!hasPending) return adapterApply(opts, callback);
    const broadcast = pending as B;
    pending = undefined;
    hasPending = false;
    tap.deliver(broadcast, opts, apply, callback);
  };
}
