/**
 * The primary process of a host: forks the Socket.IO workers, shards connections to them with
 * @socket.io/sticky (least-connection), relays the cluster adapter's messages when there is no
 * Redis, answers workers' questions (presence, stats, metrics, readiness), brings dead workers
 * back with a back-off, and stops everything gracefully on SIGTERM.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { setupPrimary as setupClusterAdapterPrimary } from '@socket.io/cluster-adapter';
import { setupMaster as setupStickyPrimary } from '@socket.io/sticky';
import type Redis from 'ioredis';
import { AggregatorRegistry } from 'prom-client';
import type { HeraldConfig } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { createRedisClient } from '../../shared/redis';
import { migrateStore } from '../../shared/store';
import { isHeraldMessage, type PrimaryRequests, type PrimaryToWorker, type ReadyNotice, type RequestMessage, type WorkerToPrimary } from '../cluster/ipc';
import { purgePresenceNode } from '../cluster/redis-presence';
import { summarize } from '../cluster/stats';
import { HostMonitor } from './host-monitor';
import { HostRegistry } from './host-registry';
import { RespawnPolicy } from './respawn-policy';
import { stopReadingBeforeHandoff } from './socket-handoff';

/** Sticky's least-connection counter, which we also use to keep new connections off a worker. */
type StickyWorker = Worker & { clientsCount?: number };

interface Slot {
  index: number;
  worker?: StickyWorker;
  nodeId?: string;
  startedAt: number;
  ready: boolean;
  respawnTimer?: NodeJS.Timeout;
}

export interface PrimaryOptions {
  /** Milliseconds to wait for every worker at start before listening anyway. @default 30000 */
  startTimeoutMs?: number;
}

export class Primary {
  private readonly slots: Slot[] = [];
  private readonly monitor: HostMonitor;
  private readonly respawn = new RespawnPolicy();
  private readonly aggregator = new AggregatorRegistry();
  private server: NetServer | undefined;
  private redis: Redis | undefined;
  private registry: HostRegistry | undefined;
  private stopping: Promise<void> | undefined;
  private readonly startedAt = Date.now();
  private port = 0;

  constructor(
    private readonly config: HeraldConfig,
    private readonly logger: Logger,
    private readonly options: PrimaryOptions = {},
  ) {
    this.monitor = new HostMonitor({
      hostId: config.hostId,
      ...(config.advertiseUrl !== undefined ? { url: config.advertiseUrl } : {}),
      env: config.env,
      adapter: config.redis.url !== undefined ? 'redis' : 'cluster',
      expectedWorkers: config.workers,
      startedAt: this.startedAt,
    });
  }

