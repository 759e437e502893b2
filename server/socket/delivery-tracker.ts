/**
 * Watches every push delivery to this worker's sockets, in one place:
 * - it marks the socket active (the idle rule counts a push as interaction) and counts deliveries;
 * - it passes each durable copy through the seq gate (socket/seq-gate.ts), which lets it out
 *   only in seq order with nothing skipped, and holds a socket's ephemeral pushes while the gate
 *   fills that socket from the store (login replay, a hole, a resync).
 *
 * Every broadcast that reaches a worker, local or from another worker or host, is seen here once
 * (shared/patches/socket-io-adapter-broadcast.ts): the tracker notes the packet when the adapter
 * encodes it, then visits each socket it goes to. Cost per delivery: a property write or two on
 * socket.data and one comparison for a durable copy; a WeakMap lookup only while some socket of
 * the worker is being filled; no timer or listener per socket.
 *
 * It also writes a broadcast straight to each websocket when it can
 * (shared/patches/engine-io-direct-write.ts): the frame socket.io-adapter built once, joined into
 * one buffer, skipping Engine.IO's per-recipient work (docs/BENCHMARKS.md).
 */
import type { Adapter, BroadcastOptions } from 'socket.io-adapter';
import type { Clock } from '../../shared/clock';
import { writeFrameDirectly } from '../../shared/patches/engine-io-direct-write';
import { tapBroadcasts } from '../../shared/patches/socket-io-adapter-broadcast';
import type { Metrics } from '../metrics';
import type { SeqGate } from './seq-gate';
import type { HeraldSocket } from './types';

/** A broadcast's ws frame, joined into one buffer the first time a socket takes it directly. */
class SharedFrame {
  private joined: Buffer | undefined;

  constructor(private readonly parts: Buffer[]) {}

  /** One buffer: a single write per socket — the bytes are the same. */
  get(): Buffer {
    this.joined ??= this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    return this.joined;
  }
}

/** A broadcast between its encoding and its delivery. */
interface PendingBroadcast {
  seq: number | undefined;
  frame: SharedFrame | undefined;
  kick: boolean;
}

/** The event name of an encoded event packet (`[event, …]`). */
function eventOf(packet: unknown): unknown {
  const data = (packet as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? data[0] : undefined;
}

/** The durable seq of an encoded event packet (`[event, { seq }]`), if it has one. */
function seqOf(packet: unknown): number | undefined {
  const data = (packet as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return undefined;
  const seq = (data[1] as { seq?: unknown } | null)?.seq;
  return typeof seq === 'number' ? seq : undefined;
}

export class DeliveryTracker {
  /** Per-device order for durable copies; absent without a message store (no seqs then). */
  private gate: SeqGate | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  /** Durable copies go through `gate` from now on. */
  useGate(gate: SeqGate): void {
    this.gate = gate;
  }

  /** Installs the tracker on a namespace's adapter. */
  attach(adapter: Adapter): void {
    tapBroadcasts<HeraldSocket, PendingBroadcast>(adapter, {
      encoded: (packet, packetOpts) => {
        const framed = packetOpts.wsPreEncodedFrame as Buffer[] | undefined;
        return { seq: seqOf(packet), frame: framed === undefined ? undefined : new SharedFrame(framed), kick: eventOf(packet) === 'kick' };
      },
      deliver: (broadcast, opts, apply, callback) => this.deliver(broadcast, opts, apply, callback),
    });
  }

  /** Visits the sockets of one broadcast: marks them active, gates durable copies, counts deliveries. */
  private deliver(
    broadcast: PendingBroadcast,
    opts: BroadcastOptions,
    apply: (opts: BroadcastOptions, visit: (socket: HeraldSocket) => void) => void,
    callback: (socket: HeraldSocket) => void,
  ): void {
    const now = this.clock.now();
    const { seq, frame, kick } = broadcast;
    const direct = frame !== undefined && opts.flags?.volatile !== true;
    const gate = this.gate;
    let delivered = 0;
    apply(opts, (socket) => {
      socket.data.lastActive = now;
      // A kick is never held behind a fill: the socket is disconnected right after it.
      if (gate !== undefined && !kick) {
        if (seq !== undefined) {
          if (!gate.admit(socket, seq)) return;
        } else if (gate.active > 0 && gate.holdIfFilling(socket, () => callback(socket))) {
          return;
        }
      }
      delivered++;
      if (!direct || !writeFrameDirectly(socket.conn, frame)) callback(socket);
    });
    if (delivered > 0) {
      this.metrics.deliveries.inc(delivered);
      this.metrics.counters.deliveries += delivered;
    }
  }
}
