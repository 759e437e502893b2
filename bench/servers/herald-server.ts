/**
 * A Herald host started the way operators start it (`bin/herald.js server start`), configured
 * through HERALD_* variables and a configuration folder of the bench's own (`local` plus the
 * bench's rate limits), with an IPC channel so the primary announces its port.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths';
import { HttpClient } from '../http-client';
import { killGroup, waitForExit, waitForGroupExit, type BenchServer, type WorkerInfo } from './bench-server';

export const LOCAL_API_KEY = 'local-development-api-key';

export interface HeraldServerOptions {
  /** Socket.IO worker processes. */
  workers: number;
  hostId: string;
  /**
   * With Redis: the redis adapter, presence in Redis, the Redis ingress; on one Redis (`url`,
   * HERALD_REDIS_URL) or on a Redis Cluster (`cluster`: seed nodes `host:port,…`, HERALD_REDIS_CLUSTER).
   */
  redis?: HeraldRedis;
  /** `jwt` (the local development secret) or the main site's verification URL for the http verifier. */
  verifier: 'jwt' | { httpUrl: string };
  /** Write V8 CPU profiles of every Herald process into this folder (`--cpu-prof`). */
  profileDir?: string;
  /** Let the workers write heap snapshots into this folder on SIGUSR2 (bench/heap-census.ts). */
  heapSnapshotDir?: string;
  /** More Node options for every Herald process (the workers inherit the primary's), e.g. `--max-semi-space-size=4`. */
  nodeOptions?: string[];
  /** Milliseconds to wait for the host to announce itself. @default 30000 */
  startTimeoutMs?: number;
  /** More HERALD_* variables. */
  env?: Record<string, string>;
}

/**
 * The bench's configuration: the shipped `local` files, with the login and API-key rate limits
 * and the open connections per address lifted. A real deployment sees thousands of client
 * addresses; the bench has eight, so the per-address login limit (20/s) would measure the limiter,
 * not Herald, and the per-address connection limit (1,000) would refuse all but 8,000 clients.
 */
function writeConfigDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-config-'));
  mkdirSync(join(dir, 'local'));
  const source = join(packageRoot(), 'config', 'local');
  const app = JSON.parse(readFileSync(join(source, 'app.json'), 'utf8')) as Record<string, unknown>;
  app.rateLimits = {
    ...((app.rateLimits as Record<string, unknown> | undefined) ?? {}),
    loginPerIp: { rate: 1e6, burst: 1e7 },
    apiKey: { rate: 1e6, burst: 1e7 },
  };
  app.connection = { ...((app.connection as Record<string, unknown> | undefined) ?? {}), maxPerIp: 0 };
  writeFileSync(join(dir, 'local', 'app.json'), JSON.stringify(app, null, 2));
  for (const file of ['db.json', 'redis.json']) writeFileSync(join(dir, 'local', file), readFileSync(join(source, file)));
  return dir;
}

export type HeraldRedis = { url: string; prefix: string } | { cluster: string; prefix: string };

/** The HERALD_REDIS_* variables for a host's Redis (none without). */
function redisEnv(redis: HeraldRedis | undefined): Record<string, string> {
  if (redis === undefined) return {};
  if ('cluster' in redis) return { HERALD_REDIS_CLUSTER: redis.cluster, HERALD_REDIS_PREFIX: redis.prefix };
  return { HERALD_REDIS_URL: redis.url, HERALD_REDIS_PREFIX: redis.prefix };
}

interface HostReady {
  type: 'herald:host-ready';
  port: number;
  pid: number;
}

interface StatsAnswer {
  hosts?: { hostId: string; adapter?: string; totals?: { adapterMessages?: number }; workers: { pid: number; state: string; connections: number; memory: { heapUsed: number } }[] }[];
}

