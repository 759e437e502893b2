/**
 * Who may use the admin API, and how the dashboard logs in.
 *
 * Two ways in, checked on every request:
 * - `Authorization: Bearer <api key>`, as on the rest of the API (scripts; not cookie-based, so
 *   nothing to forge across sites), counted against the same per-key rate limit (ApiKeyGate);
 * - the dashboard's session cookie (HttpOnly, SameSite=Strict, Secure over https), a signed token
 *   any worker verifies (admin-session.ts). A request that changes something must also carry the
 *   session's CSRF token in `X-Herald-CSRF` and must not come from another site (Sec-Fetch-Site).
 *
 * Logging in takes the admin password or an API key, at most `rateLimits.adminLogin` attempts per
 * client address across the whole cluster (admin-state.ts: a worker-local count let an attacker
 * multiply the budget by opening connections until each worker was hit). Logging out revokes the
 * session everywhere until it would have expired: a copied cookie stops working at once. In `online` a session is only handed out over https (TLS, or a trusted proxy's
 * `X-Forwarded-Proto: https`) or to a browser on this machine that no proxy stands in front of, so
 * the cookie never crosses a network in clear text.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import type { Clock } from '../../../shared/clock';
import type { AdminLoginMethod } from '../../../shared/control/admin-answers';
import type { HeraldConfig } from '../../../shared/config';
import { HeraldError } from '../../../shared/errors';
import type { Logger } from '../../../shared/logger';
import type { Metrics } from '../../metrics';
import type { ApiKeyGate } from '../api-keys';
import { normalizeIp } from '../client-address';
import type { ApiRequest } from '../router';
import { parseOrBadRequest } from '../validate';
import { AdminSessions, deriveSessionKey, type AdminSession, type IssuedSession } from './admin-session';
import type { AdminState } from './admin-state';

export const SESSION_COOKIE = 'herald_admin';
export const CSRF_HEADER = 'x-herald-csrf';

export type AdminCaller =
  | { kind: 'session'; session: AdminSession; /** for logs */ id: string }
  | { kind: 'api-key'; keyId: string; id: string };

export interface LoginResult {
  issued: IssuedSession;
  /** The Set-Cookie header value. */
  cookie: string;
}

const LoginSchema = z
  .object({
    apiKey: z.string().min(1).max(256).optional(),
    password: z.string().min(1).max(256).optional(),
  })
  .strict()
  .refine((b) => (b.apiKey === undefined) !== (b.password === undefined), { message: 'give exactly one of apiKey and password' });

export class AdminGuard {
  readonly sessions: AdminSessions;
  private readonly password: Buffer | undefined;
  private readonly trusted: ReadonlySet<string>;

  constructor(
    private readonly config: HeraldConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly apiKeys: ApiKeyGate,
    /** Revocations and login attempts shared by every worker. */
    private readonly state: AdminState,
  ) {
    this.sessions = new AdminSessions(deriveSessionKey(config), config.admin.sessionTtl * 1000);
    this.password = config.admin.password !== undefined ? digest(config.admin.password) : undefined;
    this.trusted = new Set(config.trustedProxies);
  }

  /**
   * The caller of an admin route, or UNAUTHORIZED (401); a session request that changes state
   * without its CSRF token, or from another site, is FORBIDDEN (403).
   */
  async authenticate(req: ApiRequest, changesState: boolean): Promise<AdminCaller> {
    if (req.headers.authorization !== undefined) {
      const keyId = this.apiKeys.admit(req.headers.authorization, req.ip);
      return { kind: 'api-key', keyId, id: `key:${keyId}` };
    }
    const session = await this.sessionOf(req);
    if (session === undefined) {
      throw new HeraldError('UNAUTHORIZED', 'log in first: an admin session (POST /api/v1/admin/login) or Authorization: Bearer <api key>');
    }
    if (changesState) {
      const site = header(req, 'sec-fetch-site');
      if (site !== undefined && site !== 'same-origin') throw new HeraldError('FORBIDDEN', `a ${site} request may not change anything`);
      if (!this.sessions.checkCsrf(session, header(req, CSRF_HEADER))) {
        throw new HeraldError('FORBIDDEN', 'missing or wrong CSRF token (send the session\'s csrf in X-Herald-CSRF)');
      }
    }
    return { kind: 'session', session, id: `session:${session.via}` };
  }

