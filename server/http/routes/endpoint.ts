import { normalizeIp } from '../client-address';
import type { ApiRequest, Route } from '../router';
import type { RouteDeps } from './deps';

/** The connection policy clients apply (contract section 4), all durations in seconds. */
export function clientPolicy(deps: Pick<RouteDeps, 'config'>) {
  const { client, connection } = deps.config;
  return {
    reconnect: { attempts: client.reconnectDelays.length, delays: [...client.reconnectDelays], jitter: client.reconnectJitter },
    heartbeat: { interval: connection.heartbeatInterval, timeout: client.heartbeatTimeout, retries: client.heartbeatRetries },
    login: { retryInterval: client.loginRetryInterval },
    idleTimeout: connection.idleTimeout,
    connectTimeout: client.connectTimeout,
  };
}

/**
 * The URL a client should use: the configured public URL, else the least-loaded host, else the
 * address this request came to — as a trusted proxy saw it (X-Forwarded-Proto/-Host), so clients
 * behind nginx's TLS block are told https, not the proxy's plain upstream address.
 */
async function connectionUrl(deps: RouteDeps, req: ApiRequest): Promise<string> {
  if (deps.config.publicUrl !== undefined) return deps.config.publicUrl;
  const fromCluster = await deps.cluster.endpointUrl().catch(() => undefined);
  if (fromCluster !== undefined) return fromCluster;
  const viaProxy = deps.config.trustedProxies.includes(normalizeIp(req.raw.socket.remoteAddress));
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  const forwardedProto = viaProxy ? first(req.headers['x-forwarded-proto']) : undefined;
  const forwardedHost = viaProxy ? first(req.headers['x-forwarded-host']) : undefined;
  const tls = deps.config.tls.enabled;
  const proto = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : tls ? 'https' : 'http';
  const host = forwardedHost ?? req.headers.host ?? `127.0.0.1:${deps.config.port}`;
  return `${proto}://${host}`;
}

export function endpointRoute(deps: RouteDeps): Route {
  return {
    method: 'GET',
    pattern: '/api/v1/endpoint',
    name: 'endpoint',
    auth: 'public',
    handle: async (req) => ({
      status: 200,
      json: {
        ok: true,
        url: await connectionUrl(deps, req),
        path: '/socket.io',
        transports: [...deps.config.connection.transports],
        ttl: deps.config.client.endpointTtl,
        policy: clientPolicy(deps),
      },
    }),
  };
}
