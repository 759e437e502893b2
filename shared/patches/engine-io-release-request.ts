/**
 * Patch of engine.io 6.6.12 (through socket.io 4.8.3) and ws 8.21.3: lets go of a connected
 * socket's handshake request (called from server/gateway.ts once the socket is connected).
 *
 * Why: the address is in socket.data.ip and the credentials were read from
 * socket.handshake.auth, and nothing reads the headers later. Engine.IO keeps the IncomingMessage
 * for the socket's life twice over (`conn.request`, and for websockets a 'close' listener of its
 * upgrade response on the TCP socket, `() => this.emit("close")`, whose `this` holds the request),
 * with every header a browser sent — user agent, cookies — and socket.handshake.headers points at
 * the same object. Emptying them saves ~1.5 KB per browser connection; dropping the upgrade
 * response's listener frees the request itself (~0.7 KB per connection, docs/BENCHMARKS.md).
 * Two more listeners of the handshake stay for the socket's life on a websocket connection and
 * are dead once it is connected: `onUpgradeError` on the ws socket (a no-op kept for errors
 * before Engine.IO's transport took over, which has its own since) and the transport's
 * 'headers' listener (headers of polling responses; a websocket transport never emits it).
 * test/integration/library-patches.test.ts fails when the installed version, the `request` field
 * or these listeners change.
 */
export const PINNED = [
  { library: 'engine.io', version: '6.6.12' },
  { library: 'ws', version: '8.21.3' },
] as const;

/** The source of the upgrade response's 'close' listener (engine.io build/server.js, WebSocketResponse). */
export const UPGRADE_RESPONSE_CLOSE = '() => this.emit("close")';
/** The name of the handshake's error listener on the ws socket (engine.io build/server.js, onWebSocket). */
export const UPGRADE_ERROR_LISTENER = 'onUpgradeError';

type Listener = (...args: unknown[]) => void;
interface Emitter {
  rawListeners(event: string): Listener[];
  removeListener(event: string, listener: Listener): void;
  removeAllListeners(event: string): void;
}
interface EngineConn {
  request: { headers: unknown; rawHeaders: unknown } | null;
  transport?: Emitter & { name?: string; socket?: Emitter & { _socket?: Emitter } };
}

/**
 * What `socket.handshake` reads once the socket is connected: one frozen object for every socket
 * instead of Socket.IO's per-socket copy (time and URL strings, query, auth, ~0.4 KB). Nothing
 * reads it later: the address is in socket.data.ip, the credentials were verified in the
 * handshake's middleware.
 */
export const RELEASED_HANDSHAKE = Object.freeze({
  headers: Object.freeze({}),
  time: '',
  address: '',
  xdomain: false,
  secure: false,
  issued: 0,
  url: '',
  query: Object.freeze({}),
  auth: Object.freeze({}),
});

/**
 * Empties the handshake request's headers, drops Engine.IO's references to it and the handshake's
 * dead listeners, and replaces `socket.handshake` with RELEASED_HANDSHAKE.
 */
export function releaseHandshakeRequest(socket: { conn: unknown; handshake: unknown }): void {
  const conn = socket.conn as EngineConn;
  const request = conn.request;
  conn.request = null;
  (socket as { handshake: unknown }).handshake = RELEASED_HANDSHAKE;
  if (request !== null) {
    request.headers = {};
    request.rawHeaders = [];
  }
  const transport = conn.transport;
  if (transport?.name !== 'websocket') return;
  transport.removeAllListeners('headers');
  const ws = transport.socket;
  if (ws === undefined) return;
  for (const listener of ws.rawListeners('error')) if (listener.name === UPGRADE_ERROR_LISTENER) ws.removeListener('error', listener);
  const tcp = ws._socket;
  if (tcp === undefined) return;
  for (const listener of tcp.rawListeners('close')) {
    // A `once` listener is a wrapper that keeps the function on `.listener`.
    const inner = (listener as Listener & { listener?: Listener }).listener ?? listener;
    if (inner.toString() === UPGRADE_RESPONSE_CLOSE) tcp.removeListener('close', listener);
  }
}
