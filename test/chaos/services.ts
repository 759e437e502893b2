/**
 * What a chaos run stands on, all of its own: a Redis (test/support/redis-server.ts), a MariaDB
 * (test/support/mariadb-server.ts), the main site's verify API (test/support/fake-main-site.ts,
 * Herald's `http` verifier), and a config folder. Hosts are started per scenario against them.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths';
import { FakeMainSite } from '../support/fake-main-site';
import { heraldJson } from '../support/cli';
import { startHost, type HeraldHost } from '../support/herald-host';
import { startMariaDb, type PrivateMariaDb } from '../support/mariadb-server';
import { freePort } from '../support/ports';
import { PrivateRedis } from '../support/redis-server';

export interface ChaosServicesOptions {
  /** Settings merged into config/local/app.json (for keys without a HERALD_* variable). */
  app?: Record<string, unknown>;
}

/** Rate limits far above what a run sends: the suite tests delivery, not the limiter. */
const RUN_APP_SETTINGS: Record<string, unknown> = {
  rateLimits: {
    connection: { rate: 1000, burst: 2000 },
    loginPerIp: { rate: 10_000, burst: 10_000 },
    apiKey: { rate: 100_000, burst: 100_000 },
  },
};

/** `redis`: Redis adapter and MariaDB store; `embedded`: cluster adapter and SQLite. */
export type HostMode = 'redis' | 'embedded';

export interface ProcessRow {
  pid: number;
  group: string;
  name: string;
  state?: string;
}

export class ChaosServices {
  readonly hosts: HeraldHost[] = [];

  private constructor(
    readonly redis: PrivateRedis,
    readonly mariadb: PrivateMariaDb,
    readonly mainSite: FakeMainSite,
    readonly configDir: string,
  ) {}

  static async start(options: ChaosServicesOptions = {}): Promise<ChaosServices> {
    const configDir = mkdtempSync(join(tmpdir(), 'herald-chaos-config-'));
    cpSync(join(packageRoot(), 'config', 'local'), join(configDir, 'local'), { recursive: true });
    const file = join(configDir, 'local', 'app.json');
    const app = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...app, ...RUN_APP_SETTINGS, ...options.app, log: { level: 'warn', format: 'json' } }));
    const [redis, mariadb, mainSite] = await Promise.all([PrivateRedis.start(), startMariaDb({ database: 'herald_chaos' }), new FakeMainSite().start()]);
    return new ChaosServices(redis, mariadb, mainSite, configDir);
  }

  /**
   * A host with the http verifier, on Redis and MariaDB (`redis`, as in production) or on the
   * embedded default (`embedded`: cluster adapter and SQLite), on a fixed port.
   */
  async startHost(prefix: string, env: Record<string, string> = {}, mode: HostMode = 'redis'): Promise<HeraldHost> {
    const port = await freePort();
    const stores: Record<string, string> = mode === 'redis' ? { HERALD_REDIS_URL: this.redis.url, HERALD_MYSQL_URL: this.mariadb.url } : {};
    const host = await startHost({
      timeoutMs: 30_000,
      env: {
        ...stores,
        HERALD_CONFIG_DIR: this.configDir,
        HERALD_PORT: String(port),
        HERALD_ADVERTISE_URL: `http://127.0.0.1:${port}`,
        HERALD_WORKERS: '2',
        HERALD_REDIS_PREFIX: `${prefix}:`,
        HERALD_AUTH_VERIFIER: 'http',
        HERALD_AUTH_URL: this.mainSite.url,
        // Every login asks the main site, so its outage is seen by every login during it.
        HERALD_AUTH_CACHE_TTL: '0',
        HERALD_SHUTDOWN_TIMEOUT: '5',
        ...env,
      },
    });
    this.hosts.push(host);
    return host;
  }

  /** The environment the `herald` CLI needs to reach `host`'s control socket. */
  cliEnv(host: HeraldHost): Record<string, string> {
    return { PUSH_ENV: 'local', HERALD_CONFIG_DIR: this.configDir, HERALD_DATA_DIR: host.dataDir };
  }

  /** Every process of a host (`herald process show --json`). */
  processes(host: HeraldHost): Promise<ProcessRow[]> {
    return heraldJson<ProcessRow[]>(['process', 'show'], this.cliEnv(host));
  }

  async stopHosts(): Promise<void> {
    const hosts = this.hosts.splice(0);
    await Promise.all(hosts.map((h) => h.stop(10_000)));
  }

  async close(): Promise<void> {
    await this.stopHosts();
    await Promise.allSettled([this.redis.stop(), this.mariadb.cleanup(), this.mainSite.stop()]);
    rmSync(this.configDir, { recursive: true, force: true });
  }
}
