/** Readiness checks that live in the worker (Redis clients, the store); the primary adds its own. */
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface HealthCheck {
  name: string;
  check(): Promise<CheckResult> | CheckResult;
}

/**
 * A check that shares one probe per `cacheMs`, so probes every second do not turn into a
 * database query every second per worker — nor into a pile of them while the database hangs.
 */
export function cachedCheck(name: string, probe: () => Promise<void>, cacheMs: number, now: () => number): HealthCheck {
  let last: { at: number; settled: boolean; result: Promise<CheckResult> } | undefined;
  return {
    name,
    check: () => {
      const t = now();
      // A probe still running is shared, however old; a settled one is reused for cacheMs.
      if (last === undefined || (last.settled && t - last.at >= cacheMs)) {
        const entry: { at: number; settled: boolean; result: Promise<CheckResult> } = { at: t, settled: false, result: Promise.resolve({ ok: true }) };
        entry.result = probe().then(
          () => ({ ok: true }),
          (err: Error) => ({ ok: false, detail: err.message }),
        );
        void entry.result.then(() => {
          entry.settled = true;
        });
        last = entry;
      }
      return last.result;
    },
  };
}
