/**
 * What every child process of a host (Socket.IO worker, task process, cron process) does alike:
 * read the configuration, name itself, log, talk to the primary, report every second, answer
 * prom-client's aggregation, and stop gracefully — when the primary says so, on SIGTERM, or when
 * the primary is gone. Also the adapter and presence a process needs to push.
 */
import { createAdapter as createClusterAdapter } from '@socket.io/cluster-adapter';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { RedisClient } from '../../shared/redis';
import { AggregatorRegistry } from 'prom-client';
import type { ServerOptions } from 'socket.io';
import { loadConfig, type HeraldConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { createLogger, type Logger } from '../../shared/logger';
import { userRoutedAdapter } from '../../shared/patches/redis-adapter-user-channels';
import { createRedisClient, isRedisReady } from '../../shared/redis';
import type { HealthCheck } from '../http/health';
import { isUserRoom } from '../socket/rooms';
import { HostCountingPresence, IpcPresence } from './ipc-presence';
import type { ShutdownReason } from './ipc';
import type { Presence } from './presence';
import { PrimaryClient } from './primary-client';
import { RedisOutageBuffer, type RecoveryListener } from './redis-outage-buffer';
import { RedisPresence } from './redis-presence';
import { nodeIdOf, processName, type ChildRole } from '../../shared/process-roles';
import type { WorkerCounters, WorkerReport } from './stats';

/** Milliseconds between reports to the primary. */
const REPORT_INTERVAL_MS = 1000;

export interface ChildRuntime {
  role: ChildRole;
  index: number;
  nodeId: string;
  config: HeraldConfig;
  logger: Logger;
  primary: PrimaryClient;
  /** Runs `stop` once, on the first shutdown request, then exits. */
  onShutdown(stop: (reason: ShutdownReason) => Promise<void>): void;
  /** Tells the primary this process is ready, and starts the reports. */
  ready(report: () => WorkerReport): void;
  /** Sends a report now (after a change worth showing at once). */
  reportNow(): void;
}

export function bootChild(role: ChildRole): ChildRuntime {
  const index = Number(process.env.HERALD_WORKER_INDEX ?? '0');
  let config: HeraldConfig;
  try {
    config = loadConfig();
  } catch (err) {
    // The primary validated the same configuration; this only happens if it changed on disk.
    console.error(`herald ${processName(role, index)}: invalid configuration: ${err instanceof ConfigError ? err.message : String(err)}`);
    process.exit(78);
  }
  const nodeId = nodeIdOf(config.hostId, role, index, process.pid);
  const name = processName(role, index);
  process.title = `herald: ${name}`;
  const logger = createLogger({ level: config.log.level, format: config.log.format, defaults: { proc: name } });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', { error: (reason as Error)?.stack ?? String(reason) });
  });
  process.on('uncaughtException', (err) => {
    logger.error('uncaught exception; exiting', { error: err.stack ?? err.message });
    process.exit(1);
  });
  // Constructing it in a child installs prom-client's answer to the primary's metric requests.
  new AggregatorRegistry();

  let stopFn: ((reason: ShutdownReason) => Promise<void>) | undefined;
  let makeReport: (() => WorkerReport) | undefined;
  let stopping = false;
  let reportTimer: NodeJS.Timeout | undefined;
  const shutdown = (reason: ShutdownReason): void => {
    if (stopping) return;
    stopping = true;
    if (reportTimer !== undefined) clearInterval(reportTimer);
    const hardStop = setTimeout(() => process.exit(0), config.shutdownTimeout * 1000);
    hardStop.unref();
    logger.debug('stopping', { reason });
    void (stopFn?.(reason) ?? Promise.resolve())
      .catch((err: Error) => logger.warn('stop failed', { error: err.message }))
      .finally(() => {
        primary.close();
        process.exit(0);
      });
  };
  const primary = new PrimaryClient(shutdown);
  process.on('SIGTERM', () => shutdown('shutdown'));
  // Ctrl-C reaches every process of the group; the primary coordinates the stop.
  process.on('SIGINT', () => undefined);
  process.on('disconnect', () => shutdown('shutdown'));

  return {
    role,
    index,
    nodeId,
    config,
    logger,
    primary,
    onShutdown: (stop) => {
      stopFn = stop;
    },
    reportNow: () => {
      if (makeReport !== undefined) primary.send({ type: 'herald:report', report: makeReport() });
    },
    ready: (report) => {
      makeReport = report;
      primary.send({ type: 'herald:worker-ready', nodeId });
      primary.send({ type: 'herald:report', report: report() });
      reportTimer = setInterval(() => primary.send({ type: 'herald:report', report: report() }), REPORT_INTERVAL_MS);
      reportTimer.unref();
    },
  };
}

