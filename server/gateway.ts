/**
 * One Socket.IO server with Herald's protocol and HTTP API on an http.Server: what a worker
 * runs, and what tests build in their own process (with a fake clock, an in-memory adapter and a
 * local presence table). Wiring only; the behaviour lives in socket/, push/ and http/.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import { createVerifier, type Verifier } from '../shared/auth';
import { systemClock, type Clock } from '../shared/clock';
import type { HeraldConfig } from '../shared/config';
import { toErrorBody, type ErrorBody } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { installHeartbeatWheel } from '../shared/patches/engine-io-heartbeat-wheel';
import { shareCloseListeners } from '../shared/patches/engine-io-close-listeners';
import { releaseHandshakeRequest } from '../shared/patches/engine-io-release-request';
import { installSharedTransportListeners } from '../shared/patches/engine-io-transport-listeners';
import { installOneEntryClientMaps } from '../shared/patches/socket-io-client-maps';
import { installSharedClientListeners } from '../shared/patches/socket-io-client-listeners';
import { installLazyAcks } from '../shared/patches/socket-io-lazy-acks';
import { compactListeners } from '../shared/patches/node-listener-tables';
import { installReceiverRelease } from '../shared/patches/ws-receiver-buffers';
import { useRoomMembers } from '../shared/patches/socket-io-adapter-room-members';
import type { KickReason } from '../shared/protocol';
import { KeyedRateLimiter } from '../shared/rate-limiter';
import { TopicPolicy } from '../shared/topic-policy';
import { PROMETHEUS_CONTENT_TYPE, type AdminCommand, type ClusterLink } from './cluster/cluster-link';
import type { StatsSample } from './cluster/ipc';
import type { ArgsOf, ProcessRow, ResultOf } from '../shared/control/contract';
import { callLocal } from '../shared/control/rpc';
import type { Presence } from './cluster/presence';
import { baseReport } from './cluster/process-report';
import { ZERO_COUNTERS, summarize, type WorkerReport } from './cluster/stats';
import { cachedCheck, type HealthCheck } from './http/health';
import { MemoryAdminState, type AdminState } from './http/admin/admin-state';
import { ApiKeyGate } from './http/api-keys';
import { HttpApi } from './http/http-api';
import { createRoutes } from './http/routes';
import { Metrics } from './metrics';
import { deliverBulkLocally, PushService, type Offload } from './push/push-service';
import { DeliveryTracker } from './socket/delivery-tracker';
import { AckBatcher } from './socket/ack-batcher';
import { WebhookPresence } from './webhooks/webhook-presence';
import { WebhookProducer } from './webhooks/webhook-producer';
import { ReplayService } from './socket/replay-service';
import { SeqGate } from './socket/seq-gate';
import { StoreDurableLane } from './push/durable-lane';
import { IdempotencyGate } from './push/idempotency';
import type { MessageStore } from '../shared/store';
import { createEventHandlers } from './socket/event-handlers';
import { IdleSweeper } from './socket/idle-sweeper';
import { OutputCap } from './socket/output-cap';
import { Kicker } from './socket/kicker';
import { LoginService } from './socket/login-service';
import { SessionManager } from './socket/session-manager';
import { SocketRouter } from './socket/socket-router';
import type { HeraldServer, HeraldSocket } from './socket/types';

export interface GatewayOptions {
  config: HeraldConfig;
  /** The server to attach to; the gateway does not listen on it. */
  httpServer: HttpServer;
  logger: Logger;
  /** This worker's id: `<hostId>/<index>/<pid>`. */
  nodeId: string;
  presence: Presence;
  /** Host and cluster data; default: this gateway alone. */
  cluster?: ClusterLink;
  clock?: Clock;
  verifier?: Verifier;
  /** Socket.IO adapter constructor; default the in-memory adapter (one process). */
  adapter?: ServerOptions['adapter'];
  metrics?: Metrics;
  healthChecks?: HealthCheck[];
  /** The durable message store; without one every push is live-only (`stored: false`). */
  store?: MessageStore;
  /** Where large fan-outs go (a task process). */
  offload?: Offload;
}

/** Milliseconds a graceful close waits for kicked clients to be told before closing anyway. */
const CLOSE_FLUSH_MS = 2000;

