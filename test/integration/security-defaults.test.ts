/**
 * The smaller holes of issue 11 (items 4 and 9), each against a real host started as `local`
 * starts by default (no HERALD_HOST): topic ownership by whole segment, the bind address, file
 * modes of the store, `__proto__` in a push target, throttled and logged wrong API keys, an
 * aborted upload, and what `online` refuses at start.
 */
import { statSync, readdirSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Redis from 'ioredis';
import { deleteKeysWithPrefix } from '../../bench/servers/redis-keys';
import { systemClock } from '../../shared/clock';
import { silentLogger } from '../../shared/logger';
import { MemoryAdminState, RedisAdminState } from '../../server/http/admin/admin-state';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, connect } from '../support/clients';
import { herald } from '../support/cli';
import { startHost, uniqueId, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { api } from '../support/http';
import { sleep } from '../support/wait';

const ADMIN_PASSWORD = 'correct-horse-battery-staple';
const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

function nonLoopbackAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return undefined;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('security defaults (a local host with no HERALD_HOST)', function () {
  let host: HeraldHost;

  before(async function () {
    // An empty HERALD_HOST is ignored: the host gets local's own default.
    host = await startHost({ env: { HERALD_HOST: '', HERALD_ADMIN_PASSWORD: ADMIN_PASSWORD } });
    await waitForWorkers(host, 2);
  });
  after(async function () {
    await host?.stop();
  });
  afterEach(function () {
    closeClients();
  });

  it('listens on 127.0.0.1 only, not on the machine\'s other addresses', async function () {
    expect(await reachable('127.0.0.1', host.port)).to.equal(true);
    const outside = nonLoopbackAddress();
    if (outside === undefined) this.skip();
    expect(await reachable(outside as string, host.port)).to.equal(false);
  });

  it('keeps uid alice out of user.alice.bob: a uid with a dot owns no topic another uid could also read', async function () {
    const alice = await connect(host.url);
    expect((await call(alice, 'login', { token: token('alice') })).ok).to.equal(true);
    const aliceBob = await connect(host.url);
    expect((await call(aliceBob, 'login', { token: token('alice.bob') })).ok).to.equal(true);
    // The topic of alice.bob under user.{uid} would also be alice's subtopic: it belongs to nobody but alice.
    expect((await call(aliceBob, 'subscribe', { topic: 'user.alice.bob' })).error?.code).to.equal('FORBIDDEN');
    expect((await call(alice, 'subscribe', { topic: 'user.alicebob' })).error?.code).to.equal('FORBIDDEN');
    expect((await call(alice, 'subscribe', { topic: 'user.alice' })).ok).to.equal(true);
    // A durable push to user.alice.bob is stored for no one but its subscribers (alice.bob is none).
    const pushed = await api(host.url, '/api/v1/push', { body: { to: { topic: 'user.alice.bob' }, data: 'private', durable: true } });
    expect(pushed.status, pushed.text).to.equal(200);
    const history = await api(host.url, '/api/v1/users/alice.bob/messages');
    expect(history.json.messages).to.deep.equal([]);
  });

  it('creates the SQLite files 0600 in a 0700 folder', async function () {
    const files = readdirSync(host.dataDir).filter((f) => f.startsWith('herald.sqlite'));
    expect(files).to.include('herald.sqlite');
    for (const file of files) expect((statSync(join(host.dataDir, file)).mode & 0o777).toString(8), file).to.equal('600');
    expect((statSync(host.dataDir).mode & 0o777).toString(8)).to.equal('700');
  });

  it('revokes an admin session at logout on every worker: the copied cookie gets 401 at once', async function () {
    const login = await api(host.url, '/api/v1/admin/login', { key: null, body: { password: ADMIN_PASSWORD } });
    expect(login.status, login.text).to.equal(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const headers = { cookie, 'x-herald-csrf': login.json.csrf as string };
    // Each call without an API key gets its own connection, so both workers see the cookie.
    for (let i = 0; i < 4; i++) expect((await api(host.url, '/api/v1/admin/session', { key: null, headers })).status).to.equal(200);
    expect((await api(host.url, '/api/v1/admin/logout', { key: null, method: 'POST', headers })).status).to.equal(200);
    for (let i = 0; i < 4; i++) expect((await api(host.url, '/api/v1/admin/session', { key: null, headers })).status).to.equal(401);
  });

  it('counts admin login attempts per address across the workers: the 11th is refused whichever worker takes it', async function () {
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await api(host.url, '/api/v1/admin/login', { key: null, body: { password: `wrong-password-${i}` } })).status);
    // The logout test above logged in once: 9 wrong attempts remain in the burst of 10.
    expect(statuses.slice(0, 9)).to.deep.equal(Array(9).fill(401));
    expect(statuses.slice(9)).to.deep.equal(Array(5).fill(429));
  });

  it('refuses `to: { uid, __proto__ }` with 400 instead of dropping the field', async function () {
    const answer = await api(host.url, '/api/v1/push', {
      raw: '{"to":{"uid":"u1","__proto__":{"topic":"x"}},"data":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(answer.status, answer.text).to.equal(400);
    expect(answer.json.error.message).to.contain('__proto__');
  });

  it('throttles calls with wrong API keys per address and logs them with a count, not once each', async function () {
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await api(host.url, '/api/v1/stats', { key: `wrong-key-${i}-0123456789` })).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).to.equal(true);
    expect(statuses.filter((s) => s === 429).length).to.be.at.least(15);
    const lines = host.output().split('\n').filter((l) => l.includes('API calls refused'));
    expect(lines.length).to.be.within(1, 2); // one per worker at most, in this minute
    expect(host.output()).to.not.contain('wrong-key-');
    await sleep(1100); // one token back for 127.0.0.1 on each worker, for the tests after this one
  });

  it('logs a client that aborts its upload at debug level only, and answers nothing', async function () {
    const before = host.output().length;
    await new Promise<void>((resolve) => {
      const socket = netConnect({ host: '127.0.0.1', port: host.port }, () => {
        socket.write(
          'POST /api/v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer local-development-api-key\r\n' +
            'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"to":{"uid":"u1"},"da',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 200);
      });
    });
    await sleep(300);
    const after = host.output().slice(before);
    expect(after).to.not.match(/"level":"error"/);
    expect(after).to.not.contain('HTTP handler failed');
    // The host still serves.
    expect((await api(host.url, '/healthz', { key: null })).status).to.equal(200);
  });
});

