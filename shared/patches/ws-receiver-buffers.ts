/**
 * Patch of ws 8.21.3 (through engine.io 6.6.12): once a frame's payload is read, ws's Receiver
 * lets go of the frame's mask and of its empty chunk list's spare slots.
 *
 * Why: `getMask` keeps the 4-byte mask as a view of the chunk it came in, and nothing clears it
 * until the next masked frame, so every idle connection keeps its last received chunk alive
 * (usually the client's last heartbeat: a Buffer, its ArrayBuffer and the bytes, ~340 bytes), and
 * the list of received chunks keeps the 17 slots it grew to (~140 bytes; heap census in
 * docs/BENCHMARKS.md). After `getData` has consumed the payload (the state has moved on from
 * GET_DATA) the mask is never read again: the next masked frame reads its own. An empty list gives
 * up its slots (`length = 0`) and grows again on the next chunk. Installed once per process
 * (server/gateway.ts); test/integration/library-patches.test.ts fails when the installed version or
 * the code relied on here changes.
 */
import { createRequire } from 'node:module';

export const PINNED = [{ library: 'ws', version: '8.21.3' }] as const;

/** ws's Receiver as Engine.IO loads it (the copy that reads Herald's clients' frames). */
export const Receiver = (createRequire(createRequire(require.resolve('socket.io')).resolve('engine.io'))('ws') as { Receiver: { prototype: ReceiverInternals } }).Receiver;

/** receiver.js's state while a frame's payload is awaited. */
export const GET_DATA = 4;

export interface ReceiverInternals {
  _state: number;
  _mask: Buffer | undefined;
  _buffers: Buffer[];
  getData(this: ReceiverInternals, cb: unknown): void;
}

let installed = false;

/** Wraps `Receiver.prototype.getData`; idempotent. */
export function installReceiverRelease(): void {
  if (installed) return;
  installed = true;
  const proto = Receiver.prototype;
  const getData = proto.getData;
  proto.getData = function (cb) {
    getData.call(this, cb);
    if (this._state !== GET_DATA) this._mask = undefined;
    if (this._buffers.length === 0) this._buffers.length = 0;
  };
}
