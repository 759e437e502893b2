/**
 * Patch of engine.io 6.6.12 (through socket.io 4.8.3): an Engine.IO socket listens to its
 * transport through five functions shared by every socket, instead of making them per socket.
 *
 * Why: `Socket.setTransport` (build/socket.js) binds four methods, makes an `onReady` closure
 * and a cleanup closure, and registers 'error' and 'close' with `once`, whose wrappers cost a
 * bound function, a state object and a property array each: ~0.7 KB per connection for five
 * listeners (heap census in docs/BENCHMARKS.md). Here the transport carries a reference to its
 * socket and the listeners, with `this` the transport, forward to it. `on` replaces `once`: both
 * listeners end in `onClose`, which detaches the transport (`clearTransport`) before anything
 * else could fire them again, and `onClose` itself runs once. `clearTransport` removes the five
 * shared listeners and then does what it did (the remaining cleanup functions, a no-op error
 * listener, `transport.close()`). An upgrade attaches the new transport the same way. Once its
 * listeners are on, the transport's listener table and its websocket's (ws's WebSocket, whose
 * listeners the transport's constructor added) and TCP socket's are made compact
 * (node-listener-tables.ts).
 * Installed once per process (server/gateway.ts); test/integration/library-patches.test.ts fails
 * when the installed version or the code replaced here changes.
 */
import { createRequire } from 'node:module';
import { compactListeners } from './node-listener-tables';

/** engine.io's Socket class as socket.io loads it (the copy whose sockets Herald's server makes). */
const EngineSocket = (createRequire(require.resolve('socket.io'))('engine.io') as { Socket: unknown }).Socket;

export const PINNED = [{ library: 'engine.io', version: '6.6.12' }] as const;

/** The property of a transport that names its socket. */
const OWNER = '__heraldSocket';

interface Transport {
  [OWNER]?: Owner | null;
  /** ws's WebSocket, on a websocket transport, and its TCP socket. */
  socket?: { _socket?: unknown };
  on(event: string, listener: (...args: unknown[]) => void): void;
  removeListener(event: string, listener: (...args: unknown[]) => void): void;
}

interface Owner {
  transport: Transport;
  onError(err: unknown): void;
  onPacket(packet: unknown): void;
  onDrain(): void;
  onClose(reason: string, description?: unknown): void;
  flush(): void;
}

interface SocketPrototype {
  setTransport(this: Owner, transport: Transport): void;
  clearTransport(this: Owner): void;
}

function ownerOf(transport: Transport): Owner | null | undefined {
  return transport[OWNER];
}

function onError(this: Transport, err: unknown): void {
  ownerOf(this)?.onError(err);
}
function onReady(this: Transport): void {
  ownerOf(this)?.flush();
}
function onPacket(this: Transport, packet: unknown): void {
  ownerOf(this)?.onPacket(packet);
}
function onDrain(this: Transport): void {
  ownerOf(this)?.onDrain();
}
function onClose(this: Transport): void {
  ownerOf(this)?.onClose('transport close');
}

/** The listeners, by event (the events `setTransport` listens to). */
export const TRANSPORT_LISTENERS = { error: onError, ready: onReady, packet: onPacket, drain: onDrain, close: onClose } as const;

let installed = false;

/** Replaces `setTransport`/`clearTransport` of every Engine.IO socket; idempotent. */
export function installSharedTransportListeners(): void {
  if (installed) return;
  installed = true;
  const proto = (EngineSocket as unknown as { prototype: SocketPrototype }).prototype;
  const clearTransport = proto.clearTransport;
  proto.setTransport = function (transport) {
    this.transport = transport;
    transport[OWNER] = this;
    for (const [event, listener] of Object.entries(TRANSPORT_LISTENERS)) transport.on(event, listener);
    compactListeners(transport);
    const ws = transport.socket;
    if (ws !== undefined) {
      compactListeners(ws);
      if (ws._socket !== undefined) compactListeners(ws._socket);
    }
  };
  proto.clearTransport = function () {
    const transport = this.transport;
    for (const [event, listener] of Object.entries(TRANSPORT_LISTENERS)) transport.removeListener(event, listener);
    transport[OWNER] = null;
    clearTransport.call(this);
  };
}