  /** The credentials a dashboard login can use here, the admin password first (it is the dashboard's own). */
  loginMethods(): AdminLoginMethod[] {
    const methods: AdminLoginMethod[] = [];
    if (this.password !== undefined) methods.push('password');
    if (this.config.apiKeys.length > 0) methods.push('apiKey');
    return methods;
  }

  /** The valid session of the request's cookie, if any: signed, not expired, not logged out. */
  async sessionOf(req: ApiRequest): Promise<AdminSession | undefined> {
    const session = this.sessions.verify(readCookie(req.headers.cookie, SESSION_COOKIE), this.clock.now());
    if (session === undefined) return undefined;
    return (await this.state.isRevoked(session.sid)) ? undefined : session;
  }

  /** Ends a session on every worker and host, until it would have expired anyway. */
  async logout(caller: AdminCaller): Promise<void> {
    if (caller.kind !== 'session') return;
    await this.state.revoke(caller.session.sid, caller.session.exp);
    this.logger.info('admin logged out', { via: caller.session.via });
  }

  /** Counts a login attempt of the client's address, cluster-wide; RATE_LIMITED beyond `rateLimits.adminLogin`. */
  async admitLogin(req: ApiRequest): Promise<void> {
    const limit = await this.state.takeLogin(req.ip);
    if (!limit.ok) {
      this.metrics.rateLimited.inc({ scope: 'admin_login' });
      throw new HeraldError('RATE_LIMITED', 'too many login attempts from this address', { retryAfter: Math.ceil(limit.retryAfter) });
    }
  }

  /** Checks the password or API key of POST /api/v1/admin/login (after admitLogin) and opens a session. */
  login(req: ApiRequest, rawBody: unknown): LoginResult {
    const body = parseOrBadRequest(LoginSchema, rawBody);
    if (!this.sessions.enabled) {
      throw new HeraldError('UNAUTHORIZED', 'no admin password and no API key are configured: nobody can log in');
    }
    const secure = this.isSecure(req);
    if (this.config.env === 'online' && !secure && !this.isLocalClient(req)) {
      throw new HeraldError('FORBIDDEN', 'online hands out admin sessions over https only (TLS, or X-Forwarded-Proto: https from a trusted proxy)');
    }
    let via: 'password' | `key:${string}` | undefined;
    if (body.password !== undefined) {
      if (this.password !== undefined && timingSafeEqual(digest(body.password), this.password)) via = 'password';
    } else {
      const keyId = this.apiKeys.keys.check(`Bearer ${body.apiKey ?? ''}`);
      if (keyId !== undefined) via = `key:${keyId}`;
    }
    if (via === undefined) {
      this.logger.warn('admin login refused', { ip: req.ip, with: body.password !== undefined ? 'password' : 'api key' });
      throw new HeraldError('UNAUTHORIZED', body.password !== undefined && this.password === undefined ? 'no admin password is configured (admin.password): log in with an API key' : 'wrong password or API key');
    }
    const issued = this.sessions.issue(via, this.clock.now());
    this.logger.info('admin logged in', { ip: req.ip, via });
    const maxAge = Math.floor((issued.session.exp - issued.session.iat) / 1000);
    return { issued, cookie: cookie(issued.token, maxAge, secure) };
  }

  /** A Set-Cookie value that removes the session cookie. */
  logoutCookie(req: ApiRequest): string {
    return cookie('', 0, this.isSecure(req));
  }

  /**
   * A browser on this machine talking to Herald directly (an SSH tunnel): a loopback peer that
   * forwards nobody else's request. A proxy on this machine (nginx on 127.0.0.1) does not count.
   */
  private isLocalClient(req: ApiRequest): boolean {
    return isLoopback(req.raw.socket.remoteAddress) && req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined;
  }

  /** Whether the browser reached Herald over https: TLS here, or a trusted proxy says so. */
  isSecure(req: ApiRequest): boolean {
    if ((req.raw.socket as Partial<TLSSocket>).encrypted === true) return true;
    if (!this.trusted.has(normalizeIp(req.raw.socket.remoteAddress))) return false;
    return header(req, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
  }
}

function cookie(value: string, maxAge: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

function readCookie(headerValue: string | undefined, name: string): string | undefined {
  if (headerValue === undefined) return undefined;
  for (const part of headerValue.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function header(req: ApiRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function isLoopback(address: string | undefined): boolean {
  const ip = normalizeIp(address);
  return ip === '::1' || ip.startsWith('127.');
}
