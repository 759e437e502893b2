/** Readiness checks that live in the worker (Redis clients, the store); the primary adds its own. */
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface HealthCheck {
  name: string;
  check(): Promise<CheckResult> | CheckResult;
}
