/**
 * What scenarios share: the run's options, progress bar and cleanup; starting servers and load
 * clients (each registered for cleanup), connecting clients with a progress bar, sampling a
 * server's memory, and building results.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_JWT_SECRET } from '../../shared/config';
import { BaselineServer } from '../baselines/baseline-server';
import type { Cleanup } from '../cleanup';
import { Fleet } from '../load/fleet';
import type { ClientStatus, ConnectResult, LoginSpec } from '../load/messages';
import { websocketUrl } from '../load/wire';
import { clientProcessesFor, type BenchOptions, type ScenarioName } from '../options';
import { loadAverage, sampleTree } from '../proc-stats';
import type { Progress } from '../progress';
import type { BenchServer, ServerKind } from '../servers/bench-server';
import { HeraldServer, type HeraldServerOptions } from '../servers/herald-server';
import { deleteKeysWithPrefix } from '../servers/redis-keys';
import type { Metrics, ScenarioResult } from './result';

/** A server with N clients connected (and logged in, on Herald), for idle, fanout and latency. */
export interface ServerSession {
  server: BenchServer;
  fleet: Fleet;
  /** Memory of the server before any client connected. */
  empty: MemorySample;
  connect: ConnectOutcome;
  /** `--heap-snapshots`: each worker's snapshot taken while empty, by pid. */
  emptySnapshots?: Map<number, string>;
}

export interface MemorySample {
  /** RSS of the whole process tree, bytes. */
  rssBytes: number;
  /** Heap in use summed over the Socket.IO workers, bytes; null when unknown. */
  heapBytes: number | null;
  connections: number;
}

export interface ConnectOutcome extends ConnectResult {
  status: ClientStatus;
}

export interface ConnectOptions {
  login?: LoginSpec | null;
  concurrency?: number;
  deadlineMs?: number;
}

export const JWT_LOGIN: LoginSpec = { kind: 'token', secret: DEV_JWT_SECRET, ttlSeconds: 3600 };

export class BenchContext {
  readonly runId: string;

  constructor(
    readonly options: BenchOptions,
    readonly progress: Progress,
    readonly cleanup: Cleanup,
  ) {
    this.runId = randomBytes(3).toString('hex');
  }

  /** A Redis prefix no other run or test uses. */
  redisPrefix(tag: string): string {
    return `hbench-${this.runId}-${tag}:`;
  }

  /** Where `--profile` puts the V8 CPU profiles: a temporary folder, they are large and not results. */
  profileDir(tag: string): string | undefined {
    if (!this.options.profile) return undefined;
    return join(tmpdir(), `herald-bench-profiles-${this.runId}`, tag);
  }

