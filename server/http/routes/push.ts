import { HeraldError } from '../../../shared/errors';
import { PushRequestSchema, describeZodError } from '../../../shared/protocol';
import type { Route } from '../router';
import type { RouteDeps } from './deps';

export function pushRoute(deps: RouteDeps): Route {
  return {
    method: 'POST',
    pattern: '/api/v1/push',
    name: 'push',
    auth: 'api-key',
    body: true,
    handle: async (req) => {
      const parsed = PushRequestSchema.safeParse(req.body);
      if (!parsed.success) throw new HeraldError('BAD_REQUEST', describeZodError(parsed.error));
      const result = await deps.push.push(parsed.data, 'api');
      return { status: 200, json: { ok: true, ...result } };
    },
  };
}
