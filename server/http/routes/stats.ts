import type { Route } from '../router';
import type { RouteDeps } from './deps';

export function statsRoute(deps: RouteDeps): Route {
  return {
    method: 'GET',
    pattern: '/api/v1/stats',
    name: 'stats',
    auth: 'api-key',
    handle: async () => ({ status: 200, json: { ok: true, ...(await deps.cluster.stats()) } }),
  };
}
