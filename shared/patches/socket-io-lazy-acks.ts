/**
 * Patch of socket.io 4.8.3: a Socket.IO socket's map of pending acknowledgements (`acks`) is made
 * when the server first emits with an ack callback, not for every socket.
 *
 * Why: `Socket`'s constructor (dist/socket.js) gives each socket `this.acks = new Map()`, ~0.2 KB
 * per connection (heap census in docs/BENCHMARKS.md), and Herald never asks a client for an
 * acknowledgement (clients ack the server's answers, not the other way round). Here `acks` is an
 * accessor on the prototype: the constructor's empty map is dropped, and the first read makes
 * the socket's own map (`registerAckCallback` to add one, `onack` when a client sends an ACK).
 * Installed once per process (server/gateway.ts); test/integration/library-patches.test.ts fails
 * when the installed version or the uses of `acks` change.
 */
import { Socket } from 'socket.io';

export const PINNED = [{ library: 'socket.io', version: '4.8.3' }] as const;

/** Where a socket keeps its map once it has one. */
const ACKS = Symbol('herald.acks');

interface WithAcks {
  [ACKS]?: Map<number, unknown>;
}

let installed = false;

/** Makes `acks` lazy on every Socket.IO socket created from now on; idempotent. */
export function installLazyAcks(): void {
  if (installed) return;
  installed = true;
  Object.defineProperty(Socket.prototype, 'acks', {
    configurable: true,
    get(this: WithAcks): Map<number, unknown> {
      let acks = this[ACKS];
      if (acks === undefined) {
        acks = new Map();
        this[ACKS] = acks;
      }
      return acks;
    },
    set(this: WithAcks, value: Map<number, unknown>) {
      // The constructor's empty map is dropped; a map with entries (none in socket.io) is kept.
      if (value.size > 0) this[ACKS] = value;
    },
  });
}

/** Whether `socket` has made its map of acknowledgements (for tests). */
export function hasAcks(socket: object): boolean {
  return (socket as WithAcks)[ACKS] !== undefined;
}
