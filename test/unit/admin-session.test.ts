/**
 * Admin sessions and their guard, without a server: signed tokens any worker can verify, their
 * expiry, the CSRF token, the key's derivation from the shared secrets, the `online` rules for the
 * admin configuration, and what the HTTP side may ask of the primary.
 */
import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { Registry } from 'prom-client';
import { loadConfig, type HeraldConfig } from '../../shared/config';
import { HeraldError } from '../../shared/errors';
import { silentLogger } from '../../shared/logger';
import { ADMIN_COMMANDS, isAdminCommand, PrimaryClusterLink } from '../../server/cluster/cluster-link';
import type { PrimaryClient } from '../../server/cluster/primary-client';
import { AdminGuard, SESSION_COOKIE } from '../../server/http/admin/admin-guard';
import { ApiKeyGate } from '../../server/http/api-keys';
import { AdminSessions, deriveSessionKey } from '../../server/http/admin/admin-session';
import { MemoryAdminState, type AdminState } from '../../server/http/admin/admin-state';
import { rejection } from '../support/assertions';
import type { ApiRequest } from '../../server/http/router';
import { Metrics } from '../../server/metrics';

const HOUR = 3_600_000;

function config(env: Record<string, string> = {}): HeraldConfig {
  return loadConfig({ env: { PUSH_ENV: 'local', HERALD_ADMIN_PASSWORD: 'correct-horse-battery', ...env } });
}

function sessions(cfg = config()): AdminSessions {
  return new AdminSessions(deriveSessionKey(cfg), cfg.admin.sessionTtl * 1000);
}

/** A request as the HTTP layer hands it to a route. */
function request(options: { ip?: string; headers?: Record<string, string>; encrypted?: boolean } = {}): ApiRequest {
  const ip = options.ip ?? '127.0.0.1';
  const raw = { socket: { remoteAddress: ip, ...(options.encrypted === true ? { encrypted: true } : {}) } } as unknown as IncomingMessage;
  return { method: 'POST', path: '/api/v1/admin/login', params: {}, query: new URLSearchParams(), headers: options.headers ?? {}, ip, raw };
}

function guard(cfg: HeraldConfig, now = { t: 1_800_000_000_000 }, state?: AdminState): { guard: AdminGuard; apiKeys: ApiKeyGate } {
  const clock = { now: () => now.t, setTimeout, clearTimeout } as never;
  const metrics = new Metrics({ registry: new Registry() });
  const apiKeys = new ApiKeyGate(cfg, clock, metrics, silentLogger());
  const shared = state ?? new MemoryAdminState(cfg.rateLimits.adminLogin, clock);
  return { guard: new AdminGuard(cfg, clock, silentLogger(), metrics, apiKeys, shared), apiKeys };
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof HeraldError ? err.code : `not a HeraldError: ${String(err)}`;
  }
  return undefined;
}

describe('admin sessions', function () {
  const now = 1_800_000_000_000;

  it('verifies a session on any worker that shares the secrets, until it expires', function () {
    const issuer = sessions();
    const issued = issuer.issue('password', now);
    const otherWorker = sessions();
    expect(otherWorker.verify(issued.token, now + HOUR)).to.deep.equal(issued.session);
    expect(issued.session.exp - issued.session.iat).to.equal(8 * HOUR);
    expect(otherWorker.verify(issued.token, issued.session.exp - 1)).to.not.equal(undefined);
    expect(otherWorker.verify(issued.token, issued.session.exp)).to.equal(undefined);
  });

  it('refuses a token whose payload or signature was changed, or one signed with other secrets', function () {
    const issued = sessions().issue('password', now);
    const [payload, signature] = issued.token.split('.') as [string, string];
    const longer = Buffer.from(JSON.stringify({ ...issued.session, exp: issued.session.exp + 100 * HOUR })).toString('base64url');
    expect(sessions().verify(`${longer}.${signature}`, now)).to.equal(undefined);
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    expect(sessions().verify(`${payload}.${flipped}`, now)).to.equal(undefined);
    expect(sessions().verify(payload, now)).to.equal(undefined);
    expect(sessions().verify('', now)).to.equal(undefined);
    expect(sessions(config({ HERALD_ADMIN_PASSWORD: 'another-password-1' })).verify(issued.token, now)).to.equal(undefined);
    expect(sessions(config({ HERALD_API_KEYS: 'another-api-key-0123456789' })).verify(issued.token, now)).to.equal(undefined);
  });

  it('gives each session its own CSRF token, checked in constant time', function () {
    const store = sessions();
    const a = store.issue('password', now);
    const b = store.issue('password', now);
    expect(a.csrf).to.not.equal(b.csrf);
    expect(store.checkCsrf(a.session, a.csrf)).to.equal(true);
    expect(store.checkCsrf(a.session, b.csrf)).to.equal(false);
    expect(store.checkCsrf(a.session, undefined)).to.equal(false);
    expect(store.checkCsrf(a.session, `${a.csrf}x`)).to.equal(false);
  });

  it('has no signing key when no credential could open a session', function () {
    const bare = loadConfig({ env: { PUSH_ENV: 'test', HERALD_CONFIG_DIR: '/nonexistent', HERALD_JWT_SECRET: 'x'.repeat(40) } });
    expect(bare.apiKeys).to.deep.equal([]);
    expect(deriveSessionKey(bare)).to.equal(undefined);
    const store = new AdminSessions(undefined, HOUR);
    expect(store.enabled).to.equal(false);
    expect(store.verify('a.b', now)).to.equal(undefined);
  });
});

