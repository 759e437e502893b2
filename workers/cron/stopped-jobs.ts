/**
 * Which cron jobs an operator stopped; they stay stopped across restarts. With Redis the set is
 * shared by every host (`<prefix>cron:stopped`), so `crontab stop` on one host stops the job in
 * the whole cluster; without Redis it is a file in the data folder.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RedisClient } from '../../shared/redis';

export interface StoppedJobs {
  /** The stopped job names, as stored now. */
  load(): Promise<Set<string>>;
  set(name: string, stopped: boolean): Promise<void>;
}

/**
 * Milliseconds `load` waits for the Redis connection. Herald's clients do not queue commands
 * while disconnected (shared/redis.ts), so a read issued right after the client was created
 * failed at every start and reload ("could not read which cron jobs are stopped"); a local Redis
 * answers in a few ms, a remote one well within 5 s.
 */
export const STOPPED_JOBS_CONNECT_TIMEOUT_MS = 5000;

export class RedisStoppedJobs implements StoppedJobs {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly connectTimeoutMs = STOPPED_JOBS_CONNECT_TIMEOUT_MS,
  ) {}

  private get key(): string {
    return `${this.prefix}cron:stopped`;
  }

  async load(): Promise<Set<string>> {
    await waitUntilReady(this.redis, this.connectTimeoutMs);
    return new Set(await this.redis.smembers(this.key));
  }

  async set(name: string, stopped: boolean): Promise<void> {
    if (stopped) await this.redis.sadd(this.key, name);
    else await this.redis.srem(this.key, name);
  }
}

export class FileStoppedJobs implements StoppedJobs {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'cron-state.json');
  }

  async load(): Promise<Set<string>> {
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as { stopped?: unknown };
      return new Set(Array.isArray(parsed.stopped) ? parsed.stopped.filter((s): s is string => typeof s === 'string') : []);
    } catch {
      return new Set();
    }
  }

  async set(name: string, stopped: boolean): Promise<void> {
    const names = await this.load();
    if (stopped) names.add(name);
    else names.delete(name);
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ stopped: [...names].sort() }, null, 2)}\n`);
    renameSync(tmp, this.path);
  }
}

/** Resolves once the client is ready, or after `timeoutMs` (the command then fails as before). */
function waitUntilReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready' || redis.status === 'end') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
    redis.once('end', done);
  });
}
