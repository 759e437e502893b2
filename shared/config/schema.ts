/**
 * Every configuration key, its unit and its default (the `auth.<verifier>` settings are declared
 * by each verifier's file in shared/auth/ and joined in here), and the typed shape loadConfig
 * returns, where the modes are discriminated unions (modes.ts). docs/CONFIG.md documents the same
 * keys; test/unit/docs.test.ts checks that every key here appears there.
 *
 * Durations are in seconds unless the key's name says otherwise (`timeoutMs`).
 */
import { z } from 'zod';
import { AuthSettingsSchema, type AuthConfig } from '../auth/verifiers';
import { TOPIC_PATTERN } from '../protocol/limits';
import type { Environment } from './environment';

export { ENVIRONMENTS, type Environment } from './environment';
export { DEV_JWT_SECRET } from '../auth/jwt-verifier';

/** The API key `local` ships in config/local/app.json: public, so `online` refuses it. */
export const LOCAL_API_KEY = 'local-development-api-key';

const seconds = (min: number, max: number) => z.number().min(min).max(max);
const positiveInt = z.number().int().positive();
/** Engine.IO's ping settings: 0.1 s and up, so conformance tests (300 / 200 ms) can run against Herald. */
const pingSeconds = z.number().min(0.1, 'must be at least 0.1 (seconds; 100 ms)').max(600, 'must be at most 600 (seconds)');

const TopicRuleSchema = z
  .object({
    /** Glob over topic names: `*` one dot-free segment, `**` anything, `{uid}` the caller's uid. */
    pattern: z
      .string()
      .min(1)
      .max(128)
      .refine((p) => TOPIC_PATTERN.test(p.replace(/\{uid\}/g, 'u').replace(/\*/g, 'x')), {
        message: 'may hold only topic characters, `*`, `**` and `{uid}`',
      }),
    /** `public`: anyone, even before login; `authenticated`: any logged-in user; `owner`: the uid in the pattern. */
    access: z.enum(['public', 'authenticated', 'owner']),
  })
  .strict()
  .refine((r) => r.access !== 'owner' || r.pattern.includes('{uid}'), {
    message: 'an owner rule needs {uid} in its pattern',
    path: ['pattern'],
  })
  // `user-{uid}-**` would let uid `a` read the topics of uid `a-b`: the uid must be its own segment.
  .refine((r) => r.pattern.split('.').every((segment) => !segment.includes('{uid}') || segment === '{uid}'), {
    message: '{uid} must be a whole dot-separated segment (like user.{uid}.**)',
    path: ['pattern'],
  });
export type TopicRule = z.infer<typeof TopicRuleSchema>;

const CronJobSchema = z
  .object({
    /** Unique name, as `herald crontab stop --name=…` takes it. */
    name: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must match [A-Za-z0-9_.:-]{1,64}'),
    /** A node-cron rule: five fields, or six with seconds first (e.g. `0 30 9 * * 1-5`). */
    schedule: z.string().min(1).max(100),
    /** The push to send on each run: the body of POST /api/v1/push. */
    push: z.record(z.unknown()),
  })
  .strict();
export type CronJobConfig = z.infer<typeof CronJobSchema>;

const RateSchema = z
  .object({
    /** Sustained requests per second. */
    rate: z.number().positive().max(1e6),
    /** Requests allowed in a burst above the rate. */
    burst: positiveInt.max(1e7),
  })
  .strict();
export type RateConfig = z.infer<typeof RateSchema>;

