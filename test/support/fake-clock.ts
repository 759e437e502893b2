/**
 * A fake clock for Herald's own timers (idle sweeps, rate limits), driven by the test.
 * Socket.IO's transport timers and the network stay real, so a test can advance Herald's time by
 * minutes while real clients stay connected.
 */
import FakeTimers from '@sinonjs/fake-timers';
import type { Clock, TimerHandle } from '../../shared/clock';

export interface FakeClock extends Clock {
  /** Advances time, firing due timers; lets real I/O run between them. */
  tick(ms: number): Promise<void>;
}

export function createFakeClock(start = Date.now()): FakeClock {
  const clock = FakeTimers.createClock(start);
  return {
    now: () => clock.now,
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms) as unknown as TimerHandle,
    clearTimeout: (handle) => clock.clearTimeout(handle as never),
    setInterval: (fn, ms) => clock.setInterval(fn, ms) as unknown as TimerHandle,
    clearInterval: (handle) => clock.clearInterval(handle as never),
    tick: async (ms) => {
      await clock.tickAsync(ms);
    },
  };
}
