/**
 * One login path for the `login` event and for credentials on the handshake: rate limit per
 * client IP, verify with the configured verifier, then establish the session.
 */
import type { Credential, Verifier } from '../../shared/auth';
import type { Clock } from '../../shared/clock';
import { HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { KeyedRateLimiter } from '../../shared/rate-limiter';
import type { Metrics } from '../metrics';
import type { Established, SessionManager } from './session-manager';
import type { HeraldSocket } from './types';

export interface LoginInput {
  ukey?: string;
  token?: string;
  platform?: string;
  device?: string;
}

export interface VerifiedLogin {
  uid: string;
  platform: string;
  device: string | null;
}

/** Web clients log in with a ukey, apps with a token; the platform defaults accordingly. */
export function defaultPlatform(input: LoginInput): string {
  return input.ukey !== undefined ? 'web' : 'app';
}

export class LoginService {
  private readonly pending = new WeakSet<HeraldSocket>();

  constructor(
    private readonly verifier: Verifier,
    private readonly sessions: SessionManager,
    private readonly ipLimiter: KeyedRateLimiter,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Checks the credential; throws HeraldError (RATE_LIMITED, AUTH_REJECTED, AUTH_UNAVAILABLE). */
  async verify(input: LoginInput, ip: string): Promise<VerifiedLogin> {
    const limit = this.ipLimiter.take(ip);
    if (!limit.ok) {
      this.metrics.rateLimited.inc({ scope: 'login_ip' });
      throw new HeraldError('RATE_LIMITED', 'too many login attempts from this address', { retryAfter: Math.ceil(limit.retryAfter) });
    }
    const credential: Credential =
      input.ukey !== undefined ? { type: 'ukey', value: input.ukey } : { type: 'token', value: input.token ?? '' };
    const platform = input.platform ?? defaultPlatform(input);
    const started = this.clock.now();
    try {
      const identity = await this.verifier.verify(credential, { platform, ip });
      this.metrics.logins.inc({ result: 'ok' });
      this.metrics.counters.logins++;
      return { uid: identity.uid, platform, device: input.device ?? null };
    } catch (err) {
      const code = err instanceof HeraldError ? err.code : 'INTERNAL';
      this.metrics.logins.inc({ result: code });
      this.metrics.counters.loginFailures++;
      if (!(err instanceof HeraldError)) this.logger.error('verifier failed unexpectedly', { error: (err as Error).message });
      throw err instanceof HeraldError ? err : new HeraldError('AUTH_UNAVAILABLE', undefined, { cause: err, retryAfter: 30 });
    } finally {
      this.metrics.loginSeconds.observe((this.clock.now() - started) / 1000);
    }
  }

  /** The `login` event: verify, then log the socket in. One login at a time per socket. */
  async login(socket: HeraldSocket, input: LoginInput): Promise<Established> {
    if (this.pending.has(socket)) throw new HeraldError('BAD_REQUEST', 'a login is already in progress on this connection');
    this.pending.add(socket);
    try {
      const verified = await this.verify(input, socket.data.ip);
      if (!socket.connected) throw new HeraldError('BAD_REQUEST', 'the connection closed during login');
      return await this.sessions.establish(socket, verified.uid, verified.platform, verified.device);
    } finally {
      this.pending.delete(socket);
    }
  }
}
