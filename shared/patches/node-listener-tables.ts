/**
 * Patch of Node.js 20 and 24 (EventEmitter's private `_events` and its shape mode): the listener
 * table of a long-lived emitter becomes a fast object, and its listener arrays exactly as long as
 * they are.
 *
 * Why: EventEmitter starts every table as `{ __proto__: null }`, which V8 keeps in dictionary mode
 * (a hash table: 180-460 bytes for 3-7 events), and removing a listener `delete`s its key, which
 * puts any table back into it. Four emitters of each connection keep one (Socket.IO's socket,
 * Engine.IO's socket and its websocket transport, ws's WebSocket): ~1 KB per idle connection, and
 * an event with a third listener holds an array grown to 17 slots (heap census in
 * docs/BENCHMARKS.md). Node's own streams avoid both with a preset table and the emitter's private
 * shape mode, in which a removed listener leaves `undefined` in place of its key; `compactListeners`
 * gives an emitter the same: a table made by a constructor whose prototype has no prototype (fast,
 * and, like the original, with nothing inherited: an event named `toString` or `__proto__` finds no
 * listener), holding the same listeners in the same order. Emitting, adding and removing behave as
 * before; on Node 20, `eventNames()` also lists the names of removed listeners while shape mode is
 * on (as it does for streams; nothing in Herald or its libraries calls it). Call it once an
 * emitter's listeners are in place. A stream (already in shape mode: net.Socket) keeps its table;
 * only its arrays are made exact.
 * test/integration/library-patches.test.ts fails when the Node major version or these internals
 * change.
 */
import { EventEmitter } from 'node:events';

/** Either Node major: `.ci/run` runs the suite on both. */
export const PINNED = [
  { library: 'node', version: '20' },
  { library: 'node', version: '24' },
] as const;

/** EventEmitter's private shape-mode flag (`kShapeMode`), found by its description on a new emitter. */
export const SHAPE_MODE: symbol | undefined = Object.getOwnPropertySymbols(new EventEmitter()).find((symbol) => symbol.description === 'shapeMode');

type Listeners = Record<string | symbol, unknown>;

/** A listener table: V8 gives objects made by `new` a fast shape; the prototype has no prototype. */
const ListenerTable = function ListenerTable() {} as unknown as { new (): Listeners; prototype: object };
ListenerTable.prototype = Object.create(null) as object;

interface EmitterInternals {
  _events?: Listeners;
  [key: symbol]: unknown;
}

/**
 * Node 24's listener arrays carry an emit counter (`Symbol(events.emitting)`): `emit` walks the
 * array itself and a removal during the walk copies it first. Found on a new emitter's array;
 * undefined on Node 20, whose `emit` walks a copy.
 */
const EMITTING: symbol | undefined = (() => {
  const emitter = new EventEmitter();
  emitter.on('probe', () => undefined).on('probe', () => undefined);
  const array = (emitter as unknown as EmitterInternals)._events?.probe as object;
  return Object.getOwnPropertySymbols(array).find((symbol) => symbol.description === 'events.emitting');
})();

/**
 * An array as long as its contents (a grown array keeps its spare slots), with the array's own
 * symbol properties (Node 24's emit counter); an array being emitted right now stays as it is.
 */
export function exact<T>(array: T): T {
  if (!Array.isArray(array)) return array;
  const fields = array as unknown as Record<symbol, unknown>;
  if (EMITTING !== undefined && typeof fields[EMITTING] === 'number' && (fields[EMITTING] as number) > 0) return array;
  const copy = array.slice() as unknown as Record<symbol, unknown>;
  for (const symbol of Object.getOwnPropertySymbols(array)) copy[symbol] = fields[symbol];
  return copy as unknown as T;
}

/**
 * Moves `emitter`'s listeners into a fast table and turns shape mode on; an emitter already in
 * shape mode (a stream) keeps its table, with its listener arrays made exact. Returns false when
 * Node no longer has a shape mode (nothing changed).
 */
export function compactListeners(emitter: unknown): boolean {
  const internals = emitter as EmitterInternals;
  const events = internals._events;
  if (SHAPE_MODE === undefined || events === undefined) return false;
  const table = internals[SHAPE_MODE] === true ? events : new ListenerTable();
  for (const name of Reflect.ownKeys(events)) {
    const listeners = events[name];
    if (listeners !== undefined) table[name] = exact(listeners);
  }
  internals._events = table;
  internals[SHAPE_MODE] = true;
  return true;
}
