/**
 * The admin API (/api/v1/admin/…) and the pages' gates, over real HTTP against a gateway in this
 * process with a fake clock: credentials, the session cookie, CSRF, session expiry, the login rate
 * limit, the console's gate outside `local`, and that nothing but the allowlisted commands is
 * reachable. The browser test (console-browser.test.ts) drives the same routes from the pages.
 */
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, connect, next } from '../support/clients';
import { createFakeClock, type FakeClock } from '../support/fake-clock';
import { api, LOCAL_API_KEY, type ApiAnswer } from '../support/http';
import { startInProcess, type InProcessHerald } from '../support/in-process';

const PASSWORD = 'correct-horse-battery';
/** admin.sessionTtl of the gateway under test, seconds. */
const TTL = 120;

interface Session {
  cookie: string;
  csrf: string;
}

async function login(url: string, body: Record<string, string>): Promise<Session> {
  const answer = await api(url, '/api/v1/admin/login', { key: null, body });
  expect(answer.status, answer.text).to.equal(200);
  const setCookie = answer.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0] as string, csrf: answer.json.csrf as string };
}

/** An admin call with the session cookie (and its CSRF token unless `csrf` says otherwise). */
function asSession(url: string, path: string, session: Session, options: { body?: unknown; csrf?: string | null; headers?: Record<string, string> } = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = { cookie: session.cookie, ...options.headers };
  const csrf = options.csrf === undefined ? session.csrf : options.csrf;
  if (csrf !== null && options.body !== undefined) headers['x-herald-csrf'] = csrf;
  return api(url, path, { key: null, headers, ...(options.body !== undefined ? { body: options.body } : {}) });
}