export class Gateway {
  readonly io: HeraldServer;
  readonly metrics: Metrics;
  readonly push: PushService;
  readonly sessions: SessionManager;
  readonly kicker: Kicker;
  readonly http: HttpApi;
  /** Idempotency keys of pushes (HTTP and Redis ingress); needs the store. */
  readonly idempotency: IdempotencyGate | undefined;
  readonly startedAt: number;
  private readonly clock: Clock;
  private readonly logins: LoginService;
  private readonly sweeper: IdleSweeper;
  private readonly outputCap: OutputCap;
  private readonly acks: AckBatcher | undefined;
  /** Writes webhook events to the outbox; absent when webhooks are off or there is no store. */
  private readonly webhooks: WebhookProducer | undefined;
  /** Per-device seq order of durable pushes; absent without a message store. */
  private readonly gate: SeqGate | undefined;
  private closing: Promise<void> | undefined;
  private kicking: Promise<void> | undefined;

  constructor(private readonly options: GatewayOptions) {
    const { config, logger } = options;
    const clock = (this.clock = options.clock ?? systemClock);
    this.startedAt = clock.now();
    this.metrics = options.metrics ?? new Metrics();
    const metrics = this.metrics;

    // Engine.IO's heartbeat in two shared queues instead of two timers per connection, and the
    // listeners of Engine.IO sockets and Socket.IO clients shared instead of made per connection
    // (shared/patches/).
    installHeartbeatWheel();
    installSharedTransportListeners();
    installSharedClientListeners();
    installLazyAcks();
    installOneEntryClientMaps();
    installReceiverRelease();
    // The HTTP API's listener must exist before Socket.IO attaches, which wraps existing listeners.
    options.httpServer.on('request', (req, res) => this.http.handle(req, res));
    this.io = new Server(options.httpServer, {
      path: '/socket.io',
      serveClient: false,
      transports: [...config.connection.transports],
      pingInterval: config.connection.pingInterval * 1000,
      pingTimeout: config.connection.pingTimeout * 1000,
      maxHttpBufferSize: config.connection.maxPayloadBytes,
      cors: { origin: config.cors.origins.includes('*') ? true : [...config.cors.origins] },
      allowRequest: (req, callback) => callback(null, this.http.originAllowed(req.headers.origin)),
      ...(options.adapter !== undefined ? { adapter: options.adapter } : {}),
    });
    // Engine.IO answers 500 to a polling request on a live session with any method but GET and
    // POST (CORS preflights are answered before this): a client error, refused as 400.
    this.io.engine.use((req: IncomingMessage, _res: unknown, next: (err?: Error) => void) => {
      next(req.method === 'GET' || req.method === 'POST' ? undefined : new Error(`method ${req.method ?? ''} is not allowed here`));
    });
    const tracker = new DeliveryTracker(clock, metrics);
    useRoomMembers(this.io.of('/').adapter);
    tracker.attach(this.io.of('/').adapter);
    const store = options.store;
    let replay: ReplayService | undefined;
    if (store !== undefined) {
      replay = new ReplayService(store, config.delivery.replayLimit, clock, logger);
      const gate = new SeqGate(replay, clock, logger, metrics);
      tracker.useGate(gate);
      this.gate = gate;
    }
    this.webhooks = store !== undefined && config.webhooks.urls.length > 0 ? new WebhookProducer(store.webhooks, config.webhooks, clock, logger, metrics) : undefined;
    const webhooks = this.webhooks;
    this.acks =
      store !== undefined && this.gate !== undefined
        ? new AckBatcher(store, this.gate, clock, logger, config.delivery.ackFlushInterval * 1000, webhooks && ((cursors) => webhooks.acked(cursors)))
        : undefined;

    const topics = new TopicPolicy(config.topics);
    this.kicker = new Kicker(this.io, metrics);
    this.sessions = new SessionManager({
      config,
      clock,
      logger,
      metrics,
      presence: webhooks !== undefined ? new WebhookPresence(options.presence, webhooks) : options.presence,
      kicker: this.kicker,
      topics,
      nodeId: options.nodeId,
      ...(replay !== undefined ? { replay } : {}),
      ...(this.gate !== undefined ? { gate: this.gate } : {}),
    });
    const verifier = options.verifier ?? createVerifier(config.auth, logger, clock);
    this.logins = new LoginService(verifier, this.sessions, new KeyedRateLimiter(config.rateLimits.loginPerIp, clock), metrics, clock, logger);
    const handlers = createEventHandlers({ config, clock, logins: this.logins, sessions: this.sessions, topics, acks: this.acks, gate: this.gate });
    const router = new SocketRouter(handlers, config.rateLimits.connection, clock, metrics, logger);
    this.push = new PushService({
      io: this.io,
      config,
      presence: options.presence,
      clock,
      metrics,
      logger,
      ...(store !== undefined ? { durable: new StoreDurableLane(store, this.io, config, logger) } : {}),
      ...(options.offload !== undefined ? { offload: options.offload } : {}),
    });
    this.idempotency =
      store !== undefined
        ? new IdempotencyGate(store, clock, logger, {
            ttlMs: config.push.idempotencyTtl * 1000,
            lockTimeoutMs: config.push.idempotencyLockTimeout * 1000,
            waitMs: config.push.idempotencyLockTimeout * 1000 + 1000,
          })
        : undefined;
    const cluster = options.cluster ?? new SelfClusterLink(this, config, clock);
    const apiKeys = new ApiKeyGate(config, clock, metrics, logger);
    this.http = new HttpApi({
      config,
      clock,
      logger,
      metrics,
      apiKeys,
      routes: createRoutes({
        apiKeys,
        config,
        clock,
        logger,
        metrics,
        push: this.push,
        presence: options.presence,
        store,
        ...(this.idempotency !== undefined ? { idempotency: this.idempotency } : {}),
        kicker: this.kicker,
        cluster,
        healthChecks: [
          ...(options.healthChecks ?? []),
          ...(store !== undefined ? [cachedCheck('store', () => store.ping(), 1000, () => clock.now())] : []),
        ],
      }),
    });
    this.sweeper = new IdleSweeper(this.io, this.kicker, clock, logger, {
      idleTimeoutMs: config.connection.idleTimeout * 1000,
      intervalMs: config.connection.sweepInterval * 1000,
      loginTimeoutMs: config.connection.loginTimeout * 1000,
    });
    this.outputCap = new OutputCap(this.io, clock, metrics, logger, { maxBufferedBytes: config.connection.maxBufferedBytes });

    this.io.on('herald:bulk', (bulk) => deliverBulkLocally(this.io, bulk));
    this.io.use((socket, next) => {
      this.handshake(socket).then(
        () => next(),
        (err: unknown) => next(connectError(toErrorBody(err))),
      );
    });
    const gateway = this;
    function onDisconnect(this: HeraldSocket): void {
      gateway.metrics.connections.dec();
      gateway.metrics.counters.closed++;
      gateway.sessions.onDisconnect(this);
    }
    this.io.on('connection', (socket) => {
      releaseHandshakeRequest(socket);
      shareCloseListeners(socket.conn);
      this.sweeper.track(socket);
      this.outputCap.track(socket);
      metrics.connections.inc();
      metrics.connectionsTotal.inc();
      metrics.counters.accepted++;
      router.attach(socket);
      socket.on('disconnect', onDisconnect);
      // Both sockets' listeners are in place: fast tables instead of hash tables (shared/patches/).
      compactListeners(socket.conn);
      compactListeners(socket);
      const handshakeLogin = this.logins.takeHandshake(socket);
      if (handshakeLogin !== undefined) router.emitAnswer(socket, 'login', (ctx) => this.logins.enter(ctx, handshakeLogin));
    });
  }

