/**
 * The primary process of a host. It owns the port and hands every connection to a Socket.IO
 * worker (@socket.io/sticky's least-connection, or an address hash under TLS), supervises its
 * children (workers, task processes, the cron process), relays the cluster adapter's messages
 * when there is no Redis, answers its children's questions (presence, stats, metrics, jobs),
 * serves the local control socket the CLI talks to, reloads its children one at a time, and
 * stops everything gracefully on SIGTERM.
 */
import cluster, { type Worker } from 'node:cluster';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import type { Writable } from 'node:stream';
import type { RedisClient } from '../../shared/redis';
import { AggregatorRegistry } from 'prom-client';
import { configWarnings, loadConfig, type HeraldConfig } from '../../shared/config';
import { ConfigError, HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { createRedisClient } from '../../shared/redis';
import { migrateStore } from '../../shared/store';
import { ADMIN_COMMANDS, commandsFor, type AdminCommand, type ChildRequest, type CliCommand } from '../../shared/control/contract';
import type { Handler, Handlers } from '../../shared/control/rpc';
import { isHeraldMessage, TASK_TIMEOUT_MS, type ReadyNotice, type WorkerToPrimary } from '../cluster/ipc';
import { purgePresenceNode } from '../cluster/redis-presence';
import { CHILD_ROLES, childExecArgv, ROLES } from '../../shared/process-roles';
import { summarize } from '../cluster/stats';
import { systemClock } from '../../shared/clock';
import { MemoryAdminState, RedisAdminState, type AdminState } from '../http/admin/admin-state';
import { AdapterRelay } from './adapter-relay';
import { ChildRpc } from './child-rpc';
import { commandHandlers, type CommandContext, type ReloadReport } from './commands';
import { ConnectionLimits } from './connection-limits';
import { ControlServer } from './control-server';
import { controlSocketPath, pidFilePath } from './host-files';
import { HostMonitor } from './host-monitor';
import { HostRegistry } from './host-registry';
import { hostUrls } from './host-urls';
import { Supervisor, type Child } from './supervisor';
import { StickyBalancer } from './sticky-balancer';
import { setupTlsBalancer } from './tls-balancer';

/**
 * Connections the kernel may queue before the primary accepts them. Node's default (511)
 * overflowed when 10,000 clients came back at once (a worker killed under the storm benchmark):
 * the kernel then drops the handshake's last ACK and the client waits seconds for a retransmit.
 * The kernel caps it at net.core.somaxconn (docs/OPERATIONS.md).
 */
const LISTEN_BACKLOG = 8192;

export interface PrimaryOptions {
  /** Milliseconds to wait for every child at start before listening anyway. @default 30000 */
  startTimeoutMs?: number;
  /** Daemon mode: children's output goes here instead of the terminal. */
  output?: Writable;
}

/** Milliseconds a new process has to get ready during a reload. */
const RELOAD_READY_TIMEOUT_MS = 30_000;

export class Primary implements CommandContext {
  readonly monitor: HostMonitor;
  readonly supervisor: Supervisor;
  readonly rpc: ChildRpc;
  readonly startedAt = Date.now();
  port = 0;
  private readonly aggregator = new AggregatorRegistry();
  private readonly control: ControlServer;
  private server: NetServer | undefined;
  private readonly limits = new ConnectionLimits();
  private balancer: StickyBalancer | undefined;
  private redis: RedisClient | undefined;
  private registry: HostRegistry | undefined;
  private stopping: Promise<void> | undefined;
  private reloading = false;
  /** Revoked admin sessions and admin login attempts for every worker (Redis-backed when configured). */
  private adminState: AdminState;

  constructor(
    private currentConfig: HeraldConfig,
    private readonly logger: Logger,
    private readonly options: PrimaryOptions = {},
  ) {
    const config = currentConfig;
    this.monitor = new HostMonitor({
      hostId: config.hostId,
      ...(config.advertiseUrl !== undefined ? { url: config.advertiseUrl } : {}),
      env: config.env,
      adapter: config.redis.adapter,
      expectedWorkers: config.workers,
      startedAt: this.startedAt,
    });
    this.supervisor = new Supervisor(config.hostId, logger, this.monitor, {
      onExit: (child, code, signal) => this.onChildExit(child, code, signal),
      execArgv: (role) => childExecArgv(role, this.config),
    });
    const commands = commandHandlers(this);
    this.rpc = new ChildRpc(this.supervisor, { ...this.childHandlers(), ...adminOnly(commands) });
    this.control = new ControlServer(controlSocketPath(config), commands, logger);
    this.adminState = new MemoryAdminState(config.rateLimits.adminLogin, systemClock);
  }

  get config(): HeraldConfig {
    return this.currentConfig;
  }

  get pidFile(): string {
    return pidFilePath(this.config);
  }

  /** Forks the children, waits for them, then listens. Resolves with the port. */
  async start(): Promise<number> {
    const { config, logger } = this;
    await this.control.start(config.runDir);
    // Each role's entry file and Node options are set per fork (supervisor.ts, shared/process-roles.ts).
    cluster.setupPrimary({
      serialization: 'advanced',
      silent: this.options.output !== undefined,
    });
    if (this.options.output !== undefined) {
      const output = this.options.output;
      cluster.on('fork', (worker) => {
        worker.process.stdout?.pipe(output, { end: false });
        worker.process.stderr?.pipe(output, { end: false });
      });
    }
    if (config.redis.adapter === 'cluster') {
      new AdapterRelay(logger).start();
    } else {
      this.redis = createRedisClient(config.redis.connection, logger, { role: 'host-registry' });
      this.registry = new HostRegistry(this.redis, logger, () => this.monitor.snapshot(Date.now()), { prefix: config.redis.prefix });
      this.registry.start();
      const memory = new MemoryAdminState(config.rateLimits.adminLogin, systemClock);
      this.adminState = new RedisAdminState(this.redis, config.redis.prefix, config.rateLimits.adminLogin, systemClock, memory, logger);
    }
    cluster.on('message', this.onMessage);
    await this.migrateStore();

    for (const role of CHILD_ROLES) this.supervisor.grow(role, ROLES[role].count(config));
    if (!(await this.supervisor.waitAllReady(this.options.startTimeoutMs ?? 30_000))) {
      if (this.monitor.readyWorkers === 0) throw new Error('no worker became ready in time');
      logger.warn('listening before every process is ready');
    }

    const server = createServer({ pauseOnConnect: config.tls.enabled });
    this.server = server;
    if (config.tls.enabled) {
      setupTlsBalancer(server, this.supervisor, logger, this.limits);
    } else {
      this.balancer = new StickyBalancer(this.supervisor, logger, this.limits);
      this.balancer.attach(server);
    }
    this.applyConnectionSettings(config);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => logger.error('listening socket error', { error: err.message }));
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : config.port;
    writeFileSync(this.pidFile, `${process.pid}\n`, { mode: 0o644 });
    logger.info('herald is listening', {
      url: hostUrls(config, this.port).base,
      port: this.port,
      tls: config.tls.enabled,
      env: config.env,
      workers: config.workers,
      tasks: this.supervisor.slotCount('task'),
      adapter: config.redis.adapter,
      store: config.db.store,
      hostId: config.hostId,
    });
    const notice: ReadyNotice = { type: 'herald:host-ready', port: this.port, pid: process.pid, hostId: config.hostId, workers: config.workers };
    process.send?.(notice);
    return this.port;
  }

  /**
   * Graceful stop: no new connections, children drain (clients get `kick shutdown`, reconnect)
   * and exit; after `shutdownTimeout` the rest are killed. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  beginStop(): void {
    setImmediate(() => void this.stop().then(() => process.exit(0)));
  }

  /**
   * Re-reads the configuration and replaces every child, one at a time: a slot's new process is
   * ready before its old one drains. The number of workers and task processes follows the new
   * configuration; settings of the primary itself (port, TLS, Redis, the store) need a restart.
   */
  async reload(): Promise<ReloadReport> {
    if (this.reloading) throw new HeraldError('BAD_REQUEST', 'a reload is already running');
    if (this.stopping !== undefined) throw new HeraldError('UNAVAILABLE', 'the host is stopping');
    this.reloading = true;
    const started = Date.now();
    try {
      const next = loadConfigForReload();
      for (const warning of configWarnings(next)) this.logger.warn(`${warning.key} ${warning.message}`, { key: warning.key });
      const needsRestart = (['port', 'host', 'hostId', 'tls', 'redis', 'db', 'dataDir'] as const).filter(
        (key) => JSON.stringify(next[key]) !== JSON.stringify(this.config[key]),
      );
      // The children read the configuration themselves: a new worker with another port, TLS,
      // Redis or store than its primary's would not work with it (TLS connections would hang).
      if (needsRestart.length > 0) {
        throw new HeraldError('BAD_REQUEST', `changed settings need a restart (server stop, then start), not a reload: ${needsRestart.join(', ')}; nothing was replaced`);
      }
      this.currentConfig = next;
      this.applyConnectionSettings(next);
      this.logger.info('reloading: replacing processes one at a time');
      const report: ReloadReport = { seconds: 0, replaced: [], added: [], removed: [] };
      const drainMs = next.shutdownTimeout * 1000;
      for (const role of CHILD_ROLES) {
        const existing = this.supervisor.slotCount(role);
        const wanted = ROLES[role].count(next);
        // Every role reloads `rolling` (shared/process-roles.ts): a slot's new process is ready before its old one drains.
        for (let index = 0; index < Math.min(existing, wanted); index++) {
          const { old, next: fresh } = await this.supervisor.replace(role, index, RELOAD_READY_TIMEOUT_MS, drainMs);
          report.replaced.push({ name: fresh.name, ...(old !== undefined ? { oldPid: old.pid } : {}), newPid: fresh.pid });
        }
        if (wanted > existing) {
          this.supervisor.grow(role, wanted);
          await this.supervisor.waitAllReady(RELOAD_READY_TIMEOUT_MS);
          report.added.push(...this.supervisor.children(role).filter((c) => c.index >= existing).map((c) => c.name));
        } else if (wanted < existing) {
          report.removed.push(...(await this.supervisor.shrink(role, wanted, drainMs)).map((c) => c.name));
        }
      }
      report.seconds = Math.round((Date.now() - started) / 100) / 10;
      this.logger.info('reload done', { seconds: report.seconds, replaced: report.replaced.length });
      return report;
    } finally {
      this.reloading = false;
    }
  }

  /** The connection limits and head timeout the primary enforces; at start and at each reload. */
  private applyConnectionSettings(config: HeraldConfig): void {
    const { maxPerIp, maxPerIpExempt, maxTotal, headerTimeout } = config.connection;
    this.limits.configure({ maxPerIp, exempt: new Set(maxPerIpExempt), maxTotal });
    this.balancer?.configure({ headTimeoutMs: headerTimeout * 1000, trustedProxies: new Set(config.trustedProxies) });
  }

  private async doStop(): Promise<void> {
    const timeoutMs = this.config.shutdownTimeout * 1000;
    this.logger.info('stopping: draining processes', { timeoutSeconds: this.config.shutdownTimeout });
    this.server?.close();
    const killed = await this.supervisor.stopAll(timeoutMs);
    if (killed > 0) this.logger.warn('processes did not stop in time and were killed', { count: killed });
    cluster.off('message', this.onMessage);
    await this.registry?.close();
    this.redis?.disconnect();
    await this.control.close();
    try {
      if (readFileSync(this.pidFile, 'utf8').trim() === String(process.pid)) unlinkSync(this.pidFile);
    } catch {
      /* not written yet, or already gone */
    }
    this.logger.info('stopped');
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

  private readonly onMessage = (worker: Worker, message: unknown): void => {
    if (!isHeraldMessage(message)) return;
    try {
      if (this.rpc.receive(worker, message)) return;
      this.dispatch(worker, message as WorkerToPrimary);
    } catch (err) {
      // A child's message must never take the primary (and every connection of the host) down.
      this.logger.warn('a message from a child process was dropped', { type: (message as { type: string }).type, error: (err as Error).message });
    }
  };

  private dispatch(worker: Worker, msg: WorkerToPrimary): void {
    switch (msg.type) {
      case 'herald:worker-ready': {
        const child = this.supervisor.markReady(worker, msg.nodeId);
        if (child !== undefined) this.logger.debug('process ready', { process: child.name, pid: child.pid });
        break;
      }
      case 'herald:report':
        this.monitor.onReport(msg.report);
        break;
      case 'herald:presence-batch':
        for (const change of msg.changes) {
          if ('add' in change) this.monitor.presence.add(change.add);
          else this.monitor.presence.remove(...change.remove);
        }
        break;
      case 'herald:presence-remove':
        this.monitor.presence.remove(msg.uid, msg.sid);
        break;
    }
  }

  /** What a child may ask the primary (the admin commands come from commands.ts). */
  private childHandlers(): Handlers<ChildRequest> {
    const presence = () => this.monitor.presence;
    return {
      'presence.add': (entry) => presence().add(entry),
      'presence.list': ({ uid }) => presence().list(uid),
      'presence.count': ({ uids, platform }) => presence().countConnections(uids, platform),
      'cluster.stats': () => summarize(this.registry?.hosts() ?? [this.monitor.snapshot(Date.now())]),
      'stats.history': () => this.monitor.history(),
      'host.metrics': () => this.aggregator.clusterMetrics(),
      'host.readiness': () => {
        const base = { readyWorkers: this.monitor.readyWorkers, expectedWorkers: this.supervisor.slotCount('worker') };
        return this.registry !== undefined ? { ...base, redis: this.registry.redisReady ? 'ready' : 'down' } : base;
      },
      'cluster.endpoint': () => {
        const url = this.registry?.leastLoadedUrl();
        return url !== undefined ? { url } : {};
      },
      // A fan-out with no task process to take it goes back to the worker (null), not refused.
      'task.push': (args) => (this.supervisor.current('task').length === 0 ? null : this.rpc.runTask('task.push', args, TASK_TIMEOUT_MS)),
      'task.cleanup': () => this.rpc.runTask('task.cleanup', {}, TASK_TIMEOUT_MS),
      'admin.revoke': async ({ sid, expiresAt }) => {
        await this.adminState.revoke(sid, expiresAt);
        return null;
      },
      'admin.revoked': ({ sid }) => this.adminState.isRevoked(sid),
      'admin.login': ({ ip }) => this.adminState.takeLogin(ip),
    };
  }

  private onChildExit(child: Child, code: number | null, signal: string | null): void {
    this.rpc.childGone(child);
    this.monitor.onExit(child.nodeId);
    if (this.redis !== undefined && this.redis.status === 'ready' && child.role === 'worker') {
      void purgePresenceNode(this.redis, this.config.redis.prefix, child.nodeId).catch(() => undefined);
    }
    if (child.deliberate) this.logger.info('process stopped on request; starting a new one', { process: child.name, pid: child.pid, code, signal });
  }
}

/**
 * The CLI commands a child may run for the admin API: the allowlisted ones, and a refusal for
 * the others, enforced here where the authority is, not only in the worker.
 */
function adminOnly(commands: Handlers<CliCommand>): Partial<Handlers<CliCommand>> {
  const table: Partial<Record<CliCommand, Handler<CliCommand>>> = {};
  for (const name of commandsFor('cli')) {
    table[name] = (ADMIN_COMMANDS as readonly string[]).includes(name)
      ? (commands[name as AdminCommand] as Handler<CliCommand>)
      : () => {
          throw new HeraldError('FORBIDDEN', `${name} is not available to the admin API`);
        };
  }
  return table as Partial<Handlers<CliCommand>>;
}

/** The configuration on disk; an invalid one is the operator's to fix, said in one line (BAD_REQUEST). */
export function loadConfigForReload(): HeraldConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new HeraldError('BAD_REQUEST', `invalid configuration, nothing was replaced: ${err.message}`, { cause: err });
    throw err;
  }
}
