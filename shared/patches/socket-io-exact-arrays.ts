/**
 * Patch of socket.io 4.8.3 and @socket.io/component-emitter 3.1.2 (through socket.io-parser):
 * two arrays that every connection keeps with one entry are cut to one slot.
 *
 * Why: V8 grows an empty array to 17 slots on its first `push`, and these two stay that way for
 * the connection's life (~140 bytes each; heap census in docs/BENCHMARKS.md): a Socket.IO socket's
 * middleware list (`fns`, one entry: server/socket/socket-router.ts) and its client's decoder's
 * 'decoded' listeners (`_callbacks.$decoded`, one entry: socket-io-client-listeners.ts). The
 * arrays are replaced by exact copies once their entry is in; socket.io copies `fns` before
 * running it, and the emitter reads `_callbacks` afresh on each emit, so nothing holds the old
 * ones. test/integration/library-patches.test.ts fails when the installed versions or the fields
 * change.
 */
import { exact } from './node-listener-tables';

export const PINNED = [
  { library: 'socket.io', version: '4.8.3' },
  { library: '@socket.io/component-emitter', version: '3.1.2' },
] as const;

/** A Socket.IO socket's middleware list is exact; call after its `use` calls. */
export function exactMiddleware(socket: unknown): void {
  const internals = socket as { fns?: unknown[] };
  if (Array.isArray(internals.fns)) internals.fns = exact(internals.fns);
}

/** A component-emitter's listeners of `event` are exact; call after its `on` calls. */
export function exactEmitterListeners(emitter: unknown, event: string): void {
  const callbacks = (emitter as { _callbacks?: Record<string, unknown> })._callbacks;
  const key = `$${event}`;
  if (callbacks !== undefined && Array.isArray(callbacks[key])) callbacks[key] = exact(callbacks[key]);
}
