/**
 * Writes that happen in one turn of the event loop leave a stream in one syscall: the stream is
 * corked at its first write of the turn and uncorked when the turn ends (setImmediate). On a
 * loopback or LAN socket each write is a syscall that also runs the receiver's TCP stack, so
 * when several broadcasts reach a socket in one turn this is most of what they cost
 * (docs/BENCHMARKS.md).
 * Order is kept: corking only delays, it never reorders a stream's writes.
 */

/**
 * The setImmediate of when this module loaded: a test that later installs a fake clock (which
 * replaces the global and node:timers' one) must not leave corked streams unflushed.
 */
const realSetImmediate = setImmediate;

export interface Corkable {
  writableCorked: number;
  cork(): void;
  uncork(): void;
}

const corked: Corkable[] = [];

function uncorkAll(): void {
  for (const stream of corked.splice(0)) stream.uncork();
}

/** Corks `stream` until the end of this turn, unless it is corked already. */
export function corkForTurn(stream: Corkable): void {
  if (stream.writableCorked !== 0) return;
  stream.cork();
  corked.push(stream);
  if (corked.length === 1) realSetImmediate(uncorkAll);
}

