/**
 * A time limit on a promise that cannot be cancelled. mysql2 has no per-query deadline that
 * settles a pending query when the server stops answering (a stopped or frozen server, a dropped
 * network), so the store races each operation against a timer and throws the connection away
 * when the timer wins.
 */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
  readonly code = 'DEADLINE_EXCEEDED';
}

/**
 * Settles like `work`, or rejects with DeadlineExceeded at `deadline` (ms since the epoch).
 * When the deadline wins, `onLate` receives the work's eventual outcome (to release a connection
 * that arrives too late); a late rejection is swallowed.
 */
export function withDeadline<T>(work: Promise<T>, deadline: number, onLate?: (value: T) => void): Promise<T> {
  const remaining = deadline - Date.now();
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      reject(new DeadlineExceeded(`no answer within ${Math.max(0, remaining)} ms`));
    }, Math.max(0, remaining));
    work.then(
      (value) => {
        if (!done) {
          done = true;
          clearTimeout(timer);
          resolve(value);
        } else if (onLate) {
          onLate(value);
        }
      },
      (err: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