export const AppConfigSchema = z
  .object({
    /** TCP port for the HTTP API, Socket.IO and the console. */
    port: z.number().int().min(0).max(65535).default(9501),
    /**
     * Address to listen on; default `127.0.0.1` in `local` (its API key and JWT secret are public,
     * so it is not reachable from other machines unless configured), `0.0.0.0` elsewhere.
     */
    host: z.string().min(1).optional(),
    /** Socket.IO worker processes; 0 means one per CPU. */
    workers: z.number().int().min(0).max(256).default(0),
    /**
     * V8's semi-space size for the Socket.IO workers, MB (`--max-semi-space-size`); their young
     * generation is two of them. 0 keeps V8's default (16 MB). Smaller holds idle connections in
     * less memory; an operator's own `--max-semi-space-size` (NODE_OPTIONS) wins.
     */
    workerSemiSpaceMb: z.number().int().min(0).max(256).default(4),
    /** This host's name in the cluster (stats, presence); default `<hostname>:<port>`. */
    hostId: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/).optional(),
    /** The URL every client should connect to (a load balancer), returned by /api/v1/endpoint. */
    publicUrl: z.string().url().optional(),
    /** This host's own URL, used when /api/v1/endpoint picks the least-loaded host. */
    advertiseUrl: z.string().url().optional(),
    /** Keys for the HTTP API (`Authorization: Bearer <key>`), at least 16 characters each. */
    apiKeys: z.array(z.string().min(16).max(256)).default([]),
    cors: z
      .object({
        /** Browser origins allowed to connect and to call /api/v1/endpoint; `*` allows any. */
        origins: z.array(z.string().min(1)).default(['*']),
      })
      .strict()
      .default({}),
    /** Proxy addresses whose X-Forwarded-For is believed (exact IPs). */
    trustedProxies: z.array(z.string().ip()).default([]),
    /** `verifier` and each verifier's settings: shared/auth/verifiers.ts builds this part from its table. */
    auth: AuthSettingsSchema,
    connection: z
      .object({
        /** Seconds without interaction after which a connection is kicked. */
        idleTimeout: seconds(10, 86_400).default(180),
        /** Seconds of silence after which clients send `heartbeat`; default idleTimeout − 30. */
        heartbeatInterval: seconds(5, 86_400).optional(),
        /** Seconds between idle checks (at most 5). */
        sweepInterval: seconds(0.1, 5).default(5),
        /** Connections one uid may hold across the cluster; the oldest is kicked beyond it. */
        maxConnectionsPerUser: positiveInt.max(10_000).default(10),
        /** Topics one connection may subscribe to. */
        maxTopicsPerConnection: positiveInt.max(10_000).default(50),
        /** Engine.IO ping interval (seconds; from 0.1 for conformance and fast-failure tests, a warning under 5 on online). */
        pingInterval: pingSeconds.default(25),
        /** Engine.IO ping timeout (seconds; from 0.1, a warning under 5 on online). */
        pingTimeout: pingSeconds.default(20),
        /** Largest frame a client may send, in bytes. */
        maxPayloadBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(64 * 1024),
        /** Transports the server accepts. */
        transports: z.array(z.enum(['websocket', 'polling'])).min(1).default(['websocket', 'polling']),
        /**
         * Seconds a new TCP connection has to send its complete request head (request line and
         * headers), in the primary and again on the worker it is handed to; then it is closed.
         */
        headerTimeout: seconds(1, 300).default(10),
        /**
         * Seconds an anonymous Socket.IO connection (not logged in, no topic) may stay; then it is
         * kicked (`idle`). Counted from the connection, or from the last sweep that saw it logged in.
         */
        loginTimeout: seconds(5, 86_400).default(60),
        /** Open TCP connections one client address may hold on this host; 0: no limit. */
        maxPerIp: z.number().int().min(0).max(10_000_000).default(1000),
        /** Addresses the per-address limit skips (exact IPs): loopback, where a local proxy or tool connects from. */
        maxPerIpExempt: z.array(z.string().ip()).default(['127.0.0.1', '::1']),
        /** Open TCP connections on this host; 0: no limit. */
        maxTotal: z.number().int().min(0).max(100_000_000).default(200_000),
        /** Bytes waiting to be written to one connection beyond which it is dropped; 0: no limit. */
        maxBufferedBytes: z.number().int().min(0).max(1024 * 1024 * 1024).default(4 * 1024 * 1024),
      })
      .strict()
      .default({}),
    client: z
      .object({
        /** Seconds clients cache the /api/v1/endpoint answer (300-600 in the seed). */
        endpointTtl: seconds(10, 86_400).default(300),
        /** Seconds before each reconnect attempt. */
        reconnectDelays: z.array(seconds(0, 3600)).min(1).max(10).default([60, 120, 180]),
        /** Random spread applied to each delay, 0-1 (0: exact delays). */
        reconnectJitter: z.number().min(0).max(1).default(0),
        /** Seconds to wait for a heartbeat answer before trying once more, then giving up. */
        heartbeatTimeout: seconds(1, 600).default(30),
        /** Extra heartbeats after an unanswered one before the connection is declared dead. */
        heartbeatRetries: z.number().int().min(0).max(10).default(1),
        /** Seconds between login attempts while login fails. */
        loginRetryInterval: seconds(1, 3600).default(30),
        /** Seconds a client waits for a connection attempt before counting it as failed. */
        connectTimeout: seconds(1, 120).default(10),
      })
      .strict()
      .default({}),
    /** Who may subscribe to which topics; a topic no rule matches is refused. */
    topics: z.array(TopicRuleSchema).default([]),
    push: z
      .object({
        /** Largest push request body, in bytes (room for 10,000 uids). */
        maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
        /** Largest `POST /api/v1/push/batch` body, in bytes (1,000 pushes of up to 16 KB each). */
        maxBatchBodyBytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(16 * 1024 * 1024),
        /** Largest `data` of one push, in bytes of JSON: what every recipient receives. */
        maxDataBytes: z.number().int().min(16).max(16 * 1024 * 1024).default(64 * 1024),
        /**
         * Deepest nesting of a push's `data` (`[]` and `{}` count 1). Deeper data is refused (400,
         * a dead letter for Redis ingress): a few KB nested ~2,000 deep overflowed the IPC
         * serializer and took the whole host down. At most 512, far below that.
         */
        maxDataDepth: z.number().int().min(1).max(512).default(32),
        /** Most uids in one push. */
        maxUids: positiveInt.max(1_000_000).default(10_000),
        /** Event name of a push that does not give one. */
        defaultEvent: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).default('message'),
        /** Seconds an `Idempotency-Key` is remembered: a repeat within it gets the first answer. */
        idempotencyTtl: seconds(60, 30 * 86_400).default(86_400),
        /**
         * Seconds after which a call holding an `Idempotency-Key` without answering is presumed
         * dead (a killed worker) and a retry takes the key over; keep it above
         * db.operationTimeoutMs. A retry waits up to this + 1 s for a running call's answer.
         */
        idempotencyLockTimeout: seconds(1, 600).default(15),
      })
      .strict()
      .default({}),
    delivery: z
      .object({
        /** Seconds a durable push stays replayable (a push's own ttl may shorten it). */
        retention: seconds(60, 365 * 86_400).default(7 * 86_400),
        /** Most messages replayed to a device at one login; older ones are dropped first. */
        replayLimit: positiveInt.max(100_000).default(1000),
        /** Seconds a device cursor is kept without moving; at least `retention`. */
        cursorRetention: seconds(60, 10 * 365 * 86_400).default(30 * 86_400),
        /** Seconds between deletions of expired messages and stale cursors. */
        cleanupInterval: seconds(10, 86_400).default(300),
        /** Longest an ack waits to share its cursor write with others (seconds); it is answered after the write. */
        ackFlushInterval: seconds(0.001, 60).default(0.02),
      })
      .strict()
      .default({}),
    rateLimits: z
      .object({
        /** Events per connection. */
        connection: RateSchema.default({ rate: 20, burst: 40 }),
        /** Login attempts per client IP, per worker. */
        loginPerIp: RateSchema.default({ rate: 20, burst: 50 }),
        /** HTTP API requests per API key, per worker. */
        apiKey: RateSchema.default({ rate: 5000, burst: 10000 }),
        /** HTTP API calls without a valid API key per client IP, per worker; past it the IP gets 429. */
        apiKeyFailuresPerIp: RateSchema.default({ rate: 1, burst: 20 }),
        /** Dashboard login attempts (POST /api/v1/admin/login) per client IP, across the cluster. */
        adminLogin: RateSchema.default({ rate: 0.1, burst: 10 }),
      })
      .strict()
      .default({}),
    tasks: z
      .object({
        /** Task processes per host (group `task`): background work off the socket workers. */
        processes: z.number().int().min(0).max(64).default(1),
        /** A push to more uids than this runs in a task process. */
        fanoutThreshold: positiveInt.max(1_000_000).default(1000),
      })
      .strict()
      .default({}),
    cron: z
      .object({
        /** Run the cron process (group `cron`). */
        enabled: z.boolean().default(true),
        /** Time zone of the rules (IANA name); default the host's. */
        timezone: z.string().min(1).optional(),
        /** Rule of the built-in `message-retention-cleanup` job. */
        retentionCleanup: z.string().min(1).default('0 */5 * * * *'),
        /** Rule of the built-in `stats-snapshot` job. */
        statsSnapshot: z.string().min(1).default('* * * * *'),
        /** Scheduled pushes. */
        jobs: z.array(CronJobSchema).default([]),
      })
      .strict()
      .default({}),
    webhooks: z
      .object({
        /** Receivers of the main site's webhooks (docs/WEBHOOKS.md); empty: webhooks off. */
        urls: z.array(z.string().url().max(2048).regex(/^https?:\/\//i, 'must be an http(s) URL')).max(10).default([]),
        /** HMAC-SHA256 key of `X-Herald-Signature`; required when `urls` is set, at least 16 characters (32 in online). */
        secret: z.string().min(16).max(512).optional(),
        /** Event types sent; default all. */
        events: z
          .array(z.enum(['user.online', 'user.offline', 'message.acked', 'message.expired']))
          .min(1)
          .default(['user.online', 'user.offline', 'message.acked', 'message.expired']),
        /** Events per POST, at most. */
        batchSize: z.number().int().min(1).max(1000).default(100),
        /** Seconds a batch is retried (with back-off) before its events are dead-lettered. */
        retryFor: seconds(1, 7 * 86_400).default(3600),
        /** Seconds a last disconnection waits before `user.offline`; a reconnect inside it sends nothing. */
        debounce: seconds(0, 3600).default(5),
        /** Seconds one POST may take before it counts as failed. */
        timeout: seconds(0.1, 120).default(5),
      })
      .strict()
      .default({}),
    admin: z
      .object({
        /** Serve the dashboard (/admin) and the admin API (/api/v1/admin/…). */
        enabled: z.boolean().default(true),
        /** Dashboard password, accepted besides any API key; at least 12 characters (16 in online). */
        password: z.string().min(12).max(256).optional(),
        /** Seconds an admin session (the dashboard's cookie) stays valid. */
        sessionTtl: seconds(60, 7 * 86_400).default(8 * 3600),
      })
      .strict()
      .default({}),
    console: z
      .object({
        /** Serve the test tool at /console; default on in `local`, off elsewhere (there behind the admin login). */
        enabled: z.boolean().optional(),
      })
      .strict()
      .default({}),
    tls: z
      .object({
        /** PEM certificate chain file; with `key`, Herald serves https/wss itself. */
        cert: z.string().min(1).optional(),
        /** PEM private key file. */
        key: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    log: z
      .object({
        level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
        /** `pretty` for people, `json` for log shippers; default json outside `local`. */
        format: z.enum(['pretty', 'json']).optional(),
        /** Daemon mode: bytes after which `logs/herald.log` is rotated. */
        maxFileBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(10 * 1024 * 1024),
        /** Daemon mode: rotated files kept (herald.log.1 … .N). */
        keepFiles: z.number().int().min(1).max(100).default(5),
      })
      .strict()
      .default({}),
    http: z
      .object({
        /**
         * Seconds an idle keep-alive API connection may be reused, announced as
         * `Keep-Alive: timeout=N`; Herald closes it 2 s after that. Keep it at most
         * shutdownTimeout − 3: a draining worker waits for its idle connections to run out, and
         * cuts what is left a second before shutdownTimeout.
         */
        keepAliveTimeout: seconds(1, 300).default(5),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        /**
         * Bearer key `GET /metrics` requires (`Authorization: Bearer <key>`), at least 16
         * characters; unset leaves /metrics open, for a private port only (docs/OPERATIONS.md).
         */
        key: z.string().min(16).max(256).optional(),
      })
      .strict()
      .default({}),
    /** Seconds a graceful stop may take before workers are killed. */
    shutdownTimeout: seconds(1, 600).default(10),
    /** Folder for the embedded store and run files, relative to the working directory. */
    dataDir: z.string().min(1).default('data'),
  })
  .strict();

/** `host:port`, as Redis Cluster and Sentinel seeds are written. */
const hostPort = z.string().regex(/^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$|^\[[0-9A-Fa-f:.]{2,45}\]:[0-9]{1,5}$/, 'must be host:port').refine((v) => {
  const port = Number(v.slice(v.lastIndexOf(':') + 1));
  return port >= 1 && port <= 65535;
}, 'port must be 1-65535');

export const RedisConfigSchema = z
  .object({
    /**
     * `redis://[:password@]host:port[/db]`: one Redis server. Unset (with `cluster` and
     * `sentinels` unset too) means no Redis: the cluster adapter, one host.
     */
    url: z.string().url().optional(),
    /**
     * Seed nodes of a Redis Cluster, `host:port` each (a few are enough; the rest are discovered).
     * Herald then uses sharded pub/sub and keeps every multi-key operation inside one slot
     * (docs/ARCHITECTURE.md "Redis keys"). Exclusive with `url` and `sentinels`.
     */
    cluster: z.array(hostPort).min(1).max(64).optional(),
    /** Sentinels `host:port` each, watching the master `sentinelName`. Exclusive with `url` and `cluster`. */
    sentinels: z.array(hostPort).min(1).max(16).optional(),
    /** The master name the sentinels watch. */
    sentinelName: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).default('mymaster'),
    /** Password of the cluster's nodes or of the sentinel-managed master (a `url` carries its own). */
    password: z.string().min(1).max(512).optional(),
    /** ACL user name with `password` (Redis 6+); unset means the default user. */
    username: z.string().min(1).max(128).optional(),
    /** Prefix of every Redis key and channel Herald uses. */
    prefix: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).default('herald:'),
    /**
     * Cross-host deliveries a process holds while Redis is unreachable (server/cluster/
     * redis-outage-buffer.ts), sent in order once it is back; past any bound, ephemeral pushes
     * are refused with REDIS_UNAVAILABLE (503).
     */
    outageBuffer: z
      .object({
        /** Deliveries held at most, per process. */
        maxMessages: positiveInt.max(1_000_000).default(10_000),
        /** Bytes of encoded deliveries held at most, per process. */
        maxBytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
        /** Milliseconds the oldest held delivery may wait before new pushes are refused. */
        maxAgeMs: z.number().int().min(100).max(3_600_000).default(30_000),
        /**
         * Milliseconds of ephemeral pushes Redis confirmed just before an outage that are sent
         * again after a Redis restart (it may have died before writing them to the other
         * hosts); 0 turns it off. Single Redis and Sentinel only.
         */
        replayMs: z.number().int().min(0).max(60_000).default(1000),
      })
      .strict()
      .default({}),
  })
  .strict();

