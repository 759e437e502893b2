/**
 * Time as the SDK sees it. Every timer the connection rules depend on (reconnect delays, connect
 * timeout, heartbeat silence, login retry, ack batching, endpoint ttl) goes through one `Clock`,
 * so a test can inject a fake clock and prove the rules to the millisecond without real sleeps.
 *
 * The shape is a subset of the server's `shared/clock.ts` `Clock`, so one fake clock object can
 * drive Herald and the SDK together. socket.io-client's own transport timers stay real.
 */

/** Whatever `setTimeout` returned; only ever handed back to `clearTimeout`. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `Date.now()` and the global timers, in browsers and Node alike. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
};

/** One pending timer of a component: `set` replaces it, `clear` cancels it. */
export class Timer {
  private handle: TimerHandle | undefined;

  constructor(private readonly clock: Clock) {}

  get pending(): boolean {
    return this.handle !== undefined;
  }

  set(fn: () => void, ms: number): void {
    this.clear();
    const handle = this.clock.setTimeout(() => {
      if (this.handle !== handle) return;
      this.handle = undefined;
      fn();
    }, Math.max(0, ms));
    this.handle = handle;
  }

  clear(): void {
    if (this.handle === undefined) return;
    this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
