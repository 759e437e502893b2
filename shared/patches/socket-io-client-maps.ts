/**
 * Patch of socket.io 4.8.3: a Socket.IO `Client` keeps its sockets and namespaces (`sockets`,
 * `nsps`) in a map that holds one entry inline, instead of two `Map`s.
 *
 * Why: a client's constructor (dist/client.js) makes `this.sockets = new Map()` and
 * `this.nsps = new Map()`, ~0.2 KB each, for what is one entry on Herald (one namespace, `/`):
 * ~0.3 KB per connection more than needed (heap census in docs/BENCHMARKS.md). Here both are
 * accessors on the prototype: the constructor's empty maps are swapped for a `OneEntryMap`, which
 * behaves as a Map for what the client does with them (`get`, `set`, `has`, `delete`, `clear`,
 * `size`, `values()`, iteration) and spills into a real Map at a second entry. Installed once per
 * process (server/gateway.ts); test/integration/library-patches.test.ts fails when the installed
 * version or the uses of the two maps change.
 */
import { clientClass } from './socket-io-client-listeners';

export const PINNED = [{ library: 'socket.io', version: '4.8.3' }] as const;

/** A Map for one entry, inline; from the second entry on, a real Map holds them all. */
export class OneEntryMap<K, V> {
  private key: K | undefined = undefined;
  private value: V | undefined = undefined;
  private filled = false;
  private spill: Map<K, V> | undefined = undefined;

  get size(): number {
    return this.spill !== undefined ? this.spill.size : this.filled ? 1 : 0;
  }

  get(key: K): V | undefined {
    if (this.spill !== undefined) return this.spill.get(key);
    return this.filled && this.key === key ? this.value : undefined;
  }

  has(key: K): boolean {
    if (this.spill !== undefined) return this.spill.has(key);
    return this.filled && this.key === key;
  }

  set(key: K, value: V): this {
    if (this.spill !== undefined) {
      this.spill.set(key, value);
    } else if (!this.filled || this.key === key) {
      this.key = key;
      this.value = value;
      this.filled = true;
    } else {
      this.spill = new Map<K, V>([
        [this.key as K, this.value as V],
        [key, value],
      ]);
      this.empty();
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.spill !== undefined) return this.spill.delete(key);
    if (!this.filled || this.key !== key) return false;
    this.empty();
    return true;
  }

  clear(): void {
    this.spill = undefined;
    this.empty();
  }

  *entries(): IterableIterator<[K, V]> {
    if (this.spill !== undefined) yield* this.spill.entries();
    else if (this.filled) yield [this.key as K, this.value as V];
  }

  *keys(): IterableIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(fn: (value: V, key: K, map: this) => void): void {
    for (const [key, value] of this.entries()) fn(value, key, this);
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  private empty(): void {
    this.key = undefined;
    this.value = undefined;
    this.filled = false;
  }
}

const SOCKETS = Symbol('herald.clientSockets');
const NSPS = Symbol('herald.clientNsps');

interface WithMaps {
  [SOCKETS]?: OneEntryMap<unknown, unknown>;
  [NSPS]?: OneEntryMap<unknown, unknown>;
}

/** An accessor that keeps a OneEntryMap under `slot` (the constructor's `new Map()` is dropped). */
function oneEntryMapAccessor(slot: typeof SOCKETS | typeof NSPS): PropertyDescriptor {
  return {
    configurable: true,
    get(this: WithMaps) {
      let map = this[slot];
      if (map === undefined) {
        map = new OneEntryMap();
        this[slot] = map;
      }
      return map;
    },
    set(this: WithMaps, value: Map<unknown, unknown> | OneEntryMap<unknown, unknown>) {
      const map = new OneEntryMap<unknown, unknown>();
      for (const [key, entry] of value) map.set(key, entry);
      this[slot] = map;
    },
  };
}

let installed = false;

/** Gives every Socket.IO client created from now on OneEntryMaps for `sockets` and `nsps`; idempotent. */
export function installOneEntryClientMaps(): void {
  if (installed) return;
  installed = true;
  const proto = clientClass().prototype as object;
  Object.defineProperty(proto, 'sockets', oneEntryMapAccessor(SOCKETS));
  Object.defineProperty(proto, 'nsps', oneEntryMapAccessor(NSPS));
}