describe('admin state in Redis (several hosts)', function () {
  const prefix = `${uniqueId('herald-admin')}:`;
  let redis: Redis;
  before(function () {
    redis = new Redis('redis://127.0.0.1:6379');
  });
  after(async function () {
    await deleteKeysWithPrefix('redis://127.0.0.1:6379', prefix);
    redis.disconnect();
  });

  it('shares revocations and the login budget between hosts', async function () {
    const limit = { rate: 0.1, burst: 10 };
    const host = (): RedisAdminState => new RedisAdminState(redis, prefix, limit, systemClock, new MemoryAdminState(limit, systemClock), silentLogger());
    const [a, b] = [host(), host()];
    await a.revoke('sid-1', Date.now() + 60_000);
    expect(await b.isRevoked('sid-1')).to.equal(true);
    expect(await b.isRevoked('sid-2')).to.equal(false);
    const results: boolean[] = [];
    for (let i = 0; i < 12; i++) results.push((await (i % 2 === 0 ? a : b).takeLogin('198.51.100.7')).ok);
    expect(results).to.deep.equal([...Array(10).fill(true), false, false]);
    const refused = await a.takeLogin('198.51.100.7');
    expect(refused.retryAfter).to.be.within(1, 10);
    expect((await b.takeLogin('198.51.100.8')).ok).to.equal(true);
  });
});

describe('what online refuses at start', function () {
  const base = {
    PUSH_ENV: 'online',
    HERALD_PORT: '0',
    HERALD_CORS_ORIGINS: 'https://www.example.com',
    HERALD_REDIS_URL: '',
    HERALD_MYSQL_URL: '',
  };

  async function refusal(env: Record<string, string>): Promise<string> {
    const result = await herald(['server', 'start'], { ...base, HERALD_DATA_DIR: `/tmp/${uniqueId('herald-refuse')}`, ...env }, 20_000);
    expect(result.code, result.stdout + result.stderr).to.not.equal(0);
    return result.stderr.trim();
  }

  it('refuses the public local API key, an API key equal to the JWT secret, and a plain-http verifier, in one line each', async function () {
    const secret = 's'.repeat(40);
    expect(await refusal({ HERALD_AUTH_VERIFIER: 'jwt', HERALD_JWT_SECRET: secret, HERALD_API_KEYS: 'local-development-api-key' })).to.match(
      /^herald: .*in apiKeys \(HERALD_API_KEYS\): online refuses the public development key local-development-api-key$/,
    );
    expect(await refusal({ HERALD_AUTH_VERIFIER: 'jwt', HERALD_JWT_SECRET: secret, HERALD_API_KEYS: secret })).to.match(
      /^herald: .*in apiKeys \(HERALD_API_KEYS\): online refuses an API key that is also the JWT secret/,
    );
    expect(await refusal({ HERALD_API_KEYS: 'k'.repeat(24), HERALD_AUTH_VERIFIER: 'http', HERALD_AUTH_URL: 'http://www.example.com/verify' })).to.match(
      /^herald: .*in auth\.http\.url \(HERALD_AUTH_URL\): online refuses a plain-http verification URL/,
    );
  });
});