export const DbConfigSchema = z
  .object({
    /** `mysql://user:password@host:port/database`; unset means the embedded SQLite store. */
    url: z.string().url().optional(),
    /** MySQL connections per worker. */
    connectionLimit: positiveInt.max(1000).default(10),
    /** Milliseconds to open a MySQL connection. */
    connectTimeoutMs: z.number().int().min(100).max(60_000).default(2000),
    /** Milliseconds one store operation may take (retries included) before STORE_UNAVAILABLE. */
    operationTimeoutMs: z.number().int().min(100).max(120_000).default(5000),
    groupCommit: z
      .object({
        /** Milliseconds concurrent appends wait to share one transaction. */
        maxDelayMs: z.number().min(0).max(1000).default(2),
        /** Rows that close a batch early. */
        maxBatchRows: positiveInt.max(100_000).default(1000),
        /** Rows waiting beyond which appends are refused at once with STORE_UNAVAILABLE. */
        maxQueuedRows: positiveInt.max(10_000_000).default(100_000),
      })
      .strict()
      .default({}),
    /** SQLite only: `FULL` survives a power loss, `NORMAL` only a crash of Herald (faster). */
    sqliteSynchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
  })
  .strict();

/** The files' shapes, as written (optional fields where a mode may leave them out). */
export type AppConfig = z.infer<typeof AppConfigSchema>;
export type RedisFileConfig = z.infer<typeof RedisConfigSchema>;
export type DbFileConfig = z.infer<typeof DbConfigSchema>;

