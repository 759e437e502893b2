import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { validate as validateCron } from 'node-cron';
import type { ZodError, ZodTypeAny } from 'zod';
import { describeZodError, pushRequestSchema } from '../protocol/schemas';
import { ConfigError } from '../errors';
import { packageRoot } from '../paths';
import { resolveAuth } from '../auth/verifiers';
import { ENV_OVERRIDES, type EnvOverride } from './env-overrides';
import { ENVIRONMENTS, type Environment } from './environment';
import { resolveDb, resolveRedis, resolveTls } from './modes';
import { AppConfigSchema, DbConfigSchema, LOCAL_API_KEY, RedisConfigSchema, type HeraldConfig } from './schema';

/** Names of the cron jobs Herald always has; configured jobs may not reuse them. */
export const BUILT_IN_CRON_JOBS = ['message-retention-cleanup', 'stats-snapshot'] as const;

export interface LoadConfigOptions {
  /** Environment variables to read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Folder holding `<env>/app.json` etc.; default `HERALD_CONFIG_DIR` or the package's `config/`. */
  configDir?: string;
  /** Base for the relative `dataDir`; default the working directory. */
  cwd?: string;
  /** CPUs to size `workers: 0` by; default `os.cpus().length`. */
  cpuCount?: number;
}

type FileName = 'app' | 'redis' | 'db';
type Raw = Record<string, unknown>;

const SEED_NUMBERS: Readonly<Record<string, Environment>> = { '0': 'local', '1': 'test', '2': 'online' };

/** `PUSH_ENV`: `local | test | online`, or the seed's `0 | 1 | 2`; unset means `local`. */
export function parseEnvironment(value: string | undefined): Environment {
  if (value === undefined || value === '') return 'local';
  const v = value.trim().toLowerCase();
  const fromNumber = SEED_NUMBERS[v];
  if (fromNumber) return fromNumber;
  if ((ENVIRONMENTS as readonly string[]).includes(v)) return v as Environment;
  throw new ConfigError('PUSH_ENV', `must be local, test, online (or 0, 1, 2), got ${JSON.stringify(value)}`);
}

/**
 * Reads `config/<env>/{app,db,redis}.json`, applies `HERALD_*` overrides, validates everything
 * once and returns a frozen object. Any problem throws a ConfigError naming the key.
 */