describe('admin guard', function () {
  it('sets the cookie HttpOnly and SameSite=Strict, Secure over TLS or behind a trusted https proxy only', function () {
    const plain = guard(config()).guard.login(request(), { password: 'correct-horse-battery' });
    expect(plain.cookie).to.match(new RegExp(`^${SESSION_COOKIE}=[\\w-]+\\.[\\w-]+; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict$`));
    expect(plain.issued.session.via).to.equal('password');
    const tls = guard(config()).guard.login(request({ encrypted: true }), { password: 'correct-horse-battery' });
    expect(tls.cookie).to.match(/; Secure$/);
    const proxied = guard(config({ HERALD_TRUSTED_PROXIES: '127.0.0.1' })).guard.login(request({ headers: { 'x-forwarded-proto': 'https' } }), { apiKey: 'local-development-api-key' });
    expect(proxied.cookie).to.match(/; Secure$/);
    expect(proxied.issued.session.via).to.match(/^key:[0-9a-f]{8}$/);
    const untrusted = guard(config()).guard.login(request({ headers: { 'x-forwarded-proto': 'https' } }), { apiKey: 'local-development-api-key' });
    expect(untrusted.cookie).to.not.include('Secure');
  });

  it('refuses wrong credentials, and a password login when none is configured', function () {
    const g = guard(config()).guard;
    expect(errorCode(() => g.login(request(), { password: 'wrong-password-123' }))).to.equal('UNAUTHORIZED');
    expect(errorCode(() => g.login(request(), { apiKey: 'not-a-configured-api-key' }))).to.equal('UNAUTHORIZED');
    expect(errorCode(() => g.login(request(), { password: 'a', apiKey: 'b' }))).to.equal('BAD_REQUEST');
    expect(errorCode(() => g.login(request(), {}))).to.equal('BAD_REQUEST');
    const noPassword = guard(loadConfig({ env: { PUSH_ENV: 'local' } })).guard;
    expect(() => noPassword.login(request(), { password: 'correct-horse-battery' })).to.throw(HeraldError, 'no admin password is configured');
  });

  it('in online, hands out sessions over plain http only to a loopback client that no proxy stands in front of', function () {
    const online = config({
      PUSH_ENV: 'online',
      HERALD_API_KEYS: 'online-api-key-0123456789',
      HERALD_JWT_SECRET: 'j'.repeat(40),
      HERALD_ADMIN_PASSWORD: 'a-long-online-password',
      HERALD_CORS_ORIGINS: 'https://www.example.com',
      HERALD_TRUSTED_PROXIES: '10.0.0.2',
    });
    const g = guard(online).guard;
    expect(errorCode(() => g.login(request({ ip: '10.0.0.9' }), { password: 'a-long-online-password' }))).to.equal('FORBIDDEN');
    expect(g.login(request({ ip: '127.0.0.1' }), { password: 'a-long-online-password' }).cookie).to.not.include('Secure');
    // nginx on this machine serving plain http is not a local browser.
    expect(errorCode(() => g.login(request({ ip: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.7' } }), { password: 'a-long-online-password' }))).to.equal('FORBIDDEN');
    expect(g.login(request({ ip: '10.0.0.2', headers: { 'x-forwarded-proto': 'https' } }), { password: 'a-long-online-password' }).cookie).to.match(/; Secure$/);
  });

  it('counts calls with an API key against the same per-key budget as the rest of the API', async function () {
    const base = config();
    const cfg: HeraldConfig = { ...base, rateLimits: { ...base.rateLimits, apiKey: { rate: 1, burst: 2 } } };
    const { guard: admin, apiKeys } = guard(cfg);
    const authorization = 'Bearer local-development-api-key';
    apiKeys.admit(authorization, '127.0.0.1');
    apiKeys.admit(authorization, '127.0.0.1');
    expect((await rejection(admin.authenticate(request({ headers: { authorization } }), false))).code).to.equal('RATE_LIMITED');
    expect((await rejection(admin.authenticate(request({ headers: { authorization: 'Bearer not-a-key-of-ours' } }), false))).code).to.equal('UNAUTHORIZED');
  });

  it('ends a session on every worker at logout: the same cookie is refused afterwards', async function () {
    const cfg = config();
    const now = { t: 1_800_000_000_000 };
    const state = new MemoryAdminState(cfg.rateLimits.adminLogin, { now: () => now.t } as never);
    const [a, b] = [guard(cfg, now, state).guard, guard(cfg, now, state).guard];
    const { cookie } = a.login(request(), { password: 'correct-horse-battery' });
    const withCookie = request({ headers: { cookie: cookie.split(';')[0] as string } });
    const caller = await b.authenticate(withCookie, false);
    expect(caller.kind).to.equal('session');
    await a.logout(caller);
    expect((await rejection(b.authenticate(withCookie, false))).code).to.equal('UNAUTHORIZED');
    expect(await a.sessionOf(withCookie)).to.equal(undefined);
    // A new login gets a new session that works.
    const again = b.login(request(), { password: 'correct-horse-battery' });
    expect((await a.authenticate(request({ headers: { cookie: again.cookie.split(';')[0] as string } }), false)).kind).to.equal('session');
  });

  it('counts login attempts of an address across workers: 10 in all, however they are spread', async function () {
    const cfg = config();
    const now = { t: 1_800_000_000_000 };
    const state = new MemoryAdminState(cfg.rateLimits.adminLogin, { now: () => now.t } as never);
    const workers = [guard(cfg, now, state).guard, guard(cfg, now, state).guard, guard(cfg, now, state).guard];
    for (let i = 0; i < 10; i++) await (workers[i % 3] as AdminGuard).admitLogin(request({ ip: '203.0.113.5' }));
    for (const worker of workers) expect((await rejection(worker.admitLogin(request({ ip: '203.0.113.5' })))).code).to.equal('RATE_LIMITED');
    await (workers[0] as AdminGuard).admitLogin(request({ ip: '203.0.113.6' }));
  });

  it('lets only the allowlisted commands through to the primary, never stop, reload or process.kill', async function () {
    expect(ADMIN_COMMANDS).to.not.include.members(['stop', 'reload', 'process.kill', 'status']);
    for (const command of ['stop', 'reload', 'process.kill', 'server.stop', '']) expect(isAdminCommand(command), command).to.equal(false);
    const sent: unknown[] = [];
    const primary = { request: async (op: string, args: unknown) => sent.push({ op, args }) } as unknown as PrimaryClient;
    const link = new PrimaryClusterLink(primary);
    const refused = await link.control('stop' as never, {} as never).then(
      () => 'ran',
      (err: HeraldError) => err.code,
    );
    expect(refused).to.equal('FORBIDDEN');
    await link.control('crontab.stop', { name: 'job' });
    expect(sent).to.deep.equal([{ op: 'crontab.stop', args: { name: 'job' } }]);
  });
});

describe('admin and console configuration', function () {
  it('turns the console on in local only, unless configured', function () {
    expect(config().console.enabled).to.equal(true);
    expect(config({ HERALD_CONSOLE_ENABLED: 'false' }).console.enabled).to.equal(false);
    const test = { PUSH_ENV: 'test', HERALD_AUTH_URL: 'http://127.0.0.1:1/verify' };
    expect(config(test).console.enabled).to.equal(false);
    expect(config({ ...test, HERALD_CONSOLE_ENABLED: '1' }).console.enabled).to.equal(true);
    expect(() => config({ HERALD_CONSOLE_ENABLED: 'yes' })).to.throw('in console.enabled (HERALD_CONSOLE_ENABLED): must be true or false');
  });

  it('refuses a short admin password everywhere, and a weak one in online', function () {
    expect(() => config({ HERALD_ADMIN_PASSWORD: 'short' })).to.throw('in admin.password (HERALD_ADMIN_PASSWORD): String must contain at least 12 character(s)');
    const online = {
      PUSH_ENV: 'online',
      HERALD_API_KEYS: 'online-api-key-0123456789',
      HERALD_JWT_SECRET: 'j'.repeat(40),
      HERALD_CORS_ORIGINS: 'https://www.example.com',
    };
    expect(() => config({ ...online, HERALD_ADMIN_PASSWORD: 'twelve-chars' })).to.throw('in admin.password (HERALD_ADMIN_PASSWORD): online refuses a password shorter than 16 characters');
    expect(() => config({ ...online, HERALD_ADMIN_PASSWORD: 'online-api-key-0123456789' })).to.throw('online refuses a password that is also an API key or the JWT secret');
    expect(config({ ...online, HERALD_ADMIN_PASSWORD: 'a-long-online-password' }).admin.password).to.equal('a-long-online-password');
  });
});
