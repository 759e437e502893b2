/**
 * A Socket.IO worker: one gateway (Socket.IO + HTTP API) on connections the primary hands over —
 * through @socket.io/sticky, or as raw TCP under TLS, where this process does the handshake.
 * With Redis it also runs the Redis ingress. Large fan-outs go to a task process.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { setupWorker } from '@socket.io/sticky';
import type { HeraldConfig } from '../../shared/config';
import { createMessageStore } from '../../shared/store';
import { bootChild, pushPlumbing } from '../../server/cluster/child-runtime';
import { PrimaryClusterLink } from '../../server/cluster/cluster-link';
import { isHeraldMessage, TASK_REPLY_TIMEOUT_MS } from '../../server/cluster/ipc';
import { newSessionId, sessionIdPrefix } from '../../server/cluster/session-id';
import { Gateway } from '../../server/gateway';
import { Metrics } from '../../server/metrics';
import { RedisIngress } from '../../server/push/redis-ingress';
import { HandedConnections } from './handed-connections';
import { KeepAliveConnections } from '../../server/http/keep-alive';

/** Milliseconds of shutdownTimeout kept for closing Socket.IO and the store after the HTTP drain. */
const DRAIN_RESERVE_MS = 1000;

export function runWorker(releaseHeldConnections: () => void): void {
  const runtime = bootChild('worker');
  const { config, logger, primary, nodeId, index } = runtime;
  const metrics = new Metrics({ defaultMetrics: true });
  const plumbing = pushPlumbing(runtime, metrics.counters);
  const store = createMessageStore(config, logger);
  const tls = config.tls.enabled;
  const httpServer = tls ? createTlsServer(config.tls, config) : createHttpServer();
  const gateway = new Gateway({
    config,
    httpServer,
    logger,
    nodeId,
    presence: plumbing.presence,
    cluster: new PrimaryClusterLink(primary),
    adapter: plumbing.adapter,
    metrics,
    healthChecks: plumbing.healthChecks,
    store,
    offload: async (request, origin) => {
      // null: no task process to take it, so it is done here rather than refused.
      const result = await primary.request('task.push', { request, origin }, TASK_REPLY_TIMEOUT_MS);
      return result ?? undefined;
    },
  });
  if (tls) {
    process.on('message', (message: unknown, socket?: Socket) => {
      if (!isHeraldMessage(message) || message.type !== 'herald:tls-connection' || socket === undefined) return;
      httpServer.emit('connection', socket);
      socket.resume();
    });
  } else {
    // Every session id names this process, so the primary routes its requests here without
    // waiting to be told (server/primary/sticky-balancer.ts).
    const prefix = sessionIdPrefix(cluster.worker?.id ?? 0);
    gateway.io.engine.generateId = () => newSessionId(prefix);
    const before = new Set(httpServer.listeners('request'));
    setupWorker(gateway.io);
    // setupWorker closes every HTTP connection after one response, so that no connection carries
    // requests of two sessions owned by different workers. Backend API calls (they carry an API
    // key) never touch a session: they keep their connection (keepConnection below), and no
    // longer pay a new TCP connection and a hand-off per push.
    for (const listener of httpServer.listeners('request')) {
      if (!before.has(listener)) httpServer.off('request', listener as (...args: unknown[]) => void);
    }
  }
  const handed = new HandedConnections(httpServer, { tls, headTimeoutMs: config.connection.headerTimeout * 1000 });
  handed.start();
  // Under TLS every connection stays with this worker (the primary hands over raw TCP), so any
  // request may keep its connection.
  const connections = new KeepAliveConnections({
    timeout: config.http.keepAliveTimeout,
    keepConnection: tls ? () => true : (req) => req.headers.authorization !== undefined && req.url?.startsWith('/socket.io') !== true,
  });
  connections.attach(httpServer);
  releaseHeldConnections();
  gateway.start();
  // Live durable copies may have been lost while the adapter could not reach Redis: every
  // connected device re-reads its gap from the store (docs/DELIVERY.md, the seq gate).
  plumbing.onRedisRecovered(() => {
    gateway.resyncAll();
  });
  plumbing.redisPresence?.start();
  let ingress: RedisIngress | undefined;
  if (config.redis.adapter === 'redis') {
    ingress = new RedisIngress(config.redis.connection, gateway.push, metrics, logger, { prefix: config.redis.prefix, consumer: nodeId, maxDataDepth: config.push.maxDataDepth }, gateway.idempotency);
    ingress.start();
  }
  // Without the cron process, worker 0 of each host deletes expired messages on an interval.
  const cleanup =
    !config.cron.enabled && index === 0
      ? setInterval(() => {
          store
            .cleanup(Date.now(), { cursorRetentionMs: config.delivery.cursorRetention * 1000 })
            .catch((err: Error) => logger.warn('message cleanup failed; retrying later', { error: err.message }));
        }, config.delivery.cleanupInterval * 1000)
      : undefined;
  cleanup?.unref();

  // The drain, in the order that refuses nothing already accepted: take no more Redis ingress;
  // answer every HTTP call with `Connection: close` and wait until each connection is gone (an
  // idle keep-alive one once its announced timeout has run out) while Socket.IO clients are
  // kicked; only then close Socket.IO, presence and the store. Closing the store first answered
  // calls still arriving on kept-alive connections with 503 "The message store is closed".
  runtime.onShutdown(async (reason) => {
    if (cleanup !== undefined) clearInterval(cleanup);
    await ingress?.close().catch(() => undefined);
    const drainMs = Math.max(500, config.shutdownTimeout * 1000 - DRAIN_RESERVE_MS);
    const [drained] = await Promise.all([connections.drain(drainMs), gateway.kickAll(reason)]);
    if (drained.destroyed > 0) logger.warn('HTTP connections still open at the end of the drain were closed', { ...drained });
    await gateway.close(reason);
    // After the drain: the primary hears of every connection that closed during it.
    handed.close();
    await store.close().catch((err: Error) => logger.warn('store close failed', { error: err.message }));
    for (const client of plumbing.redisClients) client.disconnect();
  });
  runtime.ready(() => gateway.report({ nodeId, index }));
}

function createTlsServer({ cert, key }: { cert: string; key: string }, config: HeraldConfig): HttpServer {
  // The TLS handshake gets the same time as a request head (handed-connections.ts).
  const handshakeTimeout = config.connection.headerTimeout * 1000;
  return createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key), handshakeTimeout }) as unknown as HttpServer;
}