/**
 * `config.redis`: which Socket.IO adapter carries broadcasts between processes. Without a URL the
 * cluster adapter through the primary (one host); with one, the Redis adapter (many hosts), and
 * every other Redis use (presence, ingress, host registry, cron locks) with it. `prefix` and
 * `outageBuffer` have defaults and are kept in both modes; only the Redis mode reads them.
 */
export type RedisConfig = Omit<RedisFileConfig, 'url' | 'cluster' | 'sentinels' | 'sentinelName' | 'password' | 'username'> &
  ({ adapter: 'cluster' } | { adapter: 'redis'; connection: RedisConnection });

/** `host:port` split. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * How Herald reaches Redis when it has one: one server (`redis.url`), a Redis Cluster
 * (`redis.cluster`) or a master watched by Sentinels (`redis.sentinels`). shared/redis.ts makes
 * the client of each; everything above it works the same on all three.
 */
export type RedisConnection =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; username?: string; password?: string }
  | { kind: 'sentinel'; sentinels: RedisNode[]; name: string; username?: string; password?: string };

type StoreCommon = Omit<DbFileConfig, 'url' | 'connectionLimit' | 'connectTimeoutMs' | 'sqliteSynchronous'>;

/**
 * `config.db`: which message store holds durable pushes. `sqlite` (no `db.url`): the embedded
 * file in dataDir; `mysql` (`db.url` is `mysql://…`). Each variant keeps only its own keys.
 */
