import { PushBatch, parseBatchBody } from '../../push/push-batch';
import type { ApiResponse, Route } from '../router';
import type { RouteDeps } from './deps';

/**
 * POST /api/v1/push/batch: `{ pushes: [push, …] }` (1-1,000) → `{ ok: true, results: [...] }`,
 * one answer per push in order (push/push-batch.ts). A malformed batch is 400 and runs nothing;
 * a bad push fails alone. Each push counts against the API key's rate limit.
 */
export function pushBatchRoute(deps: RouteDeps): Route {
  const batch = new PushBatch({
    push: deps.push,
    metrics: deps.metrics,
    logger: deps.logger,
    limits: deps.config.push,
    ...(deps.idempotency !== undefined ? { idempotency: deps.idempotency } : {}),
  });
  return {
    method: 'POST',
    pattern: '/api/v1/push/batch',
    name: 'push_batch',
    auth: 'api-key',
    body: true,
    maxBodyBytes: deps.config.push.maxBatchBodyBytes,
    handle: async (req): Promise<ApiResponse> => {
      const pushes = parseBatchBody(req.body);
      deps.apiKeys.charge(req.keyId as string, pushes.length - 1);
      const results = await batch.run(req.keyId as string, pushes);
      return { status: 200, json: { ok: true, results } };
    },
  };
}
