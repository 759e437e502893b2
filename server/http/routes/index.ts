import { AdminGuard } from '../admin/admin-guard';
import type { Route } from '../router';
import { adminRoutes } from './admin';
import { consoleRoutes } from './console';
import type { RouteDeps } from './deps';
import { endpointRoute } from './endpoint';
import { healthzRoute, metricsRoute, readyzRoute } from './probes';
import { pushRoute } from './push';
import { pushBatchRoute } from './push-batch';
import { sdkRoute } from './sdk';
import { statsRoute } from './stats';
import { historyRoute, kickRoute, onlineRoute } from './users';
import { webhookDeadRoute, webhookRetryRoute } from './webhooks';

export type { RouteDeps } from './deps';
export { clientPolicy } from './endpoint';

/** Every HTTP route of a worker. */
export function createRoutes(deps: RouteDeps): Route[] {
  const admin = new AdminGuard(deps.config, deps.clock, deps.logger, deps.metrics, deps.apiKeys, deps.cluster.admin);
  return [
    endpointRoute(deps),
    pushRoute(deps),
    pushBatchRoute(deps),
    onlineRoute(deps),
    historyRoute(deps),
    kickRoute(deps),
    statsRoute(deps),
    webhookDeadRoute(deps),
    webhookRetryRoute(deps),
    healthzRoute(deps),
    readyzRoute(deps),
    metricsRoute(deps),
    sdkRoute(),
    ...(deps.config.admin.enabled ? adminRoutes(deps, admin) : []),
    ...consoleRoutes(deps, admin),
  ];
}
