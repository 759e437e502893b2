/**
 * Patch of socket.io-adapter 2.5.8: a room's members are kept in a `RoomMembers`, which holds one
 * member inline and turns into a real `Set` at the second.
 *
 * Why: Herald puts each logged-in socket in four rooms, three of which usually have that socket
 * alone (its own id, `u:<uid>`, `u:<uid>/<platform>`), and a one-member `Set` costs ~230 bytes
 * with its hash table: ~700 bytes per connection (heap census in docs/BENCHMARKS.md). The adapter
 * makes a room's member set in one place, `addAll` (dist/in-memory-adapter.js); Herald's namespace
 * adapter gets the same steps with `RoomMembers` in place of `new Set()`: the same rooms, members,
 * order of operations and 'create-room' / 'join-room' events (the Redis adapter subscribes on
 * 'create-room'). Everything that reads a room — the adapter's `_del`, `apply`, `sockets`,
 * `fetchSockets` and the except lists, the adapters built on it, Herald's bulk delivery — uses
 * `has`, `add`, `delete`, `size`, `forEach` and iteration, which `RoomMembers` answers as a `Set`
 * would, in insertion order. A socket's own list of rooms (`sids`, `socket.rooms`) stays a `Set`.
 * Set on the adapter by server/gateway.ts; test/integration/library-patches.test.ts fails when the
 * installed version or the replaced method changes.
 */
export const PINNED = [{ library: 'socket.io-adapter', version: '2.5.8' }] as const;

/**
 * The members of a room (socket ids): one inline; from the second on, a real Set holds them all.
 * A socket id is never an empty string, so `one === undefined` means empty.
 */
export class RoomMembers {
  private one: string | undefined = undefined;
  private spill: Set<string> | undefined = undefined;

  get size(): number {
    return this.spill !== undefined ? this.spill.size : this.one !== undefined ? 1 : 0;
  }

  has(member: string): boolean {
    return this.spill !== undefined ? this.spill.has(member) : this.one === member;
  }

  add(member: string): this {
    if (this.spill !== undefined) this.spill.add(member);
    else if (this.one === undefined) this.one = member;
    else if (this.one !== member) {
      this.spill = new Set([this.one, member]);
      this.one = undefined;
    }
    return this;
  }

  delete(member: string): boolean {
    if (this.spill !== undefined) return this.spill.delete(member);
    if (this.one !== member) return false;
    this.one = undefined;
    return true;
  }

  clear(): void {
    this.spill = undefined;
    this.one = undefined;
  }

  forEach(callback: (member: string, same: string, set: this) => void, thisArg?: unknown): void {
    for (const member of this) callback.call(thisArg, member, member, this);
  }

  values(): IterableIterator<string> {
    if (this.spill !== undefined) return this.spill.values();
    return (this.one !== undefined ? [this.one] : []).values();
  }

  keys(): IterableIterator<string> {
    return this.values();
  }

  *entries(): IterableIterator<[string, string]> {
    for (const member of this) yield [member, member];
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.values();
  }

  get [Symbol.toStringTag](): string {
    return 'RoomMembers';
  }
}

interface AdapterInternals {
  rooms: Map<string, RoomMembers>;
  sids: Map<string, Set<string>>;
  emit(event: string, ...args: unknown[]): boolean;
}

/** The adapter's `addAll`, step for step, with `RoomMembers` in place of `new Set()`. */
function addAll(this: AdapterInternals, id: string, rooms: Set<string>): void {
  let own = this.sids.get(id);
  if (own === undefined) {
    own = new Set();
    this.sids.set(id, own);
  }
  for (const room of rooms) {
    own.add(room);
    let members = this.rooms.get(room);
    if (members === undefined) {
      members = new RoomMembers();
      this.rooms.set(room, members);
      this.emit('create-room', room);
    }
    if (!members.has(id)) {
      members.add(id);
      this.emit('join-room', room, id);
    }
  }
}

/**
 * Gives `adapter` (a namespace's, of any class built on socket.io-adapter's `Adapter`) this
 * `addAll` as its own property. Not on the prototype: socket.io's `Server.close()` puts the
 * prototype's `addAll` back to the one it saw when it was loaded (`restoreAdapter`, dist/uws.js),
 * so a prototype patch would silently end with the first server closed in the process.
 */
export function useRoomMembers(adapter: unknown): void {
  (adapter as { addAll: typeof addAll }).addAll = addAll;
}
