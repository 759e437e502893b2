/**
 * ioredis clients with the settings every Herald component wants: an 'error' listener (an
 * unhandled one would crash the process), endless reconnects with a short capped back-off, and
 * commands that fail fast while disconnected instead of piling up. One factory for the three ways
 * of reaching Redis (`RedisConnection`): one server, a Redis Cluster, a Sentinel-managed master.
 */
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConnection } from './config/schema';
import type { Logger } from './logger';

/**
 * A client of one Redis or of a Redis Cluster. Code above this file uses only what both offer:
 * single-key commands (or several keys that share a hash tag), `status`, and the events
 * 'ready' / 'close' / 'end' (docs/ARCHITECTURE.md "Redis keys").
 */
export type RedisClient = Redis | Cluster;

/** How soon a lost connection is tried again. */
export interface ReconnectBackoff {
  /** Milliseconds before the first attempt; doubled on each failure. @default 50 */
  firstDelayMs: number;
  /** Milliseconds between attempts at most. @default 250 */
  maxDelayMs: number;
}

/**
 * Every client retries at most every 250 ms: after Redis returns, every connection of every host
 * is back within about that, so cross-host delivery resumes in well under a second (it was up to
 * 2 s with a 2 s cap, and pushes published in that gap reached nobody on the hosts still away).
 * A refused connection costs Redis and the host next to nothing; 4 attempts a second per client
 * while it is down is cheap.
 */
export const DEFAULT_RECONNECT_BACKOFF: ReconnectBackoff = {
  firstDelayMs: 50,
  maxDelayMs: 250,
};

/** Milliseconds before reconnect attempt `attempt` (1-based). */
export function reconnectDelay(attempt: number, backoff: ReconnectBackoff = DEFAULT_RECONNECT_BACKOFF): number {
  return Math.min(backoff.firstDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 16), backoff.maxDelayMs);
}

export interface RedisClientOptions {
  /** Short name for logs, e.g. `adapter-pub`. */
  role: string;
  /** Queue commands while disconnected (subscribers, blocking readers); default false. */
  offlineQueue?: boolean;
  /**
   * Reject the commands in flight as soon as the connection drops, instead of sending them again
   * after the reconnect (default false). For a caller that holds and resends what failed itself,
   * at a moment it chooses (the adapter's publisher, server/cluster/redis-outage-buffer.ts).
   */
  failInFlight?: boolean;
  /**
   * Send the commands of one event-loop tick in one write (ioredis auto-pipelining). For clients
   * that issue many commands under load (the adapter's publisher, presence); not for subscribers.
   */
  autoPipelining?: boolean;
  /**
   * A subscriber connection (default false): no INFO ready check. Subscribe commands may be
   * written while the connection is still in its handshake (Redis allows them while loading);
   * one written then put the connection in subscriber mode before ioredis's ready check, whose
   * INFO was then refused ("Connection in subscriber mode…"), failing the connection and
   * leaving an unhandled rejection (seen once in CI on a worker's adapter subscriber).
   */
  subscriber?: boolean;
}

export function createRedisClient(connection: RedisConnection, logger: Logger, options: RedisClientOptions): RedisClient {
  const offlineQueue = options.offlineQueue === true && options.failInFlight !== true;
  const redisOptions: RedisOptions = {
    lazyConnect: false,
    enableOfflineQueue: offlineQueue,
    // 0: what was in flight fails at the first disconnect; 1: at the second failed attempt.
    maxRetriesPerRequest: offlineQueue ? null : options.failInFlight === true ? 0 : 1,
    retryStrategy: (attempt) => reconnectDelay(attempt),
    connectionName: `herald-${options.role}`,
    enableAutoPipelining: options.autoPipelining ?? false,
    enableReadyCheck: options.subscriber !== true,
  };
  const client = connect(connection, redisOptions, options);
  let lastError = '';
  const warn = (err: Error, node?: string) => {
    // One line per distinct failure, not one per retry.
    if (err.message === lastError) return;
    lastError = err.message;
    logger.warn('redis error', { role: options.role, error: err.message, ...(node !== undefined ? { node } : {}) });
  };
  client.on('error', (err: Error) => warn(err));
  // A cluster reports each node's failure here (its own 'error' is for the cluster as a whole).
  client.on('node error', (err: Error, node: string) => warn(err, node));
  client.on('ready', () => {
    if (lastError !== '') logger.info('redis reconnected', { role: options.role });
    lastError = '';
  });
  return client;
}

function connect(connection: RedisConnection, redisOptions: RedisOptions, options: RedisClientOptions): RedisClient {
  if (connection.kind === 'single') return new Redis(connection.url, redisOptions);
  const credentials = { username: connection.username, password: connection.password };
  if (connection.kind === 'sentinel') {
    return new Redis({
      ...redisOptions,
      ...credentials,
      sentinels: connection.sentinels,
      name: connection.name,
      sentinelRetryStrategy: (attempt) => reconnectDelay(attempt),
    });
  }
  const { enableOfflineQueue, retryStrategy: _perNode, enableAutoPipelining: _pipelined, ...nodeOptions } = redisOptions;
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...nodeOptions, ...credentials },
    enableOfflineQueue,
    // Off on a cluster: during a failover an auto-pipelined batch that mixes slots gets MOVED
    // answers that ioredis does not retry (measured: ~210 of ~900 publishes lost per failover).
    enableAutoPipelining: false,
    // A MOVED or CLUSTERDOWN is retried every retryDelayOnFailover (~70 ms a round): 16 rounds
    // fail a command after about a second, which callers see as REDIS_UNAVAILABLE and retry. A
    // subscriber has nobody to retry for it (the adapter does not await SSUBSCRIBE), so it keeps
    // trying for as long as a failover with a 15 s cluster-node-timeout takes.
    maxRedirections: options.subscriber === true ? 400 : 16,
    enableReadyCheck: options.subscriber !== true,
    // Each subscription to a sharded channel goes to the master that owns its slot (SSUBSCRIBE),
    // and moves with the slot on a failover.
    shardedSubscribers: options.subscriber === true,
    clusterRetryStrategy: (attempt) => reconnectDelay(attempt),
    // A failover (MOVED, CLUSTERDOWN, a refused node) is retried this often, and the slot map
    // refreshed, until the replica has taken over.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 1000,
    // Failures and MOVED answers refresh the slot map at once; the timer is only a backstop
    // (ioredis's 5 s default costs every client a CLUSTER SLOTS round trip that often).
    slotsRefreshInterval: 30_000,
    scaleReads: 'master',
  };
  const cluster = new Cluster(connection.nodes, clusterOptions);
  if (options.subscriber === true) catchSubscribeFailures(cluster);
  return cluster;
}

/**
 * The Redis adapter calls SSUBSCRIBE and SUNSUBSCRIBE without awaiting them; one that fails during
 * a failover would be an unhandled rejection. ioredis keeps the channel and subscribes it again
 * once the slot has a master, so the failure only needs to be caught (and is logged by 'error').
 */
function catchSubscribeFailures(cluster: Cluster): void {
  for (const name of ['ssubscribe', 'sunsubscribe'] as const) {
    const original = cluster[name].bind(cluster) as (...args: unknown[]) => Promise<unknown>;
    (cluster as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const answer = original(...args);
      answer.catch(() => undefined);
      return answer;
    };
  }
}

/** Whether a client can take commands now. */
export function isRedisReady(client: RedisClient): boolean {
  return client.status === 'ready';
}