  /** Forks the workers, waits for them, then listens. Resolves with the port. */
  async start(): Promise<number> {
    const { config, logger } = this;
    cluster.setupPrimary({ exec: join(__dirname, '..', 'worker', 'entry.js'), serialization: 'advanced' });
    if (config.redis.url === undefined) {
      setupClusterAdapterPrimary();
    } else {
      this.redis = createRedisClient(config.redis.url, logger, { role: 'host-registry' });
      this.registry = new HostRegistry(this.redis, logger, () => this.monitor.snapshot(Date.now()), { prefix: config.redis.prefix });
      this.registry.start();
    }
    cluster.on('message', this.onMessage);
    cluster.on('exit', this.onExit);
    await this.migrateStore();

    for (let index = 0; index < config.workers; index++) {
      this.slots.push({ index, startedAt: 0, ready: false });
      this.fork(index);
    }
    await this.waitForWorkers(this.options.startTimeoutMs ?? 30_000);

    const server = createServer();
    this.server = server;
    // A client may reset or half-close while sticky still relays to it; without a listener that
    // 'error' would be an uncaught exception in the primary.
    server.on('connection', (socket) => socket.on('error', () => socket.destroy()));
    // Sticky only needs the server's 'connection' events; a plain TCP server has no HTTP parser
    // competing for the first bytes.
    setupStickyPrimary(server as unknown as HttpServer, { loadBalancingMethod: 'least-connection' });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: config.port, host: config.host }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => logger.error('listening socket error', { error: err.message }));
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : config.port;
    logger.info('herald is listening', {
      port: this.port,
      env: config.env,
      workers: config.workers,
      adapter: config.redis.url !== undefined ? 'redis' : 'cluster',
      hostId: config.hostId,
    });
    const notice: ReadyNotice = { type: 'herald:host-ready', port: this.port, pid: process.pid, hostId: config.hostId, workers: config.workers };
    process.send?.(notice);
    return this.port;
  }

  /**
   * Brings the store's schema up to date before any worker uses it. When the database is
   * unreachable the host starts anyway (durable pushes answer STORE_UNAVAILABLE, /readyz says so)
   * and the migration is retried every few seconds until it succeeds.
   */
  private async migrateStore(): Promise<void> {
    try {
      const report = await migrateStore(this.config, this.logger);
      if (report.applied.length > 0) this.logger.info('message store migrated', { kind: report.kind, from: report.from, to: report.to });
    } catch (err) {
      this.logger.error('message store unavailable at start; durable pushes are refused until it returns', { error: (err as Error).message });
      const retry = setTimeout(() => {
        if (this.stopping === undefined) void this.migrateStore();
      }, 5000);
      retry.unref();
    }
  }

  /**
   * Graceful stop: no new connections, workers kick their clients with `shutdown` (reconnect) and
   * exit; after `shutdownTimeout` the rest are killed. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const timeoutMs = this.config.shutdownTimeout * 1000;
    this.logger.info('stopping: draining workers', { timeoutSeconds: this.config.shutdownTimeout });
    this.server?.close();
    for (const slot of this.slots) {
      if (slot.respawnTimer !== undefined) clearTimeout(slot.respawnTimer);
      if (slot.worker !== undefined) this.send(slot.worker, { type: 'herald:shutdown', reason: 'shutdown' });
    }
    const deadline = Date.now() + timeoutMs;
    while (this.liveWorkers().length > 0 && Date.now() < deadline) await sleep(50);
    const stragglers = this.liveWorkers();
    for (const worker of stragglers) worker.process.kill('SIGKILL');
    if (stragglers.length > 0) this.logger.warn('workers did not stop in time and were killed', { count: stragglers.length });
    while (this.liveWorkers().length > 0) await sleep(20);
    cluster.off('message', this.onMessage);
    cluster.off('exit', this.onExit);
    await this.registry?.close();
    this.redis?.disconnect();
    this.logger.info('stopped');
  }

  private liveWorkers(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  }

  private fork(index: number): void {
    const slot = this.slots[index] as Slot;
    slot.respawnTimer = undefined;
    const worker: StickyWorker = cluster.fork({ HERALD_WORKER_INDEX: String(index) });
    stopReadingBeforeHandoff(worker);
    // Keep sticky's least-connection choice off this worker until it is ready to take sockets.
    worker.clientsCount = Number.POSITIVE_INFINITY;
    slot.worker = worker;
    slot.ready = false;
    slot.startedAt = Date.now();
    slot.nodeId = `${this.config.hostId}/${index}/${worker.process.pid ?? 0}`;
    this.monitor.onStarting(slot.nodeId, index, worker.process.pid ?? 0, slot.startedAt);
  }

  private async waitForWorkers(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.slots.every((s) => s.ready)) return;
      await sleep(20);
    }
    const ready = this.slots.filter((s) => s.ready).length;
    if (ready === 0) throw new Error(`no worker became ready within ${timeoutMs} ms`);
    this.logger.warn('listening before every worker is ready', { ready, expected: this.slots.length });
  }

  private slotOf(worker: Worker): Slot | undefined {
    return this.slots.find((s) => s.worker === worker);
  }

  private readonly onMessage = (worker: Worker, message: unknown): void => {
    if (!isHeraldMessage(message)) return;
    const slot = this.slotOf(worker);
    const msg = message as WorkerToPrimary;
    switch (msg.type) {
      case 'herald:worker-ready':
        if (slot === undefined) return;
        slot.ready = true;
        slot.nodeId = msg.nodeId;
        (worker as StickyWorker).clientsCount = 0;
        this.monitor.onReady(msg.nodeId);
        this.logger.debug('worker ready', { index: slot.index, pid: worker.process.pid });
        break;
      case 'herald:report':
        this.monitor.onReport(msg.report);
        break;
      case 'herald:presence-add':
        this.monitor.presence.add(msg.entry);
        break;
      case 'herald:presence-remove':
        this.monitor.presence.remove(msg.uid, msg.sid);
        break;
      case 'herald:request':
        void this.answer(worker, msg);
        break;
    }
  };

  private async answer(worker: Worker, request: RequestMessage): Promise<void> {
    try {
      const result = await this.handle(request);
      this.send(worker, { type: 'herald:response', id: request.id, ok: true, result });
    } catch (err) {
      this.send(worker, { type: 'herald:response', id: request.id, ok: false, error: (err as Error).message });
    }
  }

  private async handle(request: RequestMessage): Promise<PrimaryRequests[RequestMessage['op']]['result']> {
    const presence = this.monitor.presence;
    switch (request.op) {
      case 'presence.add':
        return presence.add(request.args);
      case 'presence.list':
        return presence.list(request.args.uid);
      case 'presence.count':
        return presence.countConnections(request.args.uids, request.args.platform);
      case 'cluster.stats':
        return summarize(this.registry?.hosts() ?? [this.monitor.snapshot(Date.now())]);
      case 'host.metrics':
        return this.aggregator.clusterMetrics();
      case 'host.readiness': {
        const base = { readyWorkers: this.monitor.readyWorkers, expectedWorkers: this.config.workers };
        return this.registry !== undefined ? { ...base, redis: this.registry.redisReady ? 'ready' : 'down' } : base;
      }
      case 'cluster.endpoint': {
        const url = this.registry?.leastLoadedUrl();
        return url !== undefined ? { url } : {};
      }
    }
  }

  private readonly onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    const slot = this.slotOf(worker);
    if (slot === undefined) return;
    const nodeId = slot.nodeId;
    slot.worker = undefined;
    slot.ready = false;
    if (nodeId !== undefined) {
      this.monitor.onExit(nodeId);
      if (this.redis !== undefined && this.redis.status === 'ready') {
        void purgePresenceNode(this.redis, this.config.redis.prefix, nodeId).catch(() => undefined);
      }
    }
    if (this.stopping !== undefined) return;
    const lived = Date.now() - slot.startedAt;
    const delay = this.respawn.delayAfterExit(slot.index, lived);
    this.logger.warn('worker exited; respawning', {
      index: slot.index,
      pid: worker.process.pid,
      code,
      signal,
      livedMs: lived,
      respawnInMs: delay,
      quickFailures: this.respawn.failuresOf(slot.index),
    });
    slot.respawnTimer = setTimeout(() => {
      if (this.stopping === undefined) this.fork(slot.index);
    }, delay);
  };

  private send(worker: Worker, message: PrimaryToWorker): void {
    if (!worker.isConnected()) return;
    worker.send(message, undefined, (err: Error | null) => {
      if (err !== null) this.logger.debug('message to worker failed', { error: err.message });
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
