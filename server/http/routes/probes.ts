import { HeraldError } from '../../../shared/errors';
import { ApiKeys } from '../api-keys';
import type { CheckResult } from '../health';
import type { Route } from '../router';
import type { RouteDeps } from './deps';

/** Liveness: the worker answers. */
export function healthzRoute(deps: RouteDeps): Route {
  return {
    method: 'GET',
    pattern: '/healthz',
    name: 'healthz',
    auth: 'public',
    handle: () => ({ status: 200, json: { ok: true, serverTime: deps.clock.now() } }),
  };
}

/** Readiness: workers up, Redis and the store reachable. 503 while any is not. */
export function readyzRoute(deps: RouteDeps): Route {
  return {
    method: 'GET',
    pattern: '/readyz',
    name: 'readyz',
    auth: 'public',
    handle: async () => {
      const checks: Record<string, CheckResult & { ready?: number; expected?: number }> = {};
      try {
        const host = await deps.cluster.readiness();
        checks.workers = { ok: host.readyWorkers > 0, ready: host.readyWorkers, expected: host.expectedWorkers };
      } catch (err) {
        checks.workers = { ok: false, detail: (err as Error).message };
      }
      for (const check of deps.healthChecks) {
        try {
          checks[check.name] = await check.check();
        } catch (err) {
          checks[check.name] = { ok: false, detail: (err as Error).message };
        }
      }
      const failing = Object.entries(checks).filter(([, c]) => !c.ok);
      if (failing.length === 0) return { status: 200, json: { ok: true, checks } };
      const reason = failing.map(([name, c]) => `${name}${c.detail !== undefined ? `: ${c.detail}` : ''}`).join('; ');
      return { status: 503, json: { ok: false, error: { code: 'UNAVAILABLE', message: `not ready (${reason})` }, checks } };
    },
  };
}

/**
 * Prometheus text, summed over this host's workers. With `metrics.key` set it needs that key as a
 * bearer token (compared in constant time); API keys are not accepted, so a scraper holds no key
 * that can push.
 */
export function metricsRoute(deps: RouteDeps): Route {
  const key = deps.config.metrics.key;
  const keys = key !== undefined ? new ApiKeys([key]) : undefined;
  return {
    method: 'GET',
    pattern: '/metrics',
    name: 'metrics',
    auth: 'public',
    handle: async (req) => {
      if (keys !== undefined && keys.check(req.headers.authorization) === undefined) {
        throw new HeraldError('UNAUTHORIZED', 'GET /metrics needs the metrics key (Authorization: Bearer <metrics.key>)');
      }
      try {
        const { contentType, text } = await deps.cluster.metrics();
        return { status: 200, text, contentType };
      } catch (err) {
        throw new HeraldError('UNAVAILABLE', `metrics unavailable: ${(err as Error).message}`);
      }
    },
  };
}