describe('admin API (in-process gateway, fake clock)', function () {
  const clock = createFakeClock();
  let herald: InProcessHerald;
  let url: string;

  before(async function () {
    herald = await startInProcess({ clock, env: { HERALD_ADMIN_PASSWORD: PASSWORD, HERALD_ADMIN_SESSION_TTL: String(TTL) } });
    url = herald.url;
  });
  after(async function () {
    closeClients();
    await herald.close();
  });

  it('answers 401 without credentials, with a forged cookie, a wrong key or a wrong password', async function () {
    const forged = `herald_admin=${Buffer.from(JSON.stringify({ sid: 'x', via: 'password', iat: clock.now(), exp: clock.now() + 1e9 })).toString('base64url')}.AAAA`;
    const answers = await Promise.all([
      api(url, '/api/v1/admin/overview', { key: null }),
      api(url, '/api/v1/admin/overview', { key: null, headers: { cookie: forged } }),
      api(url, '/api/v1/admin/overview', { key: 'not-a-configured-api-key' }),
      api(url, '/api/v1/admin/push', { key: null, body: { to: { all: true }, data: 1 } }),
      api(url, '/api/v1/admin/login', { key: null, body: { password: 'wrong-password-123' } }),
      api(url, '/api/v1/admin/login', { key: null, body: { apiKey: 'not-a-configured-api-key' } }),
    ]);
    expect(answers.map((a) => a.status)).to.deep.equal([401, 401, 401, 401, 401, 401]);
    expect(answers.map((a) => a.json.error.code)).to.deep.equal(Array(6).fill('UNAUTHORIZED'));
    expect(answers[4]?.headers.get('set-cookie')).to.equal(null);
  });

  it('serves the dashboard page without any secret in it, with a Content-Security-Policy', async function () {
    const page = await api(url, '/admin', { key: null });
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-security-policy')).to.include("default-src 'self'").and.include("script-src 'self'");
    expect(page.text).to.not.include(LOCAL_API_KEY).and.not.include(PASSWORD).and.not.include(DEV_JWT_SECRET);
  });

  it('opens a session with the password or an API key, and shows this gateway through it', async function () {
    const byPassword = await login(url, { password: PASSWORD });
    const byKey = await login(url, { apiKey: LOCAL_API_KEY });
    const info = await asSession(url, '/api/v1/admin/session', byPassword);
    expect(info.json).to.deep.include({ ok: true, via: 'password', csrf: byPassword.csrf, csrfHeader: 'x-herald-csrf', env: 'local', console: true });
    expect(info.json.expiresAt).to.equal(clock.now() + TTL * 1000);
    expect((await asSession(url, '/api/v1/admin/session', byKey)).json.via).to.match(/^key:[0-9a-f]{8}$/);
    const overview = await asSession(url, '/api/v1/admin/overview', byPassword);
    expect(overview.status).to.equal(200);
    expect(overview.json.stats.totals.workers).to.equal(1);
    expect(overview.json.processes.result.map((r: { group: string }) => r.group)).to.deep.equal(['worker']);
    expect(overview.json.tasks).to.deep.include({ ok: false });
    expect(overview.json.webhooks).to.deep.include({ ok: false });
    expect(overview.json.cron.error.code).to.equal('UNAVAILABLE');
    expect(overview.json.history).to.have.length(1);
  });

  it('refuses a state change of a session without its CSRF token or from another site (403); an API key needs none', async function () {
    const session = await login(url, { password: PASSWORD });
    const uid = 'admin-csrf';
    const socket = await connect(url);
    expect((await call(socket, 'login', { token: signToken({ uid, secret: DEV_JWT_SECRET, ttl: 600 }) })).ok).to.equal(true);
    const body = { to: { uid }, data: { n: 1 }, durable: false };
    const missing = await asSession(url, '/api/v1/admin/push', session, { body, csrf: null });
    const wrong = await asSession(url, '/api/v1/admin/push', session, { body, csrf: 'A'.repeat(43) });
    const crossSite = await asSession(url, '/api/v1/admin/push', session, { body, headers: { 'sec-fetch-site': 'cross-site' } });
    const sameSite = await asSession(url, '/api/v1/admin/push', session, { body, headers: { 'sec-fetch-site': 'same-site' } });
    expect([missing, wrong, crossSite, sameSite].map((a) => a.status)).to.deep.equal([403, 403, 403, 403]);
    expect(missing.json.error).to.deep.equal({ code: 'FORBIDDEN', message: "missing or wrong CSRF token (send the session's csrf in X-Herald-CSRF)" });

    const received = next(socket, 'message');
    const sent = await asSession(url, '/api/v1/admin/push', session, { body, headers: { 'sec-fetch-site': 'same-origin' } });
    expect(sent.status, sent.text).to.equal(200);
    expect(sent.json).to.include({ ok: true, stored: false, online: 1 });
    expect((await received).id).to.equal(sent.json.id);

    const byKey = await api(url, '/api/v1/admin/push', { body: { ...body, data: { n: 2 } } });
    expect(byKey.status, byKey.text).to.equal(200);
  });

  it('ends a session after admin.sessionTtl, and on logout the cookie is cleared', async function () {
    const session = await login(url, { password: PASSWORD });
    await clock.tick(TTL * 1000 - 1000);
    expect((await asSession(url, '/api/v1/admin/session', session)).status).to.equal(200);
    await clock.tick(1000);
    const expired = await asSession(url, '/api/v1/admin/session', session);
    expect(expired.status).to.equal(401);

    const fresh = await login(url, { password: PASSWORD });
    const out = await asSession(url, '/api/v1/admin/logout', fresh, { body: {} });
    expect(out.status).to.equal(200);
    expect(out.headers.get('set-cookie')).to.equal('herald_admin=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict');
  });

  it('limits login attempts per address, with Retry-After', async function () {
    const fresh = createFakeClock();
    const own = await startInProcess({ clock: fresh, env: { HERALD_ADMIN_PASSWORD: PASSWORD } });
    try {
      await loginStorm(own.url, fresh);
    } finally {
      await own.close();
    }
  });

  async function loginStorm(url: string, clock: FakeClock): Promise<void> {
    const attempts: number[] = [];
    for (let i = 0; i < 11; i++) attempts.push((await api(url, '/api/v1/admin/login', { key: null, body: { password: `wrong-password-${i}` } })).status);
    expect(attempts).to.deep.equal([...Array(10).fill(401), 429]);
    const limited = await api(url, '/api/v1/admin/login', { key: null, body: { password: PASSWORD } });
    expect(limited.status).to.equal(429);
    expect(limited.json.error).to.deep.equal({ code: 'RATE_LIMITED', message: 'too many login attempts from this address', retryAfter: 10 });
    expect(limited.headers.get('retry-after')).to.equal('10');
    await clock.tick(10_000);
    expect((await api(url, '/api/v1/admin/login', { key: null, body: { password: PASSWORD } })).status).to.equal(200);
  }

  it('reaches no command but the allowlisted ones: there is no route to stop, reload or kill', async function () {
    for (const path of ['/api/v1/admin/stop', '/api/v1/admin/reload', '/api/v1/admin/control', '/api/v1/admin/command', '/api/v1/admin/process/kill', '/api/v1/admin/server/stop']) {
      const answer = await api(url, path, { body: { command: 'stop', args: {} } });
      expect(answer.status, path).to.equal(404);
    }
    for (const action of ['reload', 'kill', '..%2Fstop', 'show']) {
      const answer = await api(url, `/api/v1/admin/crontab/${action}`, { body: { name: 'stats-snapshot' } });
      expect(answer.status, action).to.equal(400);
      expect(answer.json.error.message, action).to.match(/^action: /);
    }
    // The right route, but a lone gateway has no primary to run crontab commands.
    const alone = await api(url, '/api/v1/admin/crontab/stop', { body: { name: 'stats-snapshot' } });
    expect(alone.status).to.equal(503);
    expect(alone.json.error.code).to.equal('UNAVAILABLE');
  });

  it('looks a user up (devices, recent durable messages with seqs) and kicks them', async function () {
    const uid = 'admin-lookup';
    const socket = await connect(url);
    await call(socket, 'login', { token: signToken({ uid, secret: DEV_JWT_SECRET, ttl: 600 }), platform: 'ios', device: 'phone-1' });
    const first = await api(url, '/api/v1/admin/users/admin-lookup');
    expect(first.json).to.deep.include({ ok: true, uid, online: true, connections: 1 });
    expect(first.json.sessions[0]).to.include({ platform: 'ios', device: 'phone-1' });
    expect(first.json.messages.ok).to.equal(false); // the in-process gateway has no store

    const session = await login(url, { apiKey: LOCAL_API_KEY });
    const kicked = next(socket, 'kick');
    const answer = await asSession(url, '/api/v1/admin/kick', session, { body: { uid, message: 'bye' } });
    expect(answer.json).to.deep.equal({ ok: true, uid, kicked: 1 });
    expect(await kicked).to.deep.include({ reason: 'admin', reconnect: false, message: 'bye' });
    const bad = await api(url, '/api/v1/admin/users/not%20a%20uid');
    expect(bad.status).to.equal(400);
  });

  it('gives no other site CORS access to admin answers, though the public routes allow every origin here', async function () {
    const origin = { origin: 'https://elsewhere.example' };
    const open = await api(url, '/api/v1/endpoint', { key: null, headers: origin });
    expect(open.headers.get('access-control-allow-origin')).to.equal('*');
    const admin = await api(url, '/api/v1/admin/overview', { headers: origin });
    expect(admin.status).to.not.equal(401);
    expect(admin.headers.get('access-control-allow-origin')).to.equal(null);
    const loginAnswer = await api(url, '/api/v1/admin/login', { key: null, headers: origin, body: { apiKey: LOCAL_API_KEY } });
    expect(loginAnswer.status).to.equal(200);
    expect(loginAnswer.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('tells the login form which credentials it accepts: the password first, and only the key in the local default', async function () {
    const both = await api(url, '/api/v1/admin/login', { key: null });
    expect(both.status).to.equal(200);
    expect(both.json).to.deep.equal({ ok: true, methods: ['password', 'apiKey'] });
    const plain = await startInProcess();
    try {
      expect((await api(plain.url, '/api/v1/admin/login', { key: null })).json).to.deep.equal({ ok: true, methods: ['apiKey'] });
      const asPassword = await api(plain.url, '/api/v1/admin/login', { key: null, body: { password: LOCAL_API_KEY } });
      expect(asPassword.status).to.equal(401);
      expect(asPassword.json.error.message).to.equal('no admin password is configured (admin.password): log in with an API key');
    } finally {
      await plain.close();
    }
  });
});

describe('the console outside local (in-process gateways)', function () {
  const env = { PUSH_ENV: 'test', HERALD_API_KEYS: 'test-api-key-0123456789', HERALD_AUTH_URL: 'http://127.0.0.1:9/verify' };
  const started: InProcessHerald[] = [];
  after(async function () {
    await Promise.all(started.map((h) => h.close()));
  });

  it('is off unless console.enabled, and then behind the admin login', async function () {
    const off = await startInProcess({ env });
    started.push(off);
    expect((await api(off.url, '/console', { key: null })).status).to.equal(404);

    const on = await startInProcess({ env: { ...env, HERALD_CONSOLE_ENABLED: 'true' } });
    started.push(on);
    const gated = await fetch(`${on.url}/console`, { redirect: 'manual' });
    expect(gated.status).to.equal(303);
    expect(gated.headers.get('location')).to.equal('/admin?next=console');
    const session = await login(on.url, { apiKey: 'test-api-key-0123456789' });
    const page = await api(on.url, '/console', { key: null, headers: { cookie: session.cookie } });
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-security-policy')).to.include("connect-src 'self' http: https: ws: wss:");
    expect(page.text).to.include('<script type="module" src="/console/assets/console.js"></script>');
  });
});
