/**
 * Token buckets: `rate` tokens per second up to `burst`. One bucket per connection, per IP or per
 * API key; buckets that refilled completely are forgotten, so memory follows active callers only.
 */
import type { Clock } from './clock';
import type { RateConfig } from './config';

export interface TakeResult {
  ok: boolean;
  /** Seconds until one token is available again (when `ok` is false). */
  retryAfter: number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly limit: RateConfig,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.updatedAt = now;
  }

  take(now: number, cost = 1): TakeResult {
    this.refill(now);
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return { ok: true, retryAfter: 0 };
    }
    return { ok: false, retryAfter: Math.max(0.001, (cost - this.tokens) / this.limit.rate) };
  }

  /** Whether a take of `cost` would succeed now, without taking anything. */
  peek(now: number, cost = 1): TakeResult {
    this.refill(now);
    return this.tokens >= cost ? { ok: true, retryAfter: 0 } : { ok: false, retryAfter: Math.max(0.001, (cost - this.tokens) / this.limit.rate) };
  }

  /** True when the bucket is full again, i.e. holds no state worth keeping. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.limit.burst;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsed * this.limit.rate);
    this.updatedAt = now;
  }
}

/** Buckets keyed by a string (an IP, an API key's hash). */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep: number;

  constructor(
    private readonly limit: RateConfig,
    private readonly clock: Clock,
    /** Most keys tracked at once; beyond it full buckets are swept first. */
    private readonly maxKeys = 100_000,
  ) {
    this.lastSweep = clock.now();
  }

  take(key: string, cost = 1): TakeResult {
    const now = this.clock.now();
    if (this.buckets.size >= this.maxKeys || now - this.lastSweep > 60_000) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.limit, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now, cost);
  }

  /** Whether `key` could take one token now, without taking it (an unknown key always can). */
  peek(key: string): TakeResult {
    return this.buckets.get(key)?.peek(this.clock.now()) ?? { ok: true, retryAfter: 0 };
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.isFull(now)) this.buckets.delete(key);
    }
    // Still over the cap: drop the oldest keys rather than grow without bound.
    const excess = this.buckets.size - this.maxKeys + 1;
    if (excess > 0) {
      let dropped = 0;
      for (const key of this.buckets.keys()) {
        if (dropped++ >= excess) break;
        this.buckets.delete(key);
      }
    }
  }
}
