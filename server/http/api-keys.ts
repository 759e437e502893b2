import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../shared/clock';
import type { HeraldConfig } from '../../shared/config';
import { HeraldError } from '../../shared/errors';
import { KeyedRateLimiter } from '../../shared/rate-limiter';
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
 * The API keys and their rate limit, one per worker: a key has one budget
 * (`rateLimits.apiKey`), whichever routes it calls — the API's or the admin API's.
 */
export class ApiKeyGate {
  readonly keys: ApiKeys;
  private readonly limiter: KeyedRateLimiter;

  constructor(
    config: HeraldConfig,
    clock: Clock,
    private readonly metrics: Metrics,
  ) {
    this.keys = new ApiKeys(config.apiKeys);
    this.limiter = new KeyedRateLimiter(config.rateLimits.apiKey, clock, 10_000);
  }

  /** The calling key's id; UNAUTHORIZED without a valid key, RATE_LIMITED past its budget. */
  admit(authorization: string | undefined): string {
    const keyId = this.keys.check(authorization);
    if (keyId === undefined) throw new HeraldError('UNAUTHORIZED');
    const limit = this.limiter.take(keyId);
    if (!limit.ok) {
      this.metrics.rateLimited.inc({ scope: 'api_key' });
      throw new HeraldError('RATE_LIMITED', 'too many requests for this API key', { retryAfter: Math.ceil(limit.retryAfter) });
    }
    return keyId;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
