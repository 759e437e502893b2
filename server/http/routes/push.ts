import { HeraldError } from '../../../shared/errors';
import { pushRequestChecker } from '../../../shared/protocol';
import type { ApiResponse, Route } from '../router';
import { parseOrBadRequest } from '../validate';
import type { RouteDeps } from './deps';

/**
 * POST /api/v1/push. With `Idempotency-Key`, a repeat of the call (same API key, same key) gets
 * the first answer, marked `Idempotent-Replayed: true`, and nothing is stored or delivered again
 * (push/idempotency.ts).
 */
export function pushRoute(deps: RouteDeps): Route {
  return {
    method: 'POST',
    pattern: '/api/v1/push',
    name: 'push',
    auth: 'api-key',
    body: true,
    handle: async (req): Promise<ApiResponse> => {
      const request = parseOrBadRequest(pushRequestChecker(deps.config.push), req.body);
      const header = req.headers['idempotency-key'];
      if (Array.isArray(header)) throw new HeraldError('BAD_REQUEST', 'Idempotency-Key: send one');
      const key = header;
      if (key === undefined) {
        const result = await deps.push.push(request, 'api');
        return { status: 200, json: { ok: true, ...result } };
      }
      if (deps.idempotency === undefined) throw new HeraldError('UNAVAILABLE', 'Idempotency-Key needs the message store');
      const { result, replayed } = await deps.idempotency.run(req.keyId as string, key, request, (ticket) => deps.push.push(request, 'api', ticket));
      const headers: Record<string, string> = replayed ? { 'idempotent-replayed': 'true' } : {};
      return { status: 200, json: { ok: true, ...result }, headers };
    },
  };
}
