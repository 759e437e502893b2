/**
 * Watches every push delivery to this worker's sockets, in one place:
 * - it marks the socket active (the idle rule counts a push as interaction) and counts deliveries;
 * - it passes each durable copy through the seq gate (socket/seq-gate.ts), which lets it out
 *   only in seq order with nothing skipped, and holds a socket's ephemeral pushes while the gate
 *   fills that socket from the store (login replay, a hole, a resync).
 *
 * Every broadcast that reaches a worker, local or from another worker or host, ends in the
 * in-memory Adapter's `broadcast()`, which encodes the packet once (`_encode`) and then walks the
 * matching sockets (`apply`). The tracker wraps both on the adapter instance: `_encode` notes the
 * packet, and the `apply` call that follows it visits each socket. Other `apply` callers
 * (fetchSockets, disconnectSockets, socketsJoin) do not encode, so they are not deliveries.
 * Cost per delivery: a property write or two on socket.data and one comparison for a durable
 * copy; a WeakMap lookup only while some socket of the worker is being filled; no timer or
 * listener per socket.
 *
 * It also writes a broadcast straight to each websocket when it can. socket.io-adapter encodes a
 * broadcast once and frames it once for ws (`wsPreEncodedFrame`); Engine.IO then still builds a
 * packet object, a write buffer, a flush, send callbacks and drain events for every recipient.
 * When a websocket has nothing queued in Engine.IO, handing the frame to ws's sender directly
 * writes the same bytes in the same order and skips all of that (docs/BENCHMARKS.md). The frame
 * is one buffer, and each TCP socket written this way stays corked until the end of the current
 * event-loop turn, so broadcasts that arrive together (one Redis read often carries several)
 * leave in one write per socket instead of one each.
 */
import type { Adapter, BroadcastOptions } from 'socket.io-adapter';
import type { Clock } from '../../shared/clock';
import { corkForTurn, type Corkable } from '../../shared/turn-cork';
import type { Metrics } from '../metrics';
import type { SeqGate } from './seq-gate';
import type { HeraldSocket } from './types';

interface AdapterInternals {
  _encode(packet: unknown, packetOpts: Record<string, unknown>): unknown[];
  apply(opts: BroadcastOptions, callback: (socket: HeraldSocket) => void): void;
}

/** What the tracker reads of Engine.IO's socket and websocket transport (pinned engine.io 6.6). */
interface EngineInternals {
  readyState: string;
  upgrading: boolean;
  writeBuffer: unknown[];
  transport: {
    name: string;
    writable: boolean;
    perMessageDeflate: unknown;
    socket?: {
      readyState: number;
      _socket?: Corkable;
      _sender?: { sendFrame(frame: Buffer[], cb?: (err?: Error) => void): void };
    };
  };
}

/** ws's OPEN. */
const WS_OPEN = 1;

/** A broadcast's ws frame, joined into one buffer the first time a socket takes it directly. */
class SharedFrame {
  private joined: Buffer[] | undefined;

  constructor(private readonly parts: Buffer[]) {}

  /** One buffer: ws's sender then does a single write per socket — the bytes are the same. */
  get(): Buffer[] {
    this.joined ??= this.parts.length === 1 ? this.parts : [Buffer.concat(this.parts)];
    return this.joined;
  }
}

/** Writes a pre-framed broadcast to the socket's websocket if nothing is queued before it. */
function writeFrameDirectly(socket: HeraldSocket, frame: SharedFrame): boolean {
  const conn = socket.conn as unknown as EngineInternals;
  if (conn.readyState !== 'open' || conn.upgrading || conn.writeBuffer.length > 0) return false;
  const transport = conn.transport;
  if (transport.name !== 'websocket' || !transport.writable || transport.perMessageDeflate) return false;
  const ws = transport.socket;
  if (ws === undefined || ws.readyState !== WS_OPEN || ws._sender === undefined) return false;
  if (ws._socket !== undefined) corkForTurn(ws._socket);
  ws._sender.sendFrame(frame.get());
  return true;
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
    const internals = adapter as unknown as AdapterInternals;
    const encode = internals._encode?.bind(adapter);
    const apply = internals.apply?.bind(adapter);
    if (typeof encode !== 'function' || typeof apply !== 'function') {
      throw new Error('socket.io-adapter internals changed: _encode/apply not found (check the pinned version)');
    }
    let pending: { seq: number | undefined; frame: SharedFrame | undefined; kick: boolean } | undefined;
    internals._encode = (packet, packetOpts) => {
      const encoded = encode(packet, packetOpts);
      const framed = packetOpts.wsPreEncodedFrame as Buffer[] | undefined;
      pending = { seq: seqOf(packet), frame: framed === undefined ? undefined : new SharedFrame(framed), kick: eventOf(packet) === 'kick' };
      return encoded;
    };
    internals.apply = (opts, callback) => {
      const broadcast = pending;
      pending = undefined;
      if (broadcast === undefined) {
        apply(opts, callback);
        return;
      }
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
        if (!direct || !writeFrameDirectly(socket, frame)) callback(socket);
      });
      if (delivered > 0) {
        this.metrics.deliveries.inc(delivered);
        this.metrics.counters.deliveries += delivered;
      }
    }
  }
}
