import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DEV_JWT_SECRET, loadConfig, parseEnvironment } from '../../shared/config';
import { ConfigError } from '../../shared/errors';

/** A config folder with the given files for one environment. */
function configDir(envName: string, files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
  mkdirSync(join(dir, envName));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, envName, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

function expectConfigError(fn: () => unknown, message: string | RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    if (typeof message === 'string') expect((err as Error).message).to.equal(message);
    else expect((err as Error).message).to.match(message);
    return;
  }
  expect.fail('expected a ConfigError');
}

describe('configuration', function () {
  it('reads PUSH_ENV as a name or as the seed number, local by default', function () {
    expect(parseEnvironment(undefined)).to.equal('local');
    expect(parseEnvironment('0')).to.equal('local');
    expect(parseEnvironment('1')).to.equal('test');
    expect(parseEnvironment('2')).to.equal('online');
    expect(parseEnvironment('Online')).to.equal('online');
    expect(() => parseEnvironment('3')).to.throw(ConfigError, /PUSH_ENV/);
  });

  it('gives the embedded default with no files: cluster adapter, SQLite, dev JWT secret, port 9501', function () {
    const config = loadConfig({ env: {}, configDir: configDir('local', {}), cpuCount: 4, cwd: '/srv/herald' });
    expect(config.env).to.equal('local');
    expect(config.port).to.equal(9501);
    expect(config.workers).to.equal(4);
    expect(config.redis.adapter).to.equal('cluster');
    expect(config.redis).to.not.have.property('url');
    expect(config.db.store).to.equal('sqlite');
    expect(config.db).to.not.have.property('url');
    expect(config.auth.verifier).to.equal('jwt');
    expect(config.auth).to.have.nested.property('jwt.secret', DEV_JWT_SECRET);
    expect(config.tls).to.deep.equal({ enabled: false });
    expect(config.connection).to.include({ idleTimeout: 180, heartbeatInterval: 150, sweepInterval: 5 });
    expect(config.dataDir).to.equal('/srv/herald/data');
    expect(config.log.format).to.equal('pretty');
    expect(Object.isFrozen(config.connection)).to.equal(true);
  });

  it('merges app.json, redis.json and db.json, then HERALD_* variables on top', function () {
    const dir = configDir('test', {
      'app.json': { port: 9600, auth: { verifier: 'http', http: { url: 'http://main.example/verify' } } },
      'redis.json': { url: 'redis://10.0.0.1:6379', prefix: 'push:' },
      'db.json': { url: 'mysql://u@10.0.0.2/push' },
    });
    const config = loadConfig({ env: { PUSH_ENV: '1', HERALD_PORT: '9700', HERALD_REDIS_PREFIX: 'other:', HERALD_API_KEYS: 'a'.repeat(16) + ', ' + 'b'.repeat(16) }, configDir: dir });
    expect(config.env).to.equal('test');
    expect(config.port).to.equal(9700);
    expect(config.redis).to.deep.equal({ adapter: 'redis', connection: { kind: 'single', url: 'redis://10.0.0.1:6379' }, prefix: 'other:', outageBuffer: { maxMessages: 10_000, maxBytes: 16 * 1024 * 1024, maxAgeMs: 30_000, replayMs: 1000 } });
    expect(config.db).to.include({ store: 'mysql', url: 'mysql://u@10.0.0.2/push' });
    expect(config.apiKeys).to.deep.equal(['a'.repeat(16), 'b'.repeat(16)]);
    expect(config.auth).to.have.property('http').that.includes({ url: 'http://main.example/verify', timeoutMs: 3000, uidPath: 'data.uid', successPath: 'code', successValue: 0 });
    expect(config.log.format).to.equal('json');
  });

  it('derives heartbeatInterval from idleTimeout (30 s less)', function () {
    const config = loadConfig({ env: { HERALD_IDLE_TIMEOUT: '300' }, configDir: configDir('local', {}) });
    expect(config.connection.heartbeatInterval).to.equal(270);
  });

  it('names the key, its source and the reason of every refusal', function () {
    const local = configDir('local', {});
    expectConfigError(() => loadConfig({ env: { HERALD_WORKERS: '-1' }, configDir: local }), 'in workers (HERALD_WORKERS): Number must be greater than or equal to 0');
    expectConfigError(() => loadConfig({ env: { HERALD_PORT: '1.5' }, configDir: local }), 'in port (HERALD_PORT): must be an integer, got "1.5"');
    expectConfigError(() => loadConfig({ env: { HERALD_JWT_SECRET: 'short' }, configDir: local }), 'in auth.jwt.secret (HERALD_JWT_SECRET): String must contain at least 32 character(s)');
    expectConfigError(
      () => loadConfig({ env: {}, configDir: configDir('local', { 'app.json': { conection: {} } }) }),
      'in conection: unknown key',
    );
    expectConfigError(
      () => loadConfig({ env: {}, configDir: configDir('local', { 'app.json': { connection: { idleTimeout: 'long' } } }) }),
      'in connection.idleTimeout: Expected number, received string',
    );
    expectConfigError(() => loadConfig({ env: {}, configDir: configDir('local', { 'app.json': '{ port: 1 ' }) }), /^in config\/local\/app.json: is not valid JSON \(/);
    expectConfigError(
      () => loadConfig({ env: {}, configDir: configDir('local', { 'redis.json': { url: 'redis://x', db: 2 } }) }),
      'in redis.db: unknown key',
    );
    expectConfigError(
      () => loadConfig({ env: { HERALD_REDIS_OUTAGE_MAX_MESSAGES: '0' }, configDir: local }),
      'in redis.outageBuffer.maxMessages (HERALD_REDIS_OUTAGE_MAX_MESSAGES): Number must be greater than 0',
    );
    expectConfigError(
      () => loadConfig({ env: { HERALD_REDIS_OUTAGE_REPLAY_MS: '60001' }, configDir: local }),
      'in redis.outageBuffer.replayMs (HERALD_REDIS_OUTAGE_REPLAY_MS): Number must be less than or equal to 60000',
    );
    expectConfigError(
      () => loadConfig({ env: {}, configDir: configDir('local', { 'app.json': { topics: [{ pattern: 'user.*', access: 'owner' }] } }) }),
      'in topics.0.pattern: an owner rule needs {uid} in its pattern',
    );
    expectConfigError(
      () => loadConfig({ env: {}, configDir: configDir('local', { 'app.json': { topics: [{ pattern: 'user-{uid}-**', access: 'owner' }] } }) }),
      'in topics.0.pattern: {uid} must be a whole dot-separated segment (like user.{uid}.**)',
    );
    expectConfigError(() => loadConfig({ env: { HERALD_JWT_ALGORITHM: 'RS256' }, configDir: local }), 'in auth.jwt.publicKey: is required for RS256 (or set HERALD_JWT_PUBLIC_KEY)');
    expectConfigError(
      () => loadConfig({ env: { PUSH_ENV: 'test' }, configDir: configDir('test', {}) }),
      'in auth.jwt.secret: is required for HS256 outside local (or set HERALD_JWT_SECRET)',
    );
  });

  it('refuses online without API keys, with the development secret, or with * CORS', function () {
    const dir = configDir('online', { 'app.json': { cors: { origins: ['https://www.example.com'] } } });
    const secret = 's'.repeat(40);
    expectConfigError(() => loadConfig({ env: { PUSH_ENV: 'online', HERALD_JWT_SECRET: secret }, configDir: dir }), 'in apiKeys: online refuses to start without API keys (set HERALD_API_KEYS)');
    expectConfigError(
      () => loadConfig({ env: { PUSH_ENV: 'online', HERALD_JWT_SECRET: DEV_JWT_SECRET, HERALD_API_KEYS: 'k'.repeat(20) }, configDir: dir }),
      'in auth.jwt.secret: online refuses the development secret',
    );
    expectConfigError(
      () => loadConfig({ env: { PUSH_ENV: 'online', HERALD_JWT_SECRET: secret, HERALD_API_KEYS: 'k'.repeat(20), HERALD_CORS_ORIGINS: 'https://a.example,*' }, configDir: dir }),
      'in cors.origins: online refuses `*`; list the allowed origins',
    );
    const ok = loadConfig({ env: { PUSH_ENV: 'online', HERALD_JWT_SECRET: secret, HERALD_API_KEYS: 'k'.repeat(20) }, configDir: dir });
    expect(ok.env).to.equal('online');
  });

  it('refuses online with the public local API key, an API key equal to the JWT secret, or a plain-http verifier', function () {
    const dir = configDir('online', { 'app.json': { cors: { origins: ['https://www.example.com'] } } });
    const secret = 's'.repeat(40);
    expectConfigError(
      () => loadConfig({ env: { PUSH_ENV: 'online', HERALD_JWT_SECRET: secret, HERALD_API_KEYS: `${'k'.repeat(20)},local-development-api-key` }, configDir: dir }),
      'in apiKeys (HERALD_API_KEYS): online refuses the public development key local-development-api-key',
    );
    expectConfigError(
      () => loadConfig({ env: { PUSH_ENV: 'online', HERALD_JWT_SECRET: secret, HERALD_API_KEYS: secret }, configDir: dir }),
      'in apiKeys (HERALD_API_KEYS): online refuses an API key that is also the JWT secret (whoever calls the API could sign logins)',
    );
    const http = { PUSH_ENV: 'online', HERALD_API_KEYS: 'k'.repeat(20), HERALD_AUTH_VERIFIER: 'http' };
    expectConfigError(
      () => loadConfig({ env: { ...http, HERALD_AUTH_URL: 'http://www.example.com/verify' }, configDir: dir }),
      'in auth.http.url (HERALD_AUTH_URL): online refuses a plain-http verification URL (credentials would cross the network in clear text); use https://, or http:// to this machine only',
    );
    expect(loadConfig({ env: { ...http, HERALD_AUTH_URL: 'https://www.example.com/verify' }, configDir: dir }).auth).to.have.nested.property('http.url', 'https://www.example.com/verify');
    expect(loadConfig({ env: { ...http, HERALD_AUTH_URL: 'http://127.0.0.1:8080/verify' }, configDir: dir }).auth).to.have.nested.property('http.url', 'http://127.0.0.1:8080/verify');
  });

  it('listens on 127.0.0.1 in local unless a host is configured, on 0.0.0.0 elsewhere', function () {
    expect(loadConfig({ env: { PUSH_ENV: 'local' } }).host).to.equal('127.0.0.1');
    expect(loadConfig({ env: { PUSH_ENV: 'local', HERALD_HOST: '0.0.0.0' } }).host).to.equal('0.0.0.0');
    expect(loadConfig({ env: { PUSH_ENV: 'online', HERALD_API_KEYS: 'k'.repeat(32) } }).host).to.equal('0.0.0.0');
  });

  it('ships config files for every environment that load (test and online need their secrets)', function () {
    expect(loadConfig({ env: { PUSH_ENV: 'local' } }).apiKeys).to.have.length(1);
    expect(loadConfig({ env: { PUSH_ENV: 'test' } }).auth.verifier).to.equal('http');
    expectConfigError(() => loadConfig({ env: { PUSH_ENV: 'online' } }), 'in apiKeys: online refuses to start without API keys (set HERALD_API_KEYS)');
    expect(loadConfig({ env: { PUSH_ENV: 'online', HERALD_API_KEYS: 'k'.repeat(32) } }).redis).to.include({ adapter: 'redis' }).and.to.have.nested.property('connection.url').that.is.a('string');
  });
});
