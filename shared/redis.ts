/**
 * ioredis clients with the settings every Herald component wants: an 'error' listener (an
 * unhandled one would crash the process), endless reconnects with a capped back-off, and
 * commands that fail fast while disconnected instead of piling up.
 */
import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from './logger';

export interface RedisClientOptions {
  /** Short name for logs, e.g. `adapter-pub`. */
  role: string;
  /** Queue commands while disconnected (the adapter's clients need it); default false. */
  offlineQueue?: boolean;
  /**
   * Send the commands of one event-loop tick in one write (ioredis auto-pipelining). For clients
   * that issue many commands under load (the adapter's publisher, presence); not for subscribers.
   */
  autoPipelining?: boolean;
}

export function createRedisClient(url: string, logger: Logger, options: RedisClientOptions): Redis {
  const redisOptions: RedisOptions = {
    lazyConnect: false,
    enableOfflineQueue: options.offlineQueue ?? false,
    maxRetriesPerRequest: options.offlineQueue === true ? null : 1,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 10), 2000),
    connectionName: `herald-${options.role}`,
    enableAutoPipelining: options.autoPipelining ?? false,
  };
  const client = new Redis(url, redisOptions);
  let lastError = '';
  client.on('error', (err: Error) => {
    // One line per distinct failure, not one per retry.
    if (err.message === lastError) return;
    lastError = err.message;
    logger.warn('redis error', { role: options.role, error: err.message });
  });
  client.on('ready', () => {
    if (lastError !== '') logger.info('redis reconnected', { role: options.role });
    lastError = '';
  });
  return client;
}

/** Whether a client can take commands now. */
export function isRedisReady(client: Redis): boolean {
  return client.status === 'ready';
}
