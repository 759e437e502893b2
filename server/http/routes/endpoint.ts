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

/** The URL a client should use: configured public URL, else least-loaded host, else this one. */
async function connectionUrl(deps: RouteDeps, req: ApiRequest): Promise<string> {
  if (deps.config.publicUrl !== undefined) return deps.config.publicUrl;
  const fromCluster = await deps.cluster.endpointUrl().catch(() => undefined);
  if (fromCluster !== undefined) return fromCluster;
  const host = req.headers.host ?? `127.0.0.1:${deps.config.port}`;
  return `http://${host}`;
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
