/**
 * Rate limits per client IP for logins and per API key, on Herald's own (fake) clock; and logs
 * that never carry a credential.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { FakeMainSite } from '../support/fake-main-site';
import { call, closeClients, connect, connectError } from '../support/clients';
import { createFakeClock } from '../support/fake-clock';
import { startHost } from '../support/herald-host';
import { api, LOCAL_API_KEY } from '../support/http';
import { startInProcess, type InProcessHerald } from '../support/in-process';

function configWith(app: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-limits-'));
  mkdirSync(join(dir, 'local'));
  writeFileSync(join(dir, 'local', 'app.json'), JSON.stringify({ apiKeys: [LOCAL_API_KEY], ...app }));
  return dir;
}

describe('rate limits (fake clock)', function () {
  let herald: InProcessHerald;
  const clock = createFakeClock();

  before(async function () {
    herald = await startInProcess({
      clock,
      configDir: configWith({ rateLimits: { loginPerIp: { rate: 1, burst: 3 }, apiKey: { rate: 2, burst: 5 } } }),
    });
  });
  after(async function () {
    closeClients();
    await herald.close();
  });

  it('limits logins per client IP, the event and the handshake alike, with retryAfter', async function () {
    const token = signToken({ uid: 'rl', secret: DEV_JWT_SECRET, ttl: 3600 });
    const socket = await connect(herald.url);
    for (let i = 0; i < 2; i++) expect((await call(socket, 'login', { token })).ok).to.equal(true);
    const other = await connect(herald.url);
    expect((await call(other, 'login', { token })).ok).to.equal(true);
    const limited = await call(socket, 'login', { token });
    expect(limited.error).to.deep.equal({ code: 'RATE_LIMITED', message: 'too many login attempts from this address', retryAfter: 1 });
    const refused = await connectError(herald.url, { auth: { token } });
    expect(refused.data).to.deep.include({ code: 'RATE_LIMITED' });
    await clock.tick(1000);
    expect((await call(socket, 'login', { token })).ok).to.equal(true);
  });

  it('limits API requests per key and says when to retry (Retry-After)', async function () {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await api(herald.url, '/api/v1/online/someone'));
    expect(answers.slice(0, 5).map((a) => a.status)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(answers[5]?.status).to.equal(429);
    expect(answers[5]?.json.error).to.deep.equal({ code: 'RATE_LIMITED', message: 'too many requests for this API key', retryAfter: 1 });
    expect(answers[5]?.headers.get('retry-after')).to.equal('1');
    // Public routes are not counted against a key.
    expect((await api(herald.url, '/healthz', { key: null })).status).to.equal(200);
    await clock.tick(500);
    expect((await api(herald.url, '/api/v1/online/someone')).status).to.equal(200);
  });
});

describe('logs', function () {
  it('never contain the ukey or token, at debug level, for good, bad and failing logins', async function () {
    const site = await new FakeMainSite().start();
    const secretToken = 'tok-3f9a8b7c6d5e4f3a2b1c';
    const secretUkey = 'ukey-9e8d7c6b5a4f3e2d1c0b';
    site.allow(secretToken, 'u-logs');
    const host = await startHost({
      env: { HERALD_AUTH_VERIFIER: 'http', HERALD_AUTH_URL: site.url, HERALD_LOG_LEVEL: 'debug', HERALD_AUTH_TIMEOUT_MS: '300' },
    });
    try {
      const socket = await connect(host.url);
      expect((await call(socket, 'login', { token: secretToken })).ok).to.equal(true);
      expect((await call(socket, 'login', { ukey: secretUkey })).error.code).to.equal('AUTH_REJECTED');
      site.mode = 'down';
      expect((await call(socket, 'login', { ukey: secretUkey })).error.code).to.equal('AUTH_UNAVAILABLE');
      site.mode = 'hang';
      expect((await call(socket, 'login', { token: `${secretToken}x` })).error.code).to.equal('AUTH_UNAVAILABLE');
      await connectError(host.url, { auth: { token: 'handshake-secret-123456' } });
      closeClients();
    } finally {
      await host.stop();
      await site.stop();
    }
    const output = host.output();
    expect(output).to.include('verification API');
    for (const secret of [secretToken, secretUkey, 'handshake-secret-123456', LOCAL_API_KEY]) {
      expect(output).to.not.include(secret);
    }
  });
});
