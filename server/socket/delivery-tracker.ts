/**
 * Watches every push delivery to this worker's sockets, in one place:
 * - it marks the socket active (the idle rule counts a push as interaction) and counts deliveries;
 * - it remembers the highest durable `seq` each socket was sent (an `ack` may not go beyond it);
 * - while a socket is replaying stored messages after login, it holds that socket's live
 *   deliveries and releases them after the replay, skipping seqs the replay already sent, so the
 *   client sees increasing seqs.
 *
 * Every broadcast that reaches a worker, local or from another worker or host, ends in the
 * in-memory Adapter's `broadcast()`, which encodes the packet once (`_encode`) and then walks the
 * matching sockets (`apply`). The tracker wraps both on the adapter instance: `_encode` notes the
 * packet, and the `apply` call that follows it visits each socket. Other `apply` callers
 * (fetchSockets, disconnectSockets, socketsJoin) do not encode, so they are not deliveries.
 * Cost per delivery: a property write and two WeakMap lookups; no timer or listener per socket.
 */
import type { Adapter, BroadcastOptions } from 'socket.io-adapter';
import type { Clock } from '../../shared/clock';
import type { Metrics } from '../metrics';
import type { HeraldSocket } from './types';

interface AdapterInternals {
  _encode(packet: unknown, packetOpts: Record<string, unknown>): unknown[];
  apply(opts: BroadcastOptions, callback: (socket: HeraldSocket) => void): void;
}

interface HeldDelivery {
  seq: number | undefined;
  deliver: () => void;
}

/** The durable seq of an encoded event packet (`[event, { seq }]`), if it has one. */
function seqOf(packet: unknown): number | undefined {
  const data = (packet as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return undefined;
  const seq = (data[1] as { seq?: unknown } | null)?.seq;
  return typeof seq === 'number' ? seq : undefined;
}

export class DeliveryTracker {
  private readonly held = new WeakMap<HeraldSocket, HeldDelivery[]>();
  private readonly sentSeq = new WeakMap<HeraldSocket, number>();

  constructor(
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  /** Installs the tracker on a namespace's adapter. */
  attach(adapter: Adapter): void {
    const internals = adapter as unknown as AdapterInternals;
    const encode = internals._encode?.bind(adapter);
    const apply = internals.apply?.bind(adapter);
    if (typeof encode !== 'function' || typeof apply !== 'function') {
      throw new Error('socket.io-adapter internals changed: _encode/apply not found (check the pinned version)');
    }
    let pending: { seq: number | undefined } | undefined;
    internals._encode = (packet, packetOpts) => {
      pending = { seq: seqOf(packet) };
      return encode(packet, packetOpts);
    };
    internals.apply = (opts, callback) => {
      const broadcast = pending;
      pending = undefined;
      if (broadcast === undefined) {
        apply(opts, callback);
        return;
      }
      const now = this.clock.now();
      const { seq } = broadcast;
      let delivered = 0;
      apply(opts, (socket) => {
        socket.data.lastActive = now;
        delivered++;
        if (seq !== undefined) this.noteSent(socket, seq);
        const held = this.held.get(socket);
        if (held !== undefined) held.push({ seq, deliver: () => callback(socket) });
        else callback(socket);
      });
      if (delivered > 0) this.count(delivered);
    };
  }

  /** A direct `socket.emit` of a push (replay): the same bookkeeping as a broadcast. */
  noteDirect(socket: HeraldSocket, seq: number | undefined): void {
    socket.data.lastActive = this.clock.now();
    if (seq !== undefined) this.noteSent(socket, seq);
    this.count(1);
  }

  /** Lets acks up to `seq` through for this socket (what its device's cursor already covers). */
  allowAckUpTo(socket: HeraldSocket, seq: number): void {
    this.noteSent(socket, seq);
  }

  /** The highest durable seq sent to this socket, 0 if none. */
  highestSent(socket: HeraldSocket): number {
    return this.sentSeq.get(socket) ?? 0;
  }

  /** Holds live deliveries to the socket until `release`. */
  hold(socket: HeraldSocket): void {
    if (!this.held.has(socket)) this.held.set(socket, []);
  }

  /** Delivers what was held, in order, except durable pushes with seq ≤ `replayedUpTo`. */
  release(socket: HeraldSocket, replayedUpTo: number): void {
    const held = this.held.get(socket);
    if (held === undefined) return;
    this.held.delete(socket);
    if (!socket.connected) return;
    for (const item of held) {
      if (item.seq !== undefined && item.seq <= replayedUpTo) continue;
      item.deliver();
    }
  }

  private noteSent(socket: HeraldSocket, seq: number): void {
    if (seq > (this.sentSeq.get(socket) ?? 0)) this.sentSeq.set(socket, seq);
  }

  private count(n: number): void {
    this.metrics.deliveries.inc(n);
    this.metrics.counters.deliveries += n;
  }
}
