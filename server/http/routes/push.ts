import { pushRequestSchema } from '../../../shared/protocol';
import type { Route } from '../router';
import { parseOrBadRequest } from '../validate';
import type { RouteDeps } from './deps';

export function pushRoute(deps: RouteDeps): Route {
  return {
    method: 'POST',
    pattern: '/api/v1/push',
    name: 'push',
    auth: 'api-key',
    body: true,
    handle: async (req) => {
      const result = await deps.push.push(parseOrBadRequest(pushRequestSchema(deps.config.push), req.body), 'api');
      return { status: 200, json: { ok: true, ...result } };
    },
  };
}
