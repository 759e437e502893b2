/**
 * One login path for the `login` event and for credentials on the handshake: rate limit per
 * client IP, verify with the configured verifier (`verify`), then establish the session
 * (`enter`). The two differ only in when they verify and where the answer goes:
 * - the event verifies while the connection is open and is answered with its ack;
 * - the handshake verifies in the Socket.IO middleware (`verifyHandshake`; a refusal is the
 *   client's `connect_error`), and once the connection is open the router runs `enter` and sends
 *   the answer as the event `login` (gateway.ts). Same answer, same replay-after-answer order.
 */
import type { Credential, Verifier } from '../../shared/auth';
import type { Clock } from '../../shared/clock';
import { HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { HandshakeAuthSchema, describeZodError, type LoginResult } from '../../shared/protocol';
import type { KeyedRateLimiter } from '../../shared/rate-limiter';
import type { Metrics } from '../metrics';
import type { EventContext } from './event-context';
import type { SessionManager } from './session-manager';
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
  /** What a handshake's credentials proved, from the middleware until the connection opens. */
  private readonly handshakes = new WeakMap<HeraldSocket, VerifiedLogin>();

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
  async login(ctx: EventContext, input: LoginInput): Promise<LoginResult> {
    const socket = ctx.socket;
    if (this.pending.has(socket)) throw new HeraldError('BAD_REQUEST', 'a login is already in progress on this connection');
    this.pending.add(socket);
    try {
      return await this.enter(ctx, await this.verify(input, socket.data.ip));
    } finally {
      this.pending.delete(socket);
    }
  }

  /**
   * Where both logins end: the verified identity becomes the socket's session. The replay, if
   * any, is left on `ctx.afterAnswer`.
   */
  async enter(ctx: EventContext, verified: VerifiedLogin): Promise<LoginResult> {
    if (!ctx.socket.connected) throw new HeraldError('BAD_REQUEST', 'the connection closed during login');
    return this.sessions.establish(ctx, verified.uid, verified.platform, verified.device);
  }

  /**
   * The handshake's half (Socket.IO middleware): checks `auth` and verifies its credentials
   * before the connection opens; a throw refuses the connection. Without credentials the
   * connection opens anonymous.
   */
  async verifyHandshake(socket: HeraldSocket): Promise<void> {
    const parsed = HandshakeAuthSchema.safeParse(socket.handshake.auth ?? {});
    if (!parsed.success) throw new HeraldError('BAD_REQUEST', describeZodError(parsed.error, 'auth'));
    const auth = parsed.data;
    if (auth.ukey === undefined && auth.token === undefined) return;
    this.handshakes.set(socket, await this.verify(auth, socket.data.ip));
  }

  /** Once the connection is open: what its handshake proved (undefined: none), handed out once. */
  takeHandshake(socket: HeraldSocket): VerifiedLogin | undefined {
    const verified = this.handshakes.get(socket);
    if (verified !== undefined) this.handshakes.delete(socket);
    return verified;
  }
}
