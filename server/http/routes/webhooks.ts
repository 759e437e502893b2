/**
 * The webhook outbox through the API (docs/WEBHOOKS.md): `GET /api/v1/webhooks/dead` lists dead
 * letters with the queue's state, `POST /api/v1/webhooks/dead/retry` puts them back in the queue
 * (all, or the event ids given). Both need the API key and the store.
 */
import { z } from 'zod';
import { HeraldError } from '../../../shared/errors';
import type { MessageStore } from '../../../shared/store';
import type { Route } from '../router';
import { parseOrBadRequest } from '../validate';
import type { RouteDeps } from './deps';

const DeadQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

const RetryBodySchema = z
  .object({ ids: z.array(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/)).min(1).max(1000).optional() })
  .strict();

function storeOf(deps: RouteDeps): MessageStore {
  if (deps.store === undefined) throw new HeraldError('STORE_UNAVAILABLE', 'there is no message store on this host');
  return deps.store;
}

/** GET /api/v1/webhooks/dead?limit=N — the newest N dead letters, the queue size and its oldest event. */
export function webhookDeadRoute(deps: RouteDeps): Route {
  return {
    method: 'GET',
    pattern: '/api/v1/webhooks/dead',
    name: 'webhooks-dead',
    auth: 'api-key',
    handle: async (req) => {
      const { limit } = parseOrBadRequest(DeadQuerySchema, Object.fromEntries(req.query));
      const outbox = storeOf(deps).webhooks;
      const [stats, dead] = await Promise.all([outbox.stats(), outbox.dead(limit)]);
      return { status: 200, json: { ok: true, enabled: deps.config.webhooks.urls.length > 0, ...stats, events: dead } };
    },
  };
}

/** POST /api/v1/webhooks/dead/retry `{ "ids"?: [...] }` — dead letters back in the queue, retried from now. */
export function webhookRetryRoute(deps: RouteDeps): Route {
  return {
    method: 'POST',
    pattern: '/api/v1/webhooks/dead/retry',
    name: 'webhooks-retry',
    auth: 'api-key',
    body: true,
    handle: async (req) => {
      const { ids } = parseOrBadRequest(RetryBodySchema, req.body);
      const requeued = await storeOf(deps).webhooks.retryDead(deps.clock.now(), ids);
      deps.logger.info('dead webhook events put back in the queue', { requeued, key: req.keyId });
      return { status: 200, json: { ok: true, requeued } };
    },
  };
}