export type DbConfig =
  | (StoreCommon & { store: 'sqlite' } & Pick<DbFileConfig, 'sqliteSynchronous'>)
  | (StoreCommon & { store: 'mysql'; url: string } & Pick<DbFileConfig, 'connectionLimit' | 'connectTimeoutMs'>);

/** `config.tls`: off, or on with both files (paths as configured, checked to exist at load). */
export type TlsConfig = { enabled: false } | { enabled: true; cert: string; key: string };

/** The validated, frozen configuration every component receives. */
export interface HeraldConfig extends Omit<AppConfig, 'connection' | 'log' | 'workers' | 'hostId' | 'console' | 'host' | 'auth' | 'tls'> {
  env: Environment;
  /** The verifier that logs clients in and its settings (shared/auth/verifiers.ts). */
  auth: AuthConfig;
  tls: TlsConfig;
  /** Resolved listening address (`127.0.0.1` in local, `0.0.0.0` elsewhere, unless configured). */
  host: string;
  /** The test tool at /console; `enabled` resolved for the environment. */
  console: { enabled: boolean };
  /** Folder the configuration files were read from. */
  configDir: string;
  /** Resolved worker count (never 0). */
  workers: number;
  hostId: string;
  connection: AppConfig['connection'] & { heartbeatInterval: number };
  log: Omit<AppConfig['log'], 'format'> & { format: 'pretty' | 'json' };
  /** Where the pid file and the control socket live: `<dataDir>/run`. */
  runDir: string;
  redis: RedisConfig;
  db: DbConfig;
}