export class HeraldServer implements BenchServer {
  readonly kind = 'herald' as const;
  readonly login = true;
  readonly api: HttpClient;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly url: string,
    readonly rootPid: number,
    readonly hostId: string,
    private readonly child: import('node:child_process').ChildProcess,
    private readonly cleanupDirs: string[],
    readonly output: () => string,
  ) {
    this.api = new HttpClient(url, { headers: { authorization: `Bearer ${LOCAL_API_KEY}` }, maxSockets: 64 });
  }

  static async start(options: HeraldServerOptions): Promise<HeraldServer> {
    const configDir = writeConfigDir();
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-data-'));
    // A Redis of the bench's own environment must not meet the one chosen here (a URL and cluster seeds at once).
    const inherited = { ...(process.env as Record<string, string>) };
    delete inherited.HERALD_REDIS_URL;
    delete inherited.HERALD_REDIS_CLUSTER;
    const env: Record<string, string> = {
      ...inherited,
      PUSH_ENV: 'local',
      HERALD_CONFIG_DIR: configDir,
      HERALD_PORT: '0',
      HERALD_HOST: '127.0.0.1',
      HERALD_WORKERS: String(options.workers),
      HERALD_HOST_ID: options.hostId,
      HERALD_LOG_LEVEL: 'warn',
      HERALD_LOG_FORMAT: 'json',
      HERALD_DATA_DIR: dataDir,
      ...redisEnv(options.redis),
      ...(options.verifier === 'jwt' ? { HERALD_AUTH_VERIFIER: 'jwt' } : { HERALD_AUTH_VERIFIER: 'http', HERALD_AUTH_URL: options.verifier.httpUrl }),
      ...(options.env ?? {}),
    };
    // --cpu-prof is refused in NODE_OPTIONS; the workers inherit the primary's execArgv (cluster's default).
    const execArgv = options.profileDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
    if (options.heapSnapshotDir !== undefined) execArgv.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${options.heapSnapshotDir}`);
    execArgv.push(...(options.nodeOptions ?? []));
    if (options.profileDir !== undefined) mkdirSync(options.profileDir, { recursive: true });
    const child = fork(join(packageRoot(), 'bin', 'herald.js'), ['server', 'start'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
      execArgv,
    });
    let output = '';
    const keep = (d: Buffer): void => {
      output = (output + d.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    try {
      const ready = await new Promise<HostReady>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Herald did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
        child.on('message', (message: HostReady) => {
          if (message?.type === 'herald:host-ready') {
            clearTimeout(timer);
            resolve(message);
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`Herald exited with ${code} before it was ready:\n${output}`));
        });
      });
      return new HeraldServer(`http://127.0.0.1:${ready.port}`, ready.pid, options.hostId, child, [configDir, dataDir], () => output);
    } catch (err) {
      killGroup(child.pid);
      for (const dir of [configDir, dataDir]) rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  async broadcast(data: string): Promise<void> {
    const answer = await this.api.post('/api/v1/push', { to: { all: true }, data });
    if (answer.status !== 200) throw new Error(`push answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }

  /** The workers of this host, from `/api/v1/stats` (reported to the primary every second). */
  async workers(): Promise<WorkerInfo[]> {
    const answer = await this.api.get('/api/v1/stats');
    const stats = answer.body as StatsAnswer;
    const host = stats.hosts?.find((h) => h.hostId === this.hostId);
    return (host?.workers ?? [])
      .filter((w) => w.state === 'ready')
      .map((w) => ({ pid: w.pid, connections: w.connections, heapUsed: w.memory.heapUsed }));
  }

  /**
   * Messages this host's processes have taken from Redis since they started (`totals.adapterMessages`
   * of `/api/v1/stats`; workers report every second, so a count is up to a second old).
   */
  async adapterMessages(): Promise<number> {
    const answer = await this.api.get('/api/v1/stats');
    const host = (answer.body as StatsAnswer).hosts?.find((h) => h.hostId === this.hostId);
    return host?.totals?.adapterMessages ?? 0;
  }

  /** The hosts this one knows of, from `/api/v1/stats` (every host sharing its Redis, itself included), and their adapters. */
  async knownHosts(): Promise<{ hostId: string; adapter: string }[]> {
    const answer = await this.api.get('/api/v1/stats');
    return ((answer.body as StatsAnswer).hosts ?? []).map((h) => ({ hostId: h.hostId, adapter: String(h.adapter) }));
  }

  /** Graceful stop (SIGTERM), SIGKILL to the group after 15 s; removes the bench's folders. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.api.close();
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGTERM');
        if (!(await waitForExit(this.child, 15_000))) {
          killGroup(this.child.pid);
          await waitForExit(this.child, 5000);
        }
      }
      // Workers that outlived the primary (they stop on their own when its IPC closes).
      await waitForGroupExit(this.child.pid, 5000);
      killGroup(this.child.pid);
      for (const dir of this.cleanupDirs) rmSync(dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }
}
