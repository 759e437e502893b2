/**
 * Turns the files' optional fields into modes: `redis.url` set or not becomes
 * `config.redis.adapter`, `db.url` becomes `config.db.store`, `tls.cert` + `tls.key` become
 * `config.tls.enabled`. Each rule about a mode's fields is checked here, once; afterwards a
 * mode's required fields cannot be missing. (The verifier's mode is shared/auth/verifiers.ts.)
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors';
import type { AppConfig, DbConfig, DbFileConfig, RedisConfig, RedisFileConfig, RedisNode, TlsConfig } from './schema';

/**
 * At most one of `redis.url`, `redis.cluster`, `redis.sentinels`; none means no Redis (the cluster
 * adapter, one host). `password`/`username` belong to a cluster or Sentinel setup (a URL carries
 * its own).
 */
export function resolveRedis(file: RedisFileConfig): RedisConfig {
  const { url, cluster, sentinels, sentinelName, password, username, ...rest } = file;
  const set = (['url', 'cluster', 'sentinels'] as const).filter((key) => file[key] !== undefined);
  if (set.length > 1) throw new ConfigError(`redis.${set[1]}`, `redis.${set.join(' and redis.')} exclude each other: set one`);
  const credentials = { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
  if (cluster !== undefined) return { adapter: 'redis', connection: { kind: 'cluster', nodes: cluster.map(parseHostPort), ...credentials }, ...rest };
  if (sentinels !== undefined) {
    return { adapter: 'redis', connection: { kind: 'sentinel', sentinels: sentinels.map(parseHostPort), name: sentinelName, ...credentials }, ...rest };
  }
  if (password !== undefined || username !== undefined) {
    throw new ConfigError(password !== undefined ? 'redis.password' : 'redis.username', 'goes with redis.cluster or redis.sentinels (a redis.url carries its own credentials)');
  }
  if (url === undefined) return { adapter: 'cluster', ...rest };
  if (!/^rediss?:\/\//.test(url)) throw new ConfigError('redis.url', 'must start with redis:// or rediss://');
  return { adapter: 'redis', connection: { kind: 'single', url }, ...rest };
}

/** `host:port` or `[v6]:port`, already checked by the schema. */
function parseHostPort(value: string): RedisNode {
  const at = value.lastIndexOf(':');
  const host = value.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(value.slice(at + 1)) };
}

/** No URL selects the embedded SQLite store; a `mysql://` URL the MySQL store. */
export function resolveDb(file: DbFileConfig): DbConfig {
  const { url, connectionLimit, connectTimeoutMs, sqliteSynchronous, ...common } = file;
  if (url === undefined) return { store: 'sqlite', ...common, sqliteSynchronous };
  if (!/^mysql:\/\//.test(url)) throw new ConfigError('db.url', 'must start with mysql://');
  return { store: 'mysql', url, connectionLimit, connectTimeoutMs, ...common };
}

/** Both files or neither; each must exist (relative to `cwd`). */
export function resolveTls(file: AppConfig['tls'], cwd: string): TlsConfig {
  const { cert, key } = file;
  if (cert === undefined && key === undefined) return { enabled: false };
  if (cert === undefined || key === undefined) throw new ConfigError(cert === undefined ? 'tls.cert' : 'tls.key', 'tls.cert and tls.key go together');
  if (!existsSync(resolve(cwd, cert))) throw new ConfigError('tls.cert', `no such file: ${cert}`);
  if (!existsSync(resolve(cwd, key))) throw new ConfigError('tls.key', `no such file: ${key}`);
  return { enabled: true, cert, key };
}
