import { z } from 'zod';
import type { KickAnswer, MessageRow, OnlineAnswer } from '../../../shared/control/admin-answers';
import { HeraldError } from '../../../shared/errors';
import { KickRequestSchema, UidSchema } from '../../../shared/protocol';
import type { StoredMessage } from '../../../shared/store/message-store';
import type { PresenceEntry } from '../../cluster/presence';
import { userRoom } from '../../socket/rooms';
import type { Route } from '../router';
import { parseOrBadRequest } from '../validate';
import type { RouteDeps } from './deps';

/** What GET /api/v1/online/:uid answers; the admin user look-up adds the user's messages. */
export function onlineJson(uid: string, entries: PresenceEntry[]): OnlineAnswer {
  return {
    ok: true,
    uid,
    online: entries.length > 0,
    connections: entries.length,
    platforms: [...new Set(entries.map((e) => e.platform))].sort(),
    sessions: entries.map((e) => ({ sid: e.sid, platform: e.platform, device: e.device, since: e.since, node: e.nodeId })),
  };
}

/** A stored push as the history and admin APIs show it. */
export function messageJson(m: StoredMessage): MessageRow {
  return {
    seq: m.seq,
    id: m.id,
    event: m.event,
    data: JSON.parse(m.data) as unknown,
    ts: m.createdAt,
    expiresAt: m.expiresAt,
    ...(m.topic !== null ? { topic: m.topic } : {}),
    ...(m.platform !== undefined && m.platform !== null ? { platform: m.platform } : {}),
  };
}

export function onlineRoute(deps: RouteDeps): Route {
  return {
    method: 'GET',
    pattern: '/api/v1/online/:uid',
    name: 'online',
    auth: 'api-key',
    handle: async (req) => {
      const uid = parseOrBadRequest(UidSchema, req.params.uid, 'uid: ');
      return { status: 200, json: onlineJson(uid, await deps.presence.list(uid)) };
    },
  };
}

/** Most messages one history page returns. */
const MAX_HISTORY_PAGE = 1000;

const HistoryQuerySchema = z
  .object({
    after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    limit: z.coerce.number().int().min(1).max(MAX_HISTORY_PAGE).default(100),
  })
  .strict();

/** GET /api/v1/users/:uid/messages?after=SEQ&limit=N — the user's stored, unexpired pushes. */
export function historyRoute(deps: RouteDeps): Route {
  return {
    method: 'GET',
    pattern: '/api/v1/users/:uid/messages',
    name: 'history',
    auth: 'api-key',
    handle: async (req) => {
      const uid = parseOrBadRequest(UidSchema, req.params.uid, 'uid: ');
      const { after, limit } = parseOrBadRequest(HistoryQuerySchema, Object.fromEntries(req.query));
      if (deps.store === undefined) throw new HeraldError('STORE_UNAVAILABLE', 'durable delivery is off on this host');
      const rows = await deps.store.history(uid, after, limit, deps.clock.now());
      const messages = rows.map(messageJson);
      const last = rows[rows.length - 1];
      return { status: 200, json: { ok: true, uid, messages, next: rows.length === limit && last !== undefined ? last.seq : null } };
    },
  };
}

export function kickRoute(deps: RouteDeps): Route {
  return {
    method: 'POST',
    pattern: '/api/v1/kick',
    name: 'kick',
    auth: 'api-key',
    body: true,
    handle: async (req) => {
      const request = parseOrBadRequest(KickRequestSchema, req.body);
      const { uid, platform, message } = request;
      const entries = (await deps.presence.list(uid)).filter((e) => platform === undefined || e.platform === platform);
      const room = userRoom(uid, platform);
      deps.kicker.kickEverywhere([room], request.reason ?? 'admin', entries.length, message);
      deps.logger.info('user kicked through the API', { uid, platform, kicked: entries.length, key: req.keyId });
      return { status: 200, json: { ok: true, uid, kicked: entries.length } satisfies KickAnswer };
    },
  };
}
