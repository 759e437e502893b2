/**
 * Turns the files' optional fields into modes: `redis.url` set or not becomes
 * `config.redis.adapter`, `db.url` becomes `config.db.store`, `tls.cert` + `tls.key` become
 * `config.tls.enabled`. Each rule about a mode's fields is checked here, once; afterwards a
 * mode's required fields cannot be missing. (The verifier's mode is shared/auth/verifiers.ts.)
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors';
import type { AppConfig, DbConfig, DbFileConfig, RedisConfig, RedisFileConfig, TlsConfig } from './schema';

export function resolveRedis(file: RedisFileConfig): RedisConfig {
  const { url, ...rest } = file;
  if (url === undefined) return { adapter: 'cluster', ...rest };
  if (!/^rediss?:\/\//.test(url)) throw new ConfigError('redis.url', 'must start with redis:// or rediss://');
  return { adapter: 'redis', url, ...rest };
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