export function loadConfig(options: LoadConfigOptions = {}): HeraldConfig {
  const env = options.env ?? process.env;
  const environment = parseEnvironment(env.PUSH_ENV);
  const configDir = resolve(options.configDir ?? env.HERALD_CONFIG_DIR ?? join(packageRoot(), 'config'));
  const dir = join(configDir, environment);

  const raw: Record<FileName, Raw> = {
    app: readJsonFile(join(dir, 'app.json'), `config/${environment}/app.json`),
    redis: readJsonFile(join(dir, 'redis.json'), `config/${environment}/redis.json`),
    db: readJsonFile(join(dir, 'db.json'), `config/${environment}/db.json`),
  };
  const sources = new Map<string, string>();
  for (const override of ENV_OVERRIDES) {
    const value = env[override.variable];
    if (value === undefined || value === '') continue;
    setPath(raw[override.file], override.key, convert(override, value));
    sources.set(`${override.file}:${override.key}`, override.variable);
  }

  const app = parseWith(AppConfigSchema, raw.app, 'app', '', sources);
  const redisFile = parseWith(RedisConfigSchema, raw.redis, 'redis', 'redis.', sources);
  const dbFile = parseWith(DbConfigSchema, raw.db, 'db', 'db.', sources);

  const idleTimeout = app.connection.idleTimeout;
  const heartbeatInterval = app.connection.heartbeatInterval ?? Math.max(5, idleTimeout - 30);
  if (heartbeatInterval >= idleTimeout) {
    throw new ConfigError(
      'connection.heartbeatInterval',
      `must be shorter than connection.idleTimeout (${idleTimeout} s), or healthy clients get kicked`,
    );
  }
  if (app.connection.pingInterval + app.connection.pingTimeout >= idleTimeout) {
    throw new ConfigError('connection.pingInterval', 'pingInterval + pingTimeout must be shorter than idleTimeout');
  }
  const redis = resolveRedis(redisFile);
  const db = resolveDb(dbFile);
  if (app.delivery.cursorRetention < app.delivery.retention) {
    throw new ConfigError('delivery.cursorRetention', `must be at least delivery.retention (${app.delivery.retention} s), or devices lose their place while messages are still kept`);
  }

  const label = (key: string): string => {
    const variable = sources.get(`app:${key}`);
    return variable === undefined ? key : `${key} (${variable})`;
  };
  const auth = resolveAuth(app.auth, { environment, label });
  // The secret as configured, whatever the verifier: no API key or password may equal it.
  const jwtSecret = app.auth.jwt.secret;

  if (environment === 'online') {
    const apiKeysKey = label('apiKeys');
    if (app.apiKeys.length === 0) {
      throw new ConfigError('apiKeys', 'online refuses to start without API keys (set HERALD_API_KEYS)');
    }
    if (app.apiKeys.includes(LOCAL_API_KEY)) {
      throw new ConfigError(apiKeysKey, `online refuses the public development key ${LOCAL_API_KEY}`);
    }
    if (jwtSecret !== undefined && app.apiKeys.includes(jwtSecret)) {
      throw new ConfigError(apiKeysKey, 'online refuses an API key that is also the JWT secret (whoever calls the API could sign logins)');
    }
    if (app.cors.origins.includes('*')) {
      throw new ConfigError('cors.origins', 'online refuses `*`; list the allowed origins');
    }
    const password = app.admin.password;
    const passwordKey = label('admin.password');
    if (password !== undefined && password.length < 16) {
      throw new ConfigError(passwordKey, 'online refuses a password shorter than 16 characters');
    }
    if (password !== undefined && (app.apiKeys.includes(password) || password === jwtSecret)) {
      throw new ConfigError(passwordKey, 'online refuses a password that is also an API key or the JWT secret');
    }
  }

  if (app.webhooks.urls.length > 0 && app.webhooks.secret === undefined) {
    throw new ConfigError(label('webhooks.secret'), 'is required when webhooks.urls is set (receivers check the signature with it)');
  }
  if (app.webhooks.urls.length > 0 && app.tasks.processes === 0) {
    throw new ConfigError(label('tasks.processes'), 'webhooks are sent by the task processes: keep at least 1 when webhooks.urls is set');
  }
  if (environment === 'online' && app.webhooks.urls.length > 0) {
    const secret = app.webhooks.secret as string;
    if (secret.length < 32) throw new ConfigError(label('webhooks.secret'), 'online refuses a webhook secret shorter than 32 characters');
    if (app.apiKeys.includes(secret) || secret === jwtSecret || secret === app.admin.password) {
      throw new ConfigError(label('webhooks.secret'), 'online refuses a webhook secret that is also an API key, the JWT secret or the admin password');
    }
  }
  const tls = resolveTls(app.tls, options.cwd ?? process.cwd());
  const names = new Set<string>(BUILT_IN_CRON_JOBS);
  app.cron.jobs.forEach((job, i) => {
    if (names.has(job.name)) throw new ConfigError(`cron.jobs.${i}.name`, `${job.name} is already used`);
    names.add(job.name);
    if (!validateCron(job.schedule)) throw new ConfigError(`cron.jobs.${i}.schedule`, `not a valid cron rule: ${job.schedule}`);
    const push = pushRequestSchema(app.push).safeParse(job.push);
    if (!push.success) throw new ConfigError(`cron.jobs.${i}.push`, describeZodError(push.error));
  });
  for (const key of ['retentionCleanup', 'statsSnapshot'] as const) {
    if (!validateCron(app.cron[key])) throw new ConfigError(`cron.${key}`, `not a valid cron rule: ${app.cron[key]}`);
  }
  const dataDir = resolve(options.cwd ?? process.cwd(), app.dataDir);
  const config: HeraldConfig = {
    ...app,
    auth,
    tls,
    env: environment,
    configDir,
    workers: app.workers === 0 ? Math.max(1, options.cpuCount ?? cpus().length) : app.workers,
    host: app.host ?? (environment === 'local' ? '127.0.0.1' : '0.0.0.0'),
    hostId: app.hostId ?? `${hostname()}:${app.port}`,
    connection: { ...app.connection, heartbeatInterval },
    log: { ...app.log, format: app.log.format ?? (environment === 'local' ? 'pretty' : 'json') },
    console: { enabled: app.console.enabled ?? environment === 'local' },
    dataDir,
    runDir: join(dataDir, 'run'),
    redis,
    db,
  };
  return deepFreeze(config);
}

function readJsonFile(path: string, label: string): Raw {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(label, `is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(label, 'must hold a JSON object');
  }
  return parsed as Raw;
}

function convert(override: EnvOverride, value: string): unknown {
  switch (override.kind) {
    case 'string':
      return value;
    case 'boolean': {
      const lower = value.trim().toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      throw new ConfigError(`${override.key} (${override.variable})`, `must be true or false (or 1, 0), got ${JSON.stringify(value)}`);
    }
    case 'list':
      return value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    case 'int':
    case 'number': {
      const n = Number(value);
      const ok = value.trim() !== '' && Number.isFinite(n) && (override.kind === 'number' || Number.isInteger(n));
      if (!ok) {
        throw new ConfigError(`${override.key} (${override.variable})`, `must be ${override.kind === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`);
      }
      return n;
    }
  }
}

function setPath(target: Raw, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node: Raw = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Raw;
  }
  node[parts[parts.length - 1] as string] = value;
}

function parseWith<S extends ZodTypeAny>(
  schema: S,
  value: Raw,
  file: FileName,
  keyPrefix: string,
  sources: Map<string, string>,
): S['_output'] {
  const result = schema.safeParse(value);
  if (result.success) return result.data as S['_output'];
  throw zodToConfigError(result.error, file, keyPrefix, sources);
}

function zodToConfigError(error: ZodError, file: FileName, keyPrefix: string, sources: Map<string, string>): ConfigError {
  const issue = error.issues[0];
  let path = issue ? issue.path.join('.') : '';
  let reason = issue?.message ?? 'invalid';
  if (issue?.code === 'unrecognized_keys') {
    path = [path, issue.keys[0]].filter((p) => p !== '').join('.');
    reason = issue.keys.length > 1 ? `unknown keys ${issue.keys.join(', ')}` : 'unknown key';
  }
  const key = path === '' ? file : `${keyPrefix}${path}`;
  let source: string | undefined;
  for (let p = path; ; p = p.slice(0, Math.max(0, p.lastIndexOf('.')))) {
    source = sources.get(`${file}:${p}`);
    if (source !== undefined || p === '') break;
  }
  const label = source !== undefined ? `${key} (${source})` : key;
  return new ConfigError(label, reason, { cause: error });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
