/**
 * `HERALD_*` environment variables and the single configuration key each one overrides.
 * docs/CONFIG.md lists the same table; a unit test keeps the two in step.
 */
export type OverrideKind = 'int' | 'number' | 'string' | 'list' | 'boolean';

export interface EnvOverride {
  /** Environment variable name. */
  variable: string;
  /** Which file's object it lands in. */
  file: 'app' | 'redis' | 'db';
  /** Dotted key path inside that file. */
  key: string;
  kind: OverrideKind;
}

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { variable: 'HERALD_PORT', file: 'app', key: 'port', kind: 'int' },
  { variable: 'HERALD_HOST', file: 'app', key: 'host', kind: 'string' },
  { variable: 'HERALD_WORKERS', file: 'app', key: 'workers', kind: 'int' },
  { variable: 'HERALD_WORKER_SEMI_SPACE_MB', file: 'app', key: 'workerSemiSpaceMb', kind: 'int' },
  { variable: 'HERALD_HOST_ID', file: 'app', key: 'hostId', kind: 'string' },
  { variable: 'HERALD_PUBLIC_URL', file: 'app', key: 'publicUrl', kind: 'string' },
  { variable: 'HERALD_ADVERTISE_URL', file: 'app', key: 'advertiseUrl', kind: 'string' },
  { variable: 'HERALD_API_KEYS', file: 'app', key: 'apiKeys', kind: 'list' },
  { variable: 'HERALD_CORS_ORIGINS', file: 'app', key: 'cors.origins', kind: 'list' },
  { variable: 'HERALD_TRUSTED_PROXIES', file: 'app', key: 'trustedProxies', kind: 'list' },
  { variable: 'HERALD_AUTH_VERIFIER', file: 'app', key: 'auth.verifier', kind: 'string' },
  { variable: 'HERALD_AUTH_URL', file: 'app', key: 'auth.http.url', kind: 'string' },
  { variable: 'HERALD_AUTH_TIMEOUT_MS', file: 'app', key: 'auth.http.timeoutMs', kind: 'int' },
  { variable: 'HERALD_AUTH_CACHE_TTL', file: 'app', key: 'auth.http.cacheTtl', kind: 'number' },
  { variable: 'HERALD_JWT_ALGORITHM', file: 'app', key: 'auth.jwt.algorithm', kind: 'string' },
  { variable: 'HERALD_JWT_SECRET', file: 'app', key: 'auth.jwt.secret', kind: 'string' },
  { variable: 'HERALD_JWT_PUBLIC_KEY', file: 'app', key: 'auth.jwt.publicKey', kind: 'string' },
  { variable: 'HERALD_IDLE_TIMEOUT', file: 'app', key: 'connection.idleTimeout', kind: 'number' },
  { variable: 'HERALD_HEARTBEAT_INTERVAL', file: 'app', key: 'connection.heartbeatInterval', kind: 'number' },
  { variable: 'HERALD_SWEEP_INTERVAL', file: 'app', key: 'connection.sweepInterval', kind: 'number' },
  { variable: 'HERALD_MAX_CONNECTIONS_PER_USER', file: 'app', key: 'connection.maxConnectionsPerUser', kind: 'int' },
  { variable: 'HERALD_PING_INTERVAL', file: 'app', key: 'connection.pingInterval', kind: 'number' },
  { variable: 'HERALD_PING_TIMEOUT', file: 'app', key: 'connection.pingTimeout', kind: 'number' },
  { variable: 'HERALD_MAX_PAYLOAD_BYTES', file: 'app', key: 'connection.maxPayloadBytes', kind: 'int' },
  { variable: 'HERALD_PUSH_MAX_DATA_DEPTH', file: 'app', key: 'push.maxDataDepth', kind: 'int' },
  { variable: 'HERALD_HEADER_TIMEOUT', file: 'app', key: 'connection.headerTimeout', kind: 'number' },
  { variable: 'HERALD_LOGIN_TIMEOUT', file: 'app', key: 'connection.loginTimeout', kind: 'number' },
  { variable: 'HERALD_MAX_CONNECTIONS_PER_IP', file: 'app', key: 'connection.maxPerIp', kind: 'int' },
  { variable: 'HERALD_MAX_CONNECTIONS_PER_IP_EXEMPT', file: 'app', key: 'connection.maxPerIpExempt', kind: 'list' },
  { variable: 'HERALD_MAX_CONNECTIONS', file: 'app', key: 'connection.maxTotal', kind: 'int' },
  { variable: 'HERALD_MAX_BUFFERED_BYTES', file: 'app', key: 'connection.maxBufferedBytes', kind: 'int' },
  { variable: 'HERALD_LOG_LEVEL', file: 'app', key: 'log.level', kind: 'string' },
  { variable: 'HERALD_LOG_FORMAT', file: 'app', key: 'log.format', kind: 'string' },
  { variable: 'HERALD_IDEMPOTENCY_TTL', file: 'app', key: 'push.idempotencyTtl', kind: 'number' },
  { variable: 'HERALD_IDEMPOTENCY_LOCK_TIMEOUT', file: 'app', key: 'push.idempotencyLockTimeout', kind: 'number' },
  { variable: 'HERALD_KEEP_ALIVE_TIMEOUT', file: 'app', key: 'http.keepAliveTimeout', kind: 'number' },
  { variable: 'HERALD_METRICS_KEY', file: 'app', key: 'metrics.key', kind: 'string' },
  { variable: 'HERALD_SHUTDOWN_TIMEOUT', file: 'app', key: 'shutdownTimeout', kind: 'number' },
  { variable: 'HERALD_DATA_DIR', file: 'app', key: 'dataDir', kind: 'string' },
  { variable: 'HERALD_REDIS_URL', file: 'redis', key: 'url', kind: 'string' },
  { variable: 'HERALD_REDIS_CLUSTER', file: 'redis', key: 'cluster', kind: 'list' },
  { variable: 'HERALD_REDIS_SENTINELS', file: 'redis', key: 'sentinels', kind: 'list' },
  { variable: 'HERALD_REDIS_SENTINEL_NAME', file: 'redis', key: 'sentinelName', kind: 'string' },
  { variable: 'HERALD_REDIS_USERNAME', file: 'redis', key: 'username', kind: 'string' },
  { variable: 'HERALD_REDIS_PASSWORD', file: 'redis', key: 'password', kind: 'string' },
  { variable: 'HERALD_REDIS_PREFIX', file: 'redis', key: 'prefix', kind: 'string' },
  { variable: 'HERALD_REDIS_OUTAGE_MAX_MESSAGES', file: 'redis', key: 'outageBuffer.maxMessages', kind: 'int' },
  { variable: 'HERALD_REDIS_OUTAGE_MAX_BYTES', file: 'redis', key: 'outageBuffer.maxBytes', kind: 'int' },
  { variable: 'HERALD_REDIS_OUTAGE_MAX_AGE_MS', file: 'redis', key: 'outageBuffer.maxAgeMs', kind: 'int' },
  { variable: 'HERALD_REDIS_OUTAGE_REPLAY_MS', file: 'redis', key: 'outageBuffer.replayMs', kind: 'int' },
  { variable: 'HERALD_MYSQL_URL', file: 'db', key: 'url', kind: 'string' },
  { variable: 'HERALD_DB_TIMEOUT_MS', file: 'db', key: 'operationTimeoutMs', kind: 'int' },
  { variable: 'HERALD_TASK_PROCESSES', file: 'app', key: 'tasks.processes', kind: 'int' },
  { variable: 'HERALD_TLS_CERT', file: 'app', key: 'tls.cert', kind: 'string' },
  { variable: 'HERALD_TLS_KEY', file: 'app', key: 'tls.key', kind: 'string' },
  { variable: 'HERALD_RETENTION', file: 'app', key: 'delivery.retention', kind: 'number' },
  { variable: 'HERALD_REPLAY_LIMIT', file: 'app', key: 'delivery.replayLimit', kind: 'int' },
  { variable: 'HERALD_ADMIN_ENABLED', file: 'app', key: 'admin.enabled', kind: 'boolean' },
  { variable: 'HERALD_ADMIN_PASSWORD', file: 'app', key: 'admin.password', kind: 'string' },
  { variable: 'HERALD_ADMIN_SESSION_TTL', file: 'app', key: 'admin.sessionTtl', kind: 'number' },
  { variable: 'HERALD_WEBHOOK_URLS', file: 'app', key: 'webhooks.urls', kind: 'list' },
  { variable: 'HERALD_WEBHOOK_SECRET', file: 'app', key: 'webhooks.secret', kind: 'string' },
  { variable: 'HERALD_WEBHOOK_EVENTS', file: 'app', key: 'webhooks.events', kind: 'list' },
  { variable: 'HERALD_WEBHOOK_RETRY_FOR', file: 'app', key: 'webhooks.retryFor', kind: 'number' },
  { variable: 'HERALD_WEBHOOK_DEBOUNCE', file: 'app', key: 'webhooks.debounce', kind: 'number' },
  { variable: 'HERALD_WEBHOOK_TIMEOUT', file: 'app', key: 'webhooks.timeout', kind: 'number' },
  { variable: 'HERALD_CONSOLE_ENABLED', file: 'app', key: 'console.enabled', kind: 'boolean' },
];

/** Variables read outside the table: the environment switch and the configuration folder. */
export const SPECIAL_VARIABLES = ['PUSH_ENV', 'HERALD_CONFIG_DIR'] as const;
