/**
 * The `http` verifier: asks the main site's verification API. Its settings are `auth.http` in
 * app.json.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock';
import { ConfigError, HeraldError } from '../errors';
import type { Logger } from '../logger';
import { ThrottledLog } from '../throttled-log';
import { UID_PATTERN } from '../protocol/limits';
import { DEV_SITE_HEADER } from './dev-site';
import type { Credential, Identity, Verifier, VerifyContext } from './verifier';
import type { VerifierMode } from './verifier-mode';

/** `auth.http` in app.json. */
export const HttpSettingsSchema = z
  .object({
    /** The main site's verification URL (POST). */
    url: z.string().url().optional(),
    timeoutMs: z.number().int().min(100).max(60_000).default(3000),
    /**
     * Seconds a successful verification is cached (keyed by a hash of the credential, its
     * type and the platform); 0 disables. A credential revoked on the main site still logs
     * in for up to this long, so at most 60.
     */
    cacheTtl: z.number().min(0).max(60).default(10),
    /** Most cached verifications per worker. */
    cacheSize: z.number().int().positive().max(10_000_000).default(100_000),
    /** HTTP status that means success. */
    successStatus: z.number().int().min(100).max(599).default(200),
    /** Dotted path in the JSON answer that must equal `successValue`; empty to skip. */
    successPath: z.string().default('code'),
    successValue: z.union([z.string(), z.number(), z.boolean(), z.null()]).default(0),
    /** Dotted path of the uid in the JSON answer. */
    uidPath: z.string().min(1).default('data.uid'),
    /** Extra request headers (for example a shared secret the main site expects). */
    headers: z.record(z.string()).default({}),
  })
  .strict()
  .default({});

export interface HttpVerifierOptions {
  /** The main site's verification URL; it receives POST `{ type, value, platform, ip }`. */
  url: string;
  /** @default 3000 */
  timeoutMs: number;
  /**
   * Seconds a success is cached; 0 disables the cache. At most MAX_CACHE_TTL: a credential the
   * main site revoked still logs in for this long on a worker that cached it. @default 10
   */
  cacheTtl: number;
  /** @default 100000 */
  cacheSize: number;
  /** @default 200 */
  successStatus: number;
  /** Dotted path that must equal `successValue`; empty to skip. @default 'code' */
  successPath: string;
  /** @default 0 */
  successValue: string | number | boolean | null;
  /** @default 'data.uid' */
  uidPath: string;
  headers: Readonly<Record<string, string>>;
  /**
   * Whether answers of `herald dev-site` (marked with DEV_SITE_HEADER) count; when not, they are
   * AUTH_UNAVAILABLE with an error log. Set by the environment, not by a key: `online` never.
   * @default false
   */
  acceptDevSite?: boolean;
}

/** Longest cache life, seconds: the longest a revoked credential may still log in. */
export const MAX_CACHE_TTL = 60;

/** Milliseconds between two log lines about the same verification API failure. */
const FAILURE_LOG_INTERVAL_MS = 60_000; // 1 minute

/** Seconds a client should wait before retrying when the main site cannot answer. */
const UNAVAILABLE_RETRY_AFTER = 30;

interface CacheEntry {
  uid: string;
  expiresAt: number;
}

/**
 * The seed's verifier: asks the main site. Successes are cached briefly under a SHA-256 of
 * everything the main site was asked about (credential type and value, platform; never the
 * credential itself): the main site may answer differently per platform. Concurrent checks of one
 * such key share a single request, so a reconnect storm does not become a storm on the main site.
 * The cache outlives a revocation on the main site by at most `cacheTtl` (≤ 60 s).
 *
 * Failures of the main site are logged once a minute with a count: a verification API that is
 * down otherwise wrote one warning per login attempt (5,000 lines in 20 s).
 */
export class HttpVerifier implements Verifier {
  readonly kind = 'http';
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<Identity>>();
  private readonly unreachable: ThrottledLog;
  private readonly failed: ThrottledLog;
  private readonly nonJson: ThrottledLog;
  private readonly devSite: ThrottledLog;

  constructor(
    private readonly options: HttpVerifierOptions,
    private readonly logger: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    const throttle = { clock, intervalMs: FAILURE_LOG_INTERVAL_MS };
    this.unreachable = new ThrottledLog(logger, 'warn', 'verification API unreachable', throttle);
    this.failed = new ThrottledLog(logger, 'warn', 'verification API failed', throttle);
    this.nonJson = new ThrottledLog(logger, 'warn', 'verification API answered non-JSON', throttle);
    const devSite = 'refusing an answer from herald dev-site (it lets anyone log in as any uid; only local and test accept it): point auth.http.url at the main site';
    this.devSite = new ThrottledLog(logger, 'error', devSite, throttle);
  }

