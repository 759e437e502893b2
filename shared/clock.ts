/**
 * Time as Herald's own components see it. Production uses the system clock; tests inject a fake
 * one (see test/support/fake-clock.ts) so the 180 s idle rule is proved without real sleeps.
 * Socket.IO's transport timers are not routed through here on purpose: they stay real.
 */
export type TimerHandle = { unref?: () => unknown } | number | object;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** Lets a background timer not keep the process alive, whatever clock made it. */
export function unrefTimer(handle: TimerHandle): void {
  if (typeof handle === 'object' && handle !== null && 'unref' in handle && typeof handle.unref === 'function') {
    handle.unref();
  }
}