  start(): void {
    this.sweeper.start();
    this.outputCap.start();
  }

  /**
   * Live copies may have been lost (the adapter could not reach Redis): every logged-in socket of
   * this worker re-reads what it may have missed from the store. Returns how many were started.
   */
  resyncAll(): number {
    if (this.gate === undefined) return 0;
    const started = this.gate.resyncAll(this.io.of('/').sockets.values());
    if (started > 0) this.options.logger.info('re-syncing connected devices from the message store', { sockets: started });
    return started;
  }

  /** Connections on this worker. */
  get connections(): number {
    return this.io.of('/').sockets.size;
  }

  report(base: { nodeId: string; index: number }): WorkerReport {
    return {
      ...baseReport('worker', base.nodeId, base.index, this.startedAt),
      connections: this.connections,
      loggedIn: this.sessions.loggedIn,
      counters: { ...this.metrics.counters },
      at: this.clock.now(),
    };
  }

  /**
   * Tells every client why it is being closed (`kick` with reconnect:true), stops Socket.IO and
   * the idle check. Idempotent.
   */
  close(reason: Extract<KickReason, 'shutdown' | 'reload'> = 'shutdown'): Promise<void> {
    this.closing ??= this.doClose(reason);
    return this.closing;
  }

  /**
   * The first step of close(): kicks every client (`kick` with reconnect:true) and waits up to
   * 2 s for them to go, but keeps the adapter, presence and pushes working, so a worker can finish
   * the HTTP calls it accepted meanwhile (worker.ts). Idempotent.
   */
  kickAll(reason: Extract<KickReason, 'shutdown' | 'reload'> = 'shutdown'): Promise<void> {
    this.kicking ??= this.doKick(reason);
    return this.kicking;
  }