  /** Writes the failure counts still folded into the throttled log lines. */
  close(): void {
    for (const log of [this.unreachable, this.failed, this.nonJson, this.devSite]) log.close();
  }

  verify(credential: Credential, context: VerifyContext): Promise<Identity> {
    const key = createHash('sha256')
      .update(credential.type)
      .update('\0')
      .update(context.platform)
      .update('\0')
      .update(credential.value)
      .digest('base64');
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      if (cached.expiresAt > this.clock.now()) return Promise.resolve({ uid: cached.uid });
      this.cache.delete(key);
    }
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const request = this.ask(credential, context)
      .then((identity) => {
        this.remember(key, identity.uid);
        return identity;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, request);
    return request;
  }

  private async ask(credential: Credential, context: VerifyContext): Promise<Identity> {
    const started = this.clock.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...this.options.headers },
        body: JSON.stringify({ type: credential.type, value: credential.value, platform: context.platform, ip: context.ip }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      this.unreachable.hit({ reason: timedOut ? `no answer within ${this.options.timeoutMs} ms` : (err as Error).message });
      throw new HeraldError('AUTH_UNAVAILABLE', undefined, { cause: err, retryAfter: UNAVAILABLE_RETRY_AFTER });
    }
    if (response.headers.has(DEV_SITE_HEADER) && this.options.acceptDevSite !== true) {
      this.devSite.hit({});
      throw new HeraldError('AUTH_UNAVAILABLE', undefined, { retryAfter: UNAVAILABLE_RETRY_AFTER });
    }
    if (response.status >= 500) {
      this.failed.hit({ status: response.status, ms: this.clock.now() - started });
      throw new HeraldError('AUTH_UNAVAILABLE', undefined, { retryAfter: UNAVAILABLE_RETRY_AFTER });
    }
    if (response.status !== this.options.successStatus) {
      throw new HeraldError('AUTH_REJECTED', `the main site refused the ${credential.type}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      this.nonJson.hit({ status: response.status });
      throw new HeraldError('AUTH_UNAVAILABLE', undefined, { retryAfter: UNAVAILABLE_RETRY_AFTER });
    }
    if (this.options.successPath !== '' && readPath(body, this.options.successPath) !== this.options.successValue) {
      throw new HeraldError('AUTH_REJECTED', `the main site refused the ${credential.type}`);
    }
    const raw = readPath(body, this.options.uidPath);
    const uid = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
    if (typeof uid !== 'string' || !UID_PATTERN.test(uid)) {
      this.logger.error('verification API accepted the credential but gave no valid uid', { uidPath: this.options.uidPath });
      throw new HeraldError('AUTH_UNAVAILABLE', undefined, { retryAfter: UNAVAILABLE_RETRY_AFTER });
    }
    return { uid };
  }

  private remember(key: string, uid: string): void {
    if (this.options.cacheTtl <= 0) return;
    if (this.cache.size >= this.options.cacheSize) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    const ttl = Math.min(this.options.cacheTtl, MAX_CACHE_TTL);
    this.cache.set(key, { uid, expiresAt: this.clock.now() + ttl * 1000 });
  }
}

/** Reads `a.b.c` from parsed JSON; undefined when any step is missing. */
export function readPath(value: unknown, dotted: string): unknown {
  let node: unknown = value;
  for (const part of dotted.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * `auth.verifier: http`. The URL is required; `online` refuses plain http except to this machine
 * (credentials would cross the network in clear text).
 */
export const HTTP_VERIFIER: VerifierMode<typeof HttpSettingsSchema, HttpVerifierOptions> = {
  schema: HttpSettingsSchema,
  resolve(settings, { environment, label }) {
    const { url } = settings;
    if (url === undefined) throw new ConfigError('auth.http.url', 'is required when auth.verifier is http (or set HERALD_AUTH_URL)');
    if (environment === 'online' && !isSafeVerifierUrl(url)) {
      throw new ConfigError(label('auth.http.url'), 'online refuses a plain-http verification URL (credentials would cross the network in clear text); use https://, or http:// to this machine only');
    }
    return { ...settings, url, acceptDevSite: environment !== 'online' };
  },
  create: (settings, { logger, clock }) => new HttpVerifier(settings, logger, clock),
};

/** https, or http to this machine (the main site's verifier on the same host). */
function isSafeVerifierUrl(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return true;
  return parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
}
