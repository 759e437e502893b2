/**
 * Patch of engine.io 6.6.12 and ws 8.21.3 (through socket.io 4.8.3): writes a pre-framed
 * broadcast straight to a client's websocket (server/socket/delivery-tracker.ts).
 *
 * Why: socket.io-adapter encodes a broadcast once and frames it once for ws
 * (`wsPreEncodedFrame`); Engine.IO then still builds a packet object, a write buffer, a flush,
 * send callbacks and drain events for every recipient. When a websocket has nothing queued in
 * Engine.IO, handing the frame to ws's sender (`_sender.sendFrame`, private) writes the same bytes
 * in the same order and skips all of that (docs/BENCHMARKS.md). Each TCP socket written this way
 * stays corked until the end of the current event-loop turn, so broadcasts that arrive together
 * leave in one write per socket. test/integration/library-patches.test.ts fails when the
 * installed versions or the fields read here change.
 */
import { corkForTurn, type Corkable } from '../turn-cork';

export const PINNED = [
  { library: 'engine.io', version: '6.6.12' },
  { library: 'ws', version: '8.21.3' },
] as const;

/** What is read of Engine.IO's socket and websocket transport, and of ws's WebSocket. */
export interface EngineInternals {
  readyState: string;
  upgrading: boolean;
  writeBuffer: unknown[];
  transport: {
    name: string;
    writable: boolean;
    perMessageDeflate: unknown;
    socket?: {
      readyState: number;
      _socket?: Corkable & { write(chunk: Buffer): boolean };
    };
  };
}

/** ws's OPEN. */
const WS_OPEN = 1;

/**
 * Writes `frame.get()` (a whole ws frame, one Buffer shared by every recipient) to the Engine.IO
 * connection `conn` (a socket's `socket.conn`) if it is an open, uncompressed websocket with
 * nothing queued before it; false (nothing written) otherwise.
 */
export function writeFrameDirectly(conn: unknown, frame: { get(): Buffer }): boolean {
  const engine = conn as EngineInternals;
  if (engine.readyState !== 'open' || engine.upgrading || engine.writeBuffer.length > 0) return false;
  const transport = engine.transport;
  if (transport.name !== 'websocket' || !transport.writable || transport.perMessageDeflate) return false;
  const ws = transport.socket;
  if (ws === undefined || ws.readyState !== WS_OPEN) return false;
  const tcp = ws._socket;
  if (tcp === undefined) return false;
  corkForTurn(tcp);
  tcp.write(frame.get());
  return true;
}
