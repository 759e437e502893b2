/**
 * Patch of engine.io 6.6.12 (through socket.io 4.8.3): lets go of a connected socket's handshake
 * request (called from server/gateway.ts once the socket is connected).
 *
 * Why: the address is in socket.data.ip and the credentials were read from
 * socket.handshake.auth, and nothing reads the headers later. Engine.IO keeps the IncomingMessage
 * for the socket's life twice over (`conn.request`, and for websockets a 'close' listener of its
 * upgrade response), with every header a browser sent — user agent, cookies — and
 * socket.handshake.headers points at the same object. Emptying them saves ~1.5 KB per browser
 * connection (docs/BENCHMARKS.md). test/integration/library-patches.test.ts fails when the
 * installed version or the `request` field changes.
 */
export const PINNED = [{ library: 'engine.io', version: '6.6.12' }] as const;

/** Empties the handshake request's headers and drops Engine.IO's reference to it. */
export function releaseHandshakeRequest(socket: { conn: unknown; handshake: unknown }): void {
  const conn = socket.conn as { request: { headers: unknown; rawHeaders: unknown } | null };
  const request = conn.request;
  conn.request = null;
  (socket.handshake as { headers: unknown }).headers = {};
  if (request !== null) {
    request.headers = {};
    request.rawHeaders = [];
  }
}
