/**
 * What admin logins share across every worker of the cluster: revoked sessions and the login
 * attempts per client address. Kept by the primary (server/primary/primary.ts answers the
 * workers' requests over IPC): in Redis when Redis is configured, so every host sees the same, and
 * in the primary's memory otherwise (without Redis there is one host).
 *
 * Before, a logout only cleared the cookie (a copied cookie stayed valid for admin.sessionTtl,
 * 8 h) and each worker counted login attempts on its own, while the attacker picks the worker
 * with each new connection: N workers gave N times the budget (issue 11, item 9).
 */
import type { RedisClient } from '../../../shared/redis';
import type { Clock } from '../../../shared/clock';
import type { RateConfig } from '../../../shared/config';
import type { Logger } from '../../../shared/logger';
import { KeyedRateLimiter, type TakeResult } from '../../../shared/rate-limiter';

export interface AdminState {
  /** Revokes session `sid` until it would have expired anyway (`expiresAt`, ms since epoch). */
  revoke(sid: string, expiresAt: number): Promise<void>;
  isRevoked(sid: string): Promise<boolean>;
  /** Counts one login attempt of `ip` against `rateLimits.adminLogin`. */
  takeLogin(ip: string): Promise<TakeResult>;
}

/** Most revoked sessions remembered in memory; the oldest are forgotten first (they expire anyway). */
const MAX_REVOKED = 100_000;

/** In one process: the primary without Redis, or a gateway that runs alone. */
export class MemoryAdminState implements AdminState {
  private readonly revoked = new Map<string, number>();
  private readonly logins: KeyedRateLimiter;

  constructor(
    limit: RateConfig,
    private readonly clock: Clock,
  ) {
    this.logins = new KeyedRateLimiter(limit, clock, 100_000);
  }

  async revoke(sid: string, expiresAt: number): Promise<void> {
    this.forgetExpired();
    if (this.revoked.size >= MAX_REVOKED) {
      const oldest = this.revoked.keys().next();
      if (oldest.done !== true) this.revoked.delete(oldest.value);
    }
    this.revoked.set(sid, expiresAt);
  }

  async isRevoked(sid: string): Promise<boolean> {
    const until = this.revoked.get(sid);
    return until !== undefined && until > this.clock.now();
  }

  async takeLogin(ip: string): Promise<TakeResult> {
    return this.logins.take(ip);
  }

  private forgetExpired(): void {
    const now = this.clock.now();
    for (const [sid, until] of this.revoked) if (until <= now) this.revoked.delete(sid);
  }
}

/** A token bucket in one Redis hash: tokens `t` at time `a` (ms); answers {ok, retryAfter seconds}. */
const TAKE_SCRIPT = `
local now = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local burst = tonumber(ARGV[3])
local tokens = tonumber(redis.call('hget', KEYS[1], 't'))
local at = tonumber(redis.call('hget', KEYS[1], 'a'))
if tokens == nil or at == nil then tokens = burst; at = now end
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 end
redis.call('hset', KEYS[1], 't', tostring(tokens), 'a', tostring(now))
redis.call('pexpire', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
if ok == 1 then return {1, '0'} end
return {0, tostring((1 - tokens) / rate)}`;

/**
 * In Redis, shared by every host. When Redis cannot answer, the host's own memory stands in
 * (revocations made here are also kept there), so a Redis outage neither locks admins out nor
 * lifts the login limit.
 */
export class RedisAdminState implements AdminState {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly limit: RateConfig,
    private readonly clock: Clock,
    private readonly fallback: MemoryAdminState,
    private readonly logger: Logger,
  ) {}

  async revoke(sid: string, expiresAt: number): Promise<void> {
    await this.fallback.revoke(sid, expiresAt);
    const ttl = Math.max(1, expiresAt - this.clock.now());
    await this.redis.set(this.revokedKey(sid), '1', 'PX', ttl).catch((err: Error) => {
      this.logger.warn('admin logout: Redis unavailable, the session is revoked on this host only', { error: err.message });
    });
  }

  async isRevoked(sid: string): Promise<boolean> {
    if (await this.fallback.isRevoked(sid)) return true;
    try {
      return (await this.redis.exists(this.revokedKey(sid))) === 1;
    } catch {
      return false;
    }
  }

  async takeLogin(ip: string): Promise<TakeResult> {
    try {
      const [ok, retryAfter] = (await this.redis.eval(TAKE_SCRIPT, 1, `${this.prefix}admin:login:${ip}`, String(this.clock.now()), String(this.limit.rate), String(this.limit.burst))) as [number, string];
      return { ok: ok === 1, retryAfter: Number(retryAfter) };
    } catch {
      return this.fallback.takeLogin(ip);
    }
  }

  private revokedKey(sid: string): string {
    return `${this.prefix}admin:revoked:${sid}`;
  }
}
