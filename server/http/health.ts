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
 * A check that remembers its last result for `cacheMs`, so probes every second do not turn into
 * a database query every second per worker.
 */
export function cachedCheck(name: string, probe: () => Promise<void>, cacheMs: number, now: () => number): HealthCheck {
  let last: { at: number; result: CheckResult } | undefined;
  return {
    name,
    check: async () => {
      const t = now();
      if (last !== undefined && t - last.at < cacheMs) return last.result;
      const result: CheckResult = await probe().then(
        () => ({ ok: true }),
        (err: Error) => ({ ok: false, detail: err.message }),
      );
      last = { at: t, result };
      return result;
    },
  };
}
