/**
 * Patch of socket.io 4.8.3: a Socket.IO `Client` (one per Engine.IO connection) listens to its
 * connection and its decoder through four functions shared by every client, instead of binding
 * four methods per client.
 *
 * Why: `Client.setup` (dist/client.js) replaces `onclose`, `ondata`, `onerror` and `ondecoded`
 * with bound copies on each client, ~0.2 KB per connection (heap census in docs/BENCHMARKS.md).
 * Here the connection and the decoder carry a reference to their client and the shared
 * listeners, with `this` the emitter, forward to its methods; `destroy` removes the shared
 * listeners. The namespace-connect timeout of `setup` is kept as it was. Installed once per
 * process (server/gateway.ts); test/integration/library-patches.test.ts fails when the installed
 * version or the code replaced here changes.
 */
import { dirname, join } from 'node:path';
import { exactEmitterListeners } from './socket-io-exact-arrays';

export const PINNED = [{ library: 'socket.io', version: '4.8.3' }] as const;

/** The property of a connection and of a decoder that names its client. */
const OWNER = '__heraldClient';

interface Emitter {
  [OWNER]?: ClientInternals | null;
  on(event: string, listener: (...args: unknown[]) => void): void;
  removeListener(event: string, listener: (...args: unknown[]) => void): void;
}

interface ClientInternals {
  conn: Emitter;
  decoder: Emitter;
  nsps: Map<string, unknown>;
  server: { _connectTimeout: number };
  connectTimeout: NodeJS.Timeout | undefined;
  close(): void;
  ondata(data: unknown): void;
  onerror(err: unknown): void;
  onclose(reason: unknown, description?: unknown): void;
  ondecoded(packet: unknown): void;
}

interface ClientPrototype {
  setup(this: ClientInternals): void;
  destroy(this: ClientInternals): void;
}

function onData(this: Emitter, data: unknown): void {
  this[OWNER]?.ondata(data);
}
function onError(this: Emitter, err: unknown): void {
  this[OWNER]?.onerror(err);
}
function onClose(this: Emitter, reason: unknown, description?: unknown): void {
  this[OWNER]?.onclose(reason, description);
}
function onDecoded(this: Emitter, packet: unknown): void {
  this[OWNER]?.ondecoded(packet);
}

/** The listeners on the Engine.IO connection, by event. */
export const CONNECTION_LISTENERS = { data: onData, error: onError, close: onClose } as const;
/** The listener on the decoder. */
export const DECODED_LISTENER = onDecoded;

/** socket.io's Client class (not exported by the package; read from its file). */
export function clientClass(): { prototype: unknown } {
  return (require(join(dirname(require.resolve('socket.io')), 'client.js')) as { Client: { prototype: unknown } }).Client;
}

let installed = false;

/** Replaces `setup`/`destroy` of every Socket.IO client created from now on; idempotent. */
export function installSharedClientListeners(): void {
  if (installed) return;
  installed = true;
  const proto = clientClass().prototype as ClientPrototype;
  const destroy = proto.destroy;
  proto.setup = function () {
    this.conn[OWNER] = this;
    this.decoder[OWNER] = this;
    this.decoder.on('decoded', onDecoded);
    exactEmitterListeners(this.decoder, 'decoded');
    for (const [event, listener] of Object.entries(CONNECTION_LISTENERS)) this.conn.on(event, listener);
    // As in socket.io: a connection that joins no namespace in time is closed.
    this.connectTimeout = setTimeout(() => {
      if (this.nsps.size === 0) this.close();
    }, this.server._connectTimeout);
  };
  proto.destroy = function () {
    for (const [event, listener] of Object.entries(CONNECTION_LISTENERS)) this.conn.removeListener(event, listener);
    this.decoder.removeListener('decoded', onDecoded);
    this.conn[OWNER] = null;
    this.decoder[OWNER] = null;
    destroy.call(this);
  };
}