  /** Starts a Herald host; stopped (and its Redis keys removed) at cleanup or by the caller. */
  /** Where `--heap-snapshots` puts the workers' heap snapshots (large: a temporary folder). */
  heapSnapshotDir(tag: string): string | undefined {
    if (!this.options.heapSnapshots) return undefined;
    const dir = join(tmpdir(), `herald-bench-heap-${this.runId}`, tag);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  async startHerald(tag: string, overrides: Partial<HeraldServerOptions> = {}): Promise<HeraldServer> {
    const redis = this.options.heraldAdapter === 'redis' ? { url: this.options.redisUrl, prefix: this.redisPrefix(tag) } : undefined;
    const profileDir = this.profileDir(`herald-${tag}`);
    const heapSnapshotDir = this.heapSnapshotDir(`herald-${tag}`);
    const server = await HeraldServer.start({
      workers: this.options.workers,
      hostId: `bench-${this.runId}-${tag}`,
      verifier: 'jwt',
      ...(redis !== undefined ? { redis } : {}),
      ...(profileDir !== undefined ? { profileDir } : {}),
      ...(heapSnapshotDir !== undefined ? { heapSnapshotDir } : {}),
      ...(this.options.heraldNodeOptions.length > 0 ? { nodeOptions: this.options.heraldNodeOptions } : {}),
      ...overrides,
    });
    // Keys on a Redis Cluster go with the cluster, which the run stops.
    const chosen = overrides.redis ?? redis;
    const single = chosen !== undefined && 'url' in chosen ? chosen : undefined;
    const remove = this.cleanup.add(`herald ${tag}`, () => server.stop());
    const stop = server.stop.bind(server);
    server.stop = async () => {
      await stop();
      remove();
      if (single !== undefined) await deleteKeysWithPrefix(single.url, single.prefix).catch(() => undefined);
    };
    return server;
  }

  async startBaseline(kind: Exclude<ServerKind, 'herald'>, tag: string): Promise<BaselineServer> {
    const profileDir = this.profileDir(`${kind}-${tag}`);
    const heapSnapshotDir = this.heapSnapshotDir(`${kind}-${tag}`);
    const server = await BaselineServer.start({
      kind,
      workers: this.options.workers,
      redisUrl: this.options.redisUrl,
      adapterKey: `hbench-${this.runId}-${tag}-socket.io`,
      ...(profileDir !== undefined ? { profileDir } : {}),
      ...(heapSnapshotDir !== undefined ? { heapSnapshotDir } : {}),
    });
    const remove = this.cleanup.add(`${kind} ${tag}`, () => server.stop());
    const stop = server.stop.bind(server);
    server.stop = async () => {
      await stop();
      remove();
    };
    return server;
  }

  startServer(kind: ServerKind, tag: string): Promise<BenchServer> {
    return kind === 'herald' ? this.startHerald(tag) : this.startBaseline(kind, tag);
  }

  /** Load-client processes sized for `connections`; stopped at cleanup or by the caller. */
  startFleet(connections: number): Fleet {
    const fleet = new Fleet({ processes: clientProcessesFor(this.options, connections) }).start();
    const remove = this.cleanup.add('load clients', () => fleet.stop());
    const stop = fleet.stop.bind(fleet);
    fleet.stop = async () => {
      await stop();
      remove();
    };
    return fleet;
  }

  loginFor(server: BenchServer): LoginSpec | null {
    return server.login ? JWT_LOGIN : null;
  }

  /** Connects `count` more clients with a progress bar; logged in with a JWT on Herald unless told otherwise. */
  async connect(fleet: Fleet, server: BenchServer, count: number, label: string, options: ConnectOptions = {}): Promise<ConnectOutcome> {
    const login = options.login !== undefined ? options.login : this.loginFor(server);
    const before = fleet.status();
    const target = (login !== null ? before.loggedIn : before.open) + count;
    this.progress.phase(label, target);
    const ticker = setInterval(() => {
      const s = fleet.status();
      const done = login !== null ? s.loggedIn : s.open;
      this.progress.update(done, `${done}/${target} ${login !== null ? 'logged in' : 'connected'}${s.hung > 0 ? `, ${s.hung} hung` : ''}`);
    }, 100);
    try {
      const result = await fleet.connect({
        url: websocketUrl(server.url),
        count,
        uidPrefix: 'u',
        login,
        concurrency: options.concurrency ?? this.options.connectConcurrency,
        handshakeTimeoutMs: this.options.handshakeTimeoutMs,
        attempts: 3,
        // Bounded: 4 ms per connection, at least 60 s, at most 3 minutes.
        deadlineMs: options.deadlineMs ?? Math.min(180_000, Math.max(60_000, count * 4)),
        heartbeatMs: this.options.heartbeatMs,
      });
      const collected = await fleet.collect();
      this.progress.update(login !== null ? collected.status.loggedIn : collected.status.open);
      return { ...result, status: collected.status };
    } finally {
      clearInterval(ticker);
      this.progress.finish();
    }
  }

  /**
   * The server's memory: RSS of its process tree from /proc and the workers' heap, each the
   * lowest of `samples` readings (garbage only adds), after Herald's once-a-second reports caught up.
   */
  async memory(server: BenchServer): Promise<MemorySample> {
    const samples = this.options.smoke ? 1 : 3;
    await sleep(this.options.smoke ? 300 : 1200);
    let rss = Number.POSITIVE_INFINITY;
    let heap: number | null = null;
    let connections = 0;
    for (let i = 0; i < samples; i++) {
      if (i > 0) await sleep(800);
      rss = Math.min(rss, sampleTree(server.rootPid).rssBytes);
      const workers = await server.workers().catch(() => undefined);
      if (workers !== undefined && workers.length > 0) {
        const sum = workers.reduce((a, w) => a + w.heapUsed, 0);
        heap = heap === null ? sum : Math.min(heap, sum);
        connections = workers.reduce((a, w) => a + w.connections, 0);
      }
    }
    return { rssBytes: rss, heapBytes: heap, connections };
  }

  result(scenario: ScenarioName, server: string, started: { at: number; load: number }, outcome: Partial<ScenarioResult>): ScenarioResult {
    return {
      scenario,
      server,
      status: outcome.status ?? 'ok',
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      metrics: outcome.metrics ?? ({} as Metrics),
      notes: outcome.notes ?? [],
      durationMs: Date.now() - started.at,
      load: [started.load, loadAverage()],
    };
  }
}

export function started(): { at: number; load: number } {
  return { at: Date.now(), load: loadAverage() };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A few words about connection trouble, for a result's notes. */
export function connectionNotes(status: ClientStatus): string[] {
  const notes: string[] = [];
  const stages = Object.entries(status.reasons).filter(([r]) => r.startsWith('hung:'));
  if (status.hung > 0) {
    const where = stages.map(([r, n]) => `${r.slice('hung:'.length)} ×${n}`).join(', ');
    notes.push(`${status.hung} handshakes hung (no answer within the handshake timeout; stuck at ${where}) and were retried`);
  }
  const reasons = Object.entries(status.reasons).filter(([r]) => !r.startsWith('hung:'));
  if (reasons.length > 0) notes.push(`client-side events: ${reasons.map(([r, n]) => `${r} ×${n}`).join(', ')}`);
  return notes;
}
