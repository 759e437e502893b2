/**
 * Reads of engine.io 6.6.12 / ws 8.21.3 internals for the output cap (server/socket/output-cap.ts):
 * how much a connection holds unsent, and closing it at once.
 *
 * Why: Engine.IO has no public "bytes queued" figure. What a connection holds is the packets in
 * its `writeBuffer` (queued since the last flush to the transport; each queued packet raises
 * `packetCreate`) plus the websocket's `bufferedAmount` (bytes ws has not handed to the kernel),
 * reached through `conn.transport.socket`. A graceful `close()` waits for the queue to drain, which
 * a client that does not read never lets happen, so a drop also terminates the ws socket.
 * test/integration/library-patches.test.ts fails when the installed versions or these fields change.
 */
export const PINNED = [
  { library: 'engine.io', version: '6.6.12' },
  { library: 'ws', version: '8.21.3' },
] as const;

export interface EnginePacket {
  data?: unknown;
}

/** The parts of an Engine.IO connection the output cap reads. */
export interface EngineOutput {
  writeBuffer?: EnginePacket[];
  transport?: { socket?: { bufferedAmount?: number; terminate?: () => void } };
  on(event: 'packetCreate', listener: (packet: EnginePacket) => void): void;
  close(discard?: boolean): void;
}

/** A Socket.IO socket's Engine.IO connection, as the output cap reads it. */
export function engineOutput(socket: { conn: unknown }): EngineOutput {
  return socket.conn as EngineOutput;
}

/** A packet's size: one byte per character of text (a cheap lower bound for non-ASCII). */
export function packetBytes(packet: EnginePacket): number {
  const data = packet.data;
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** Bytes in Engine.IO's queue (packets not yet handed to the transport). */
export function queuedBytes(conn: EngineOutput): number {
  let bytes = 0;
  for (const packet of conn.writeBuffer ?? []) bytes += packetBytes(packet);
  return bytes;
}

/** Bytes the websocket has not handed to the kernel yet (0 for polling). */
export function socketBufferedBytes(conn: EngineOutput): number {
  return conn.transport?.socket?.bufferedAmount ?? 0;
}

/** Closes at once, discarding what is queued, and terminates the websocket under it. */
export function closeAtOnce(conn: EngineOutput): void {
  const ws = conn.transport?.socket;
  conn.close(true);
  ws?.terminate?.();
}
