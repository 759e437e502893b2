/**
 * A Socket.IO worker: wires the gateway to its adapter (cluster or Redis), its presence, the
 * primary (IPC) and, with Redis, the Redis ingress; reports to the primary every second; stops
 * gracefully when the primary says so, on SIGTERM, or when the primary is gone.
 */
import { createServer } from 'node:http';
import { createAdapter as createClusterAdapter } from '@socket.io/cluster-adapter';
import { createAdapter as createRedisAdapter } from '@socket.io/redis-adapter';
import { setupWorker } from '@socket.io/sticky';
import type Redis from 'ioredis';
import { AggregatorRegistry } from 'prom-client';
import { ConfigError } from '../../shared/errors';
import { loadConfig, type HeraldConfig } from '../../shared/config';
import { createLogger, type Logger } from '../../shared/logger';
import { createRedisClient, isRedisReady } from '../../shared/redis';
import { PrimaryClusterLink } from '../cluster/cluster-link';
import { HostCountingPresence, IpcPresence } from '../cluster/ipc-presence';
import type { ShutdownReason } from '../cluster/ipc';
import type { Presence } from '../cluster/presence';
import { PrimaryClient } from '../cluster/primary-client';
import { RedisPresence } from '../cluster/redis-presence';
import { Gateway } from '../gateway';
import type { HealthCheck } from '../http/health';
import { Metrics } from '../metrics';
import { RedisIngress } from '../push/redis-ingress';
import { createMessageStore } from '../../shared/store';

/** Milliseconds between reports to the primary. */
const REPORT_INTERVAL_MS = 1000;

export function runWorker(releaseHeldConnections: () => void): void {
  const index = Number(process.env.HERALD_WORKER_INDEX ?? '0');
  let config: HeraldConfig;
  try {
    config = loadConfig();
  } catch (err) {
    // The primary validated the same configuration; this only happens if it changed on disk.
    console.error(`herald worker ${index}: invalid configuration: ${err instanceof ConfigError ? err.message : String(err)}`);
    process.exit(78);
  }
  const nodeId = `${config.hostId}/${index}/${process.pid}`;
  const logger = createLogger({ level: config.log.level, format: config.log.format, defaults: { proc: `worker-${index}` } });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', { error: (reason as Error)?.stack ?? String(reason) });
  });
  process.on('uncaughtException', (err) => {
    logger.error('uncaught exception; exiting', { error: err.stack ?? err.message });
    process.exit(1);
  });

  let shutdown: (reason: ShutdownReason) => void = () => undefined;
  const primary = new PrimaryClient((reason) => shutdown(reason));
  const redisClients: Redis[] = [];
  const healthChecks: HealthCheck[] = [];
  let presence: Presence;
  let redisPresence: RedisPresence | undefined;
  let adapter;
  if (config.redis.url !== undefined) {
    const url = config.redis.url;
    const pub = createRedisClient(url, logger, { role: 'adapter-pub', offlineQueue: true });
    const sub = createRedisClient(url, logger, { role: 'adapter-sub', offlineQueue: true });
    const presenceClient = createRedisClient(url, logger, { role: 'presence' });
    redisClients.push(pub, sub, presenceClient);
    adapter = createRedisAdapter(pub, sub, { key: `${config.redis.prefix}socket.io` });
    redisPresence = new RedisPresence(presenceClient, logger, { prefix: config.redis.prefix, nodeId });
    presence = new HostCountingPresence(redisPresence, primary);
    healthChecks.push({
      name: 'redis',
      check: () => {
        const down = redisClients.filter((c) => !isRedisReady(c));
        return down.length === 0 ? { ok: true } : { ok: false, detail: `${down.length} of ${redisClients.length} connections down` };
      },
    });
  } else {
    adapter = createClusterAdapter();
    presence = new IpcPresence(primary);
  }

  const store = createMessageStore(config, logger);
  const metrics = new Metrics({ defaultMetrics: true });
  // Constructing it in a worker installs prom-client's answer to the primary's metric requests.
  new AggregatorRegistry();
  const gateway = new Gateway({
    config,
    httpServer: createServer(),
    logger,
    nodeId,
    presence,
    cluster: new PrimaryClusterLink(primary),
    adapter,
    metrics,
    healthChecks,
    store,
  });
  setupWorker(gateway.io);
  releaseHeldConnections();
  gateway.start();
  redisPresence?.start();
  let ingress: RedisIngress | undefined;
  if (config.redis.url !== undefined) {
    ingress = new RedisIngress(config.redis.url, gateway.push, metrics, logger, { prefix: config.redis.prefix, consumer: nodeId });
    ingress.start();
  }

  // One worker per host deletes expired messages and stale cursors (safe if several hosts do).
  const cleanup =
    index === 0
      ? setInterval(() => {
          store
            .cleanup(Date.now(), { cursorRetentionMs: config.delivery.cursorRetention * 1000 })
            .then((deleted) => {
              if (deleted.messages + deleted.cursors > 0) logger.info('expired messages deleted', deleted);
            })
            .catch((err: Error) => logger.warn('message cleanup failed; retrying later', { error: err.message }));
        }, config.delivery.cleanupInterval * 1000)
      : undefined;
  cleanup?.unref();
  const report = setInterval(() => primary.send({ type: 'herald:report', report: gateway.report({ nodeId, index }) }), REPORT_INTERVAL_MS);
  report.unref();
  primary.send({ type: 'herald:worker-ready', nodeId });
  primary.send({ type: 'herald:report', report: gateway.report({ nodeId, index }) });

  let stopping = false;
  shutdown = (reason) => {
    if (stopping) return;
    stopping = true;
    void stop(reason, logger);
  };
  const stop = async (reason: ShutdownReason, log: Logger): Promise<void> => {
    log.debug('worker stopping', { reason });
    clearInterval(report);
    if (cleanup !== undefined) clearInterval(cleanup);
    const hardStop = setTimeout(() => process.exit(0), config.shutdownTimeout * 1000);
    hardStop.unref();
    await ingress?.close().catch(() => undefined);
    await gateway.close(reason).catch((err: Error) => log.warn('gateway close failed', { error: err.message }));
    await store.close().catch((err: Error) => log.warn('store close failed', { error: err.message }));
    for (const client of redisClients) client.disconnect();
    primary.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('shutdown'));
  // Ctrl-C reaches every process of the group; the primary coordinates the stop.
  process.on('SIGINT', () => undefined);
  process.on('disconnect', () => shutdown('shutdown'));
}
