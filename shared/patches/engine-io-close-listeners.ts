/**
 * Patch of engine.io 6.6.12 and @socket.io/sticky 2.0.1: two 'close' listeners that every
 * Engine.IO socket holds for its life are swapped, once the socket is connected, for functions
 * shared by every socket (called from server/gateway.ts with the other per-connection releases).
 *
 * Why: Engine.IO's server (`handshake`, build/server.js) and sticky's worker half (`setupWorker`)
 * each add `socket.once("close", () => …)` per connection, a closure plus a `once` wrapper
 * (bound function, state object, property array): ~0.5 KB per connection for the two (heap
 * census in docs/BENCHMARKS.md). What they do needs only the socket, which is `this` in a
 * listener: forget it in the server's client table, and tell the primary
 * (`sticky:disconnection`, counted by server/primary/sticky-balancer.ts). An Engine.IO socket
 * emits 'close' once (`onClose` runs once), so the shared functions are plain listeners, put in
 * the same places in the listener list. test/integration/library-patches.test.ts fails when the
 * installed versions or the listeners' source change.
 */
export const PINNED = [
  { library: 'engine.io', version: '6.6.12' },
  { library: '@socket.io/sticky', version: '2.0.1' },
] as const;

/** The source of Engine.IO's listener (build/server.js, `handshake`). */
export const ENGINE_CLOSE_SOURCE = '() => {\n            delete this.clients[id];\n            this.clientsCount--;\n        }';
/** The source of sticky's listener (index.js, `setupWorker`). */
export const STICKY_CLOSE_SOURCE =
  '() => {\n      debug("connection %s closed", socket.id);\n      process.send(\n        { type: "sticky:disconnection", data: socket.id },\n        ignoreError\n      );\n    }';

interface EngineSocket {
  id: string;
  server: { clients: Record<string, unknown>; clientsCount: number };
}

type Listener = ((...args: unknown[]) => void) & { listener?: (...args: unknown[]) => void };

interface Emitter {
  rawListeners(event: 'close'): Listener[];
  removeAllListeners(event: 'close'): void;
  on(event: 'close', listener: Listener): void;
}

/** Engine.IO's: the socket leaves its server's client table. */
export function forgetClient(this: EngineSocket): void {
  delete this.server.clients[this.id];
  this.server.clientsCount--;
}

/** sticky's: the primary counts one session fewer on this worker. */
export function reportDisconnection(this: EngineSocket): void {
  process.send?.({ type: 'sticky:disconnection', data: this.id }, undefined, {}, () => undefined);
}

/** Swaps the two per-socket 'close' listeners of `conn` (a socket's `socket.conn`) for the shared ones, in place; returns how many. */
export function shareCloseListeners(conn: unknown): number {
  const emitter = conn as Emitter;
  const listeners = emitter.rawListeners('close');
  let swapped = 0;
  const next = listeners.map((listener) => {
    const source = (listener.listener ?? listener).toString();
    const shared = source === ENGINE_CLOSE_SOURCE ? forgetClient : source === STICKY_CLOSE_SOURCE && process.send !== undefined ? reportDisconnection : undefined;
    if (shared === undefined) return listener;
    swapped++;
    return shared as Listener;
  });
  if (swapped === 0) return 0;
  emitter.removeAllListeners('close');
  for (const listener of next) emitter.on('close', listener);
  return swapped;
}
