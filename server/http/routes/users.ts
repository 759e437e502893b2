import { KickRequestSchema, UidSchema } from '../../../shared/protocol';
import { userPlatformRoom, userRoom } from '../../socket/rooms';
import type { Route } from '../router';
import { parseOrBadRequest } from '../validate';
import type { RouteDeps } from './deps';

export function onlineRoute(deps: RouteDeps): Route {
  return {
    method: 'GET',
    pattern: '/api/v1/online/:uid',
    name: 'online',
    auth: 'api-key',
    handle: async (req) => {
      const uid = parseOrBadRequest(UidSchema, req.params.uid, 'uid: ');
      const entries = await deps.presence.list(uid);
      return {
        status: 200,
        json: {
          ok: true,
          uid,
          online: entries.length > 0,
          connections: entries.length,
          platforms: [...new Set(entries.map((e) => e.platform))].sort(),
          sessions: entries.map((e) => ({ sid: e.sid, platform: e.platform, device: e.device, since: e.since, node: e.nodeId })),
        },
      };
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
      const room = platform === undefined ? userRoom(uid) : userPlatformRoom(uid, platform);
      deps.kicker.kickEverywhere([room], request.reason ?? 'admin', entries.length, message);
      deps.logger.info('user kicked through the API', { uid, platform, kicked: entries.length, key: req.keyId });
      return { status: 200, json: { ok: true, uid, kicked: entries.length } };
    },
  };
}