export interface PushPlumbing {
  adapter: NonNullable<ServerOptions['adapter']>;
  presence: Presence;
  /** Set with Redis: start() it where sockets live (workers). */
  redisPresence?: RedisPresence;
  redisClients: RedisClient[];
  healthChecks: HealthCheck[];
  /**
   * Registers `listener` for "the Redis adapter is back after an outage": this process lost its
   * adapter connections, got them back, re-subscribed, and sent what it held meanwhile. Whatever
   * others published while this process could not subscribe never reached its sockets, so
   * durable delivery re-syncs each connected device from its cursor here. Called in this process
   * only, once per outage; never without Redis. Returns the function that removes the listener.
   */
  onRedisRecovered(listener: RecoveryListener): () => void;
}

/**
 * The adapter and presence of a process that pushes: cluster/IPC without Redis, Redis with it.
 * `counters`: where the Redis adapter counts the messages it receives (`adapterMessages`).
 */
export function pushPlumbing(runtime: ChildRuntime, counters?: Pick<WorkerCounters, 'adapterMessages'>): PushPlumbing {
  const { config, logger, primary, nodeId } = runtime;
  if (config.redis.adapter === 'cluster') {
    return {
      adapter: createClusterAdapter(),
      presence: new IpcPresence(primary),
      redisClients: [],
      healthChecks: [],
      onRedisRecovered: () => () => undefined,
    };
  }
  const connection = config.redis.connection;
  // One push is an SPUBLISH, and a login a few presence commands: under load, one write a tick.
  // The publisher neither queues nor resends by itself: the outage buffer does, once the
  // subscribers are back (resending at reconnect reached nobody).
  const pub = createRedisClient(connection, logger, { role: 'adapter-pub', failInFlight: true, autoPipelining: true });
  const sub = createRedisClient(connection, logger, { role: 'adapter-sub', offlineQueue: true, subscriber: true });
  const presenceClient = createRedisClient(connection, logger, { role: 'presence', autoPipelining: true });
  const redisClients = [pub, sub, presenceClient];
  const redisPresence = new RedisPresence(presenceClient, logger, { prefix: config.redis.prefix, nodeId });
  const channelPrefix = `${config.redis.prefix}socket.io`;
  const outage = new RedisOutageBuffer(
    // The namespace channel (`<channelPrefix>#/#`) every adapter of the cluster subscribes to.
    { pub, sub, logger, prefix: config.redis.prefix, nodeId, countChannel: `${channelPrefix}#/#`, cluster: connection.kind === 'cluster' },
    config.redis.outageBuffer,
  );
  outage.start();
  return {
    adapter: userRoutedAdapter(createShardedAdapter(pub, sub, { channelPrefix, subscriptionMode: 'dynamic' }), outage, {
      isUserRoom,
      isEphemeralPush,
      ...(counters !== undefined ? { onMessage: () => void counters.adapterMessages++ } : {}),
    }),
    presence: new HostCountingPresence(redisPresence, primary),
    redisPresence,
    redisClients,
    healthChecks: [
      {
        name: 'redis',
        check: () => {
          const down = redisClients.filter((c) => !isRedisReady(c));
          if (down.length > 0) return { ok: false, detail: `${down.length} of ${redisClients.length} connections down` };
          if (outage.subscriptionLost) return { ok: false, detail: 'a sharded subscription is lost (Redis Cluster failover); waiting for it' };
          return outage.state === 'up' ? { ok: true } : { ok: false, detail: 'adapter re-subscribing after an outage' };
        },
      },
    ],
    onRedisRecovered: (listener) => outage.onRecovered(listener),
  };
}

interface EventPacket {
  type: number;
  data?: unknown;
}

/**
 * An ephemeral push as the push path emits it: `[event, { id, data, ts }]` without a `seq`.
 * Durable deliveries (with a seq) are never refused: the push is stored already, and the
 * recovery listener re-syncs devices from the store.
 */
function isEphemeralPush(packet: EventPacket | undefined): boolean {
  const args = packet?.data;
  if (!Array.isArray(args) || args.length !== 2) return false;
  const payload = args[1] as Record<string, unknown> | null;
  return typeof payload === 'object' && payload !== null && typeof payload.id === 'string' && typeof payload.ts === 'number' && payload.seq === undefined;
}
