import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../shared/clock';
import type { HeraldConfig } from '../../shared/config';
import { HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { KeyedRateLimiter } from '../../shared/rate-limiter';
import { ThrottledLog } from '../../shared/throttled-log';
import type { Metrics } from '../metrics';

/**
 * API keys, compared in constant time through their SHA-256 digests. The key itself is never
 * kept beyond start-up or logged; rate limits and logs use a short id derived from the digest.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map((key) => digest(key));
  }

  /** The key's id (first 8 hex characters of its digest) when valid, else undefined. */
  check(authorization: string | undefined): string | undefined {
    if (authorization === undefined) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) return undefined;
    const candidate = digest(match[1] as string);
    let found = false;
    for (const known of this.digests) found = timingSafeEqual(known, candidate) || found;
    return found ? candidate.toString('hex').slice(0, 8) : undefined;
  }
}

/**
 * The API keys and their rate limits, one per worker: a key has one budget
 * (`rateLimits.apiKey`), whichever routes it calls — the API's or the admin API's.
 *
 * Calls without a valid key are limited per client address (`rateLimits.apiKeyFailuresPerIp`):
 * past it, every call from that address is answered RATE_LIMITED without looking at the key, so
 * keys cannot be guessed at speed (nor a right guess told from a wrong one). They are logged once
 * a minute with a count, never one line per call.
 */
export class ApiKeyGate {
  readonly keys: ApiKeys;
  private readonly limiter: KeyedRateLimiter;
  private readonly failures: KeyedRateLimiter;
  private readonly refusedLog: ThrottledLog;

  constructor(
    config: HeraldConfig,
    clock: Clock,
    private readonly metrics: Metrics,
    logger: Logger,
  ) {
    this.keys = new ApiKeys(config.apiKeys);
    this.limiter = new KeyedRateLimiter(config.rateLimits.apiKey, clock, 10_000);
    this.failures = new KeyedRateLimiter(config.rateLimits.apiKeyFailuresPerIp, clock, 100_000);
    this.refusedLog = new ThrottledLog(logger, 'warn', 'API calls refused: missing or wrong API key', { clock });
  }

  /**
   * The calling key's id; UNAUTHORIZED without a valid key, RATE_LIMITED past its budget or when
   * the address `ip` made too many calls without a valid key.
   */
  admit(authorization: string | undefined, ip: string): string {
    const blocked = this.failures.peek(ip);
    if (!blocked.ok) {
      this.metrics.rateLimited.inc({ scope: 'api_key_failures' });
      throw new HeraldError('RATE_LIMITED', 'too many calls without a valid API key from this address', { retryAfter: Math.ceil(blocked.retryAfter) });
    }
    const keyId = this.keys.check(authorization);
    if (keyId === undefined) {
      this.failures.take(ip);
      this.refusedLog.hit({ ip, reason: authorization === undefined ? 'no Authorization header' : 'wrong key or malformed header' });
      throw new HeraldError('UNAUTHORIZED');
    }
    const limit = this.limiter.take(keyId);
    if (!limit.ok) {
      this.metrics.rateLimited.inc({ scope: 'api_key' });
      throw new HeraldError('RATE_LIMITED', 'too many requests for this API key', { retryAfter: Math.ceil(limit.retryAfter) });
    }
    return keyId;
  }

  /**
   * Takes `cost` more calls from the key's budget, all or none: a batch of N pushes counts N
   * (admit took the first). RATE_LIMITED when the budget cannot cover them all.
   */
  charge(keyId: string, cost: number): void {
    if (cost <= 0) return;
    const limit = this.limiter.take(keyId, cost);
    if (!limit.ok) {
      this.metrics.rateLimited.inc({ scope: 'api_key' });
      throw new HeraldError('RATE_LIMITED', `too many requests for this API key (this batch counts ${cost + 1})`, { retryAfter: Math.ceil(limit.retryAfter) });
    }
  }

  /** Writes the refusals still folded into the throttled log line. */
  close(): void {
    this.refusedLog.close();
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
