/**
 * Admin sessions as signed tokens, so that any worker of any host verifies a session another one
 * issued (a browser's requests reach different workers: sticky routing is per TCP connection).
 *
 * A token is `<payload>.<signature>`, both base64url: the payload is JSON `{ sid, via, iat, exp }`
 * (times in ms) and the signature an HMAC-SHA256 over it. The key is derived (HKDF) from the
 * secrets every host of a cluster shares: the admin password, the API keys and the HS256 JWT
 * secret. Changing any of them ends every session. Without an admin password and without API
 * keys nobody can log in, and no key exists to sign with.
 *
 * The CSRF token of a session is an HMAC of its id under the same key: the page receives it in
 * JSON and sends it back in a header; a cross-site page can neither read it nor compute it.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { HeraldConfig } from '../../../shared/config';

/** How the session was opened: the admin password, or the API key with this short id. */
export type SessionVia = 'password' | `key:${string}`;

export interface AdminSession {
  /** Random session id (base64url, 16 bytes). */
  sid: string;
  via: SessionVia;
  /** Issued at, ms since epoch. */
  iat: number;
  /** Expires at, ms since epoch. */
  exp: number;
}

export interface IssuedSession {
  session: AdminSession;
  /** The cookie value. */
  token: string;
  /** The value of the X-Herald-CSRF header for this session. */
  csrf: string;
}

/** Milliseconds a token's issue time may lie in the future (clocks of hosts differ a little). */
const CLOCK_SKEW_MS = 60_000;

/**
 * The signing key shared by every worker and host with the same secrets, or undefined when no
 * credential could open a session (no admin password, no API key).
 */
export function deriveSessionKey(config: Pick<HeraldConfig, 'admin' | 'apiKeys' | 'auth'>): Buffer | undefined {
  if (config.admin.password === undefined && config.apiKeys.length === 0) return undefined;
  const material = JSON.stringify({
    password: config.admin.password ?? null,
    apiKeys: [...config.apiKeys].sort(),
    jwtSecret: config.auth.verifier === 'jwt' && config.auth.jwt.algorithm === 'HS256' ? config.auth.jwt.secret : null,
  });
  return Buffer.from(hkdfSync('sha256', material, 'herald-admin-session', 'v1 session signing key', 32));
}

export class AdminSessions {
  constructor(
    /** From deriveSessionKey; undefined: no session can be issued or verified. */
    private readonly key: Buffer | undefined,
    /** Milliseconds a session lasts. */
    private readonly ttlMs: number,
  ) {}

  get enabled(): boolean {
    return this.key !== undefined;
  }

  issue(via: SessionVia, now: number): IssuedSession {
    const session: AdminSession = { sid: randomBytes(16).toString('base64url'), via, iat: now, exp: now + this.ttlMs };
    const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
    return { session, token: `${payload}.${this.sign('session', payload)}`, csrf: this.csrfToken(session) };
  }

  /** The session a token carries, if the signature holds and it has not expired. */
  verify(token: string | undefined, now: number): AdminSession | undefined {
    if (token === undefined || this.key === undefined || token.length > 1024) return undefined;
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = token.slice(0, dot);
    if (!sameText(token.slice(dot + 1), this.sign('session', payload))) return undefined;
    let session: unknown;
    try {
      session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isSession(session)) return undefined;
    if (session.exp <= now || session.iat > now + CLOCK_SKEW_MS) return undefined;
    return session;
  }

  csrfToken(session: AdminSession): string {
    return this.sign('csrf', session.sid);
  }

  /** Whether `header` is this session's CSRF token (compared in constant time). */
  checkCsrf(session: AdminSession, header: string | undefined): boolean {
    return header !== undefined && sameText(header, this.csrfToken(session));
  }

  private sign(purpose: 'session' | 'csrf', text: string): string {
    if (this.key === undefined) throw new Error('admin sessions are disabled: no admin password and no API key');
    return createHmac('sha256', this.key).update(`${purpose}.${text}`).digest('base64url');
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function isSession(value: unknown): value is AdminSession {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (
    typeof s.sid === 'string' &&
    typeof s.via === 'string' &&
    (s.via === 'password' || /^key:[0-9a-f]{8}$/.test(s.via)) &&
    Number.isSafeInteger(s.iat) &&
    Number.isSafeInteger(s.exp)
  );
}