  private async doKick(reason: 'shutdown' | 'reload'): Promise<void> {
    this.sweeper.close();
    this.outputCap.close();
    const sockets = [...this.io.of('/').sockets.values()];
    for (const socket of sockets) this.kicker.kickLocal(socket, reason);
    const deadline = Date.now() + CLOSE_FLUSH_MS;
    while (this.io.engine.clientsCount > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async doClose(reason: 'shutdown' | 'reload'): Promise<void> {
    await this.kickAll(reason);
    await new Promise<void>((resolve) => {
      this.io.close(() => resolve());
    });
    await this.acks?.close().catch(() => undefined);
    await this.webhooks?.idle();
    await this.options.presence.close().catch(() => undefined);
  }

  private async handshake(socket: HeraldSocket): Promise<void> {
    // Every field a session uses, set at once: one object shape for all sockets, its fields
    // inside the object (no separate property array growing as a login adds them).
    const now = this.clock.now();
    socket.data = {
      uid: undefined,
      platform: undefined,
      device: undefined,
      loginAt: undefined,
      lastActive: now,
      ip: this.http.clientIp(socket.request),
      sentSeq: undefined,
      anonymousSince: now,
    };
    await this.logins.verifyHandshake(socket);
  }
}

/** The error a client sees in `connect_error`: `err.message`, and `err.data` with the code. */
function connectError(body: ErrorBody): Error & { data: ErrorBody } {
  return Object.assign(new Error(body.message), { data: body });
}

/** Cluster data for a gateway that is alone: a test or a one-process run. */
class SelfClusterLink implements ClusterLink {
  readonly admin: AdminState;

  constructor(
    private readonly gateway: Gateway,
    config: HeraldConfig,
    clock: Clock,
  ) {
    this.admin = new MemoryAdminState(config.rateLimits.adminLogin, clock);
  }

  async stats() {
    const report = this.gateway.report({ nodeId: 'self', index: 0 });
    const worker = { ...report, peakRss: report.memory.rss, state: 'ready' as const };
    return summarize([
      {
        hostId: 'self',
        pid: process.pid,
        env: 'in-process',
        adapter: 'cluster' as const,
        startedAt: this.gateway.startedAt,
        updatedAt: report.at,
        expectedWorkers: 1,
        connections: report.connections,
        users: report.loggedIn,
        totals: { ...ZERO_COUNTERS, ...report.counters },
        rates: { pushes: 0, deliveries: 0, logins: 0 },
        workers: [worker],
      },
    ]);
  }

  async metrics() {
    return { contentType: PROMETHEUS_CONTENT_TYPE, text: await this.gateway.metrics.registry.metrics() };
  }

  async readiness() {
    return { readyWorkers: 1, expectedWorkers: 1 };
  }

  async endpointUrl(): Promise<string | undefined> {
    return undefined;
  }

  /** `process.show` lists this process; the rest needs a primary. */
  control<K extends AdminCommand>(command: K, args: ArgsOf<K>): Promise<ResultOf<K>> {
    return callLocal({ 'process.show': () => this.processRows() }, command, args);
  }

  private processRows(): ProcessRow[] {
    const report = this.gateway.report({ nodeId: 'self', index: 0 });
    const row: ProcessRow = {
      pid: process.pid,
      name: 'herald.Worker.0',
      group: 'worker',
      state: 'ready',
      memory: report.memory.rss,
      peakMemory: report.memory.rss,
      startedAt: this.gateway.startedAt,
      connections: report.connections,
      lastHeartbeat: report.at,
      nodeOptions: [...process.execArgv],
    };
    return [row];
  }

  /** Only the present: a lone gateway keeps no history. */
  async history(): Promise<StatsSample[]> {
    const report = this.gateway.report({ nodeId: 'self', index: 0 });
    return [{ at: report.at, connections: report.connections, users: report.loggedIn, rates: { pushes: 0, deliveries: 0, logins: 0 } }];
  }
}
