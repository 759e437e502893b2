/**
 * Config modes as discriminated unions (shared/config/modes.ts, shared/auth/verifiers.ts): each
 * mode carries exactly its required fields, and a wrong mix is refused with the ConfigError the
 * optional-field shape gave (the same key, the same words).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { AuthSettingsSchema, createVerifier, DEFAULT_VERIFIER, VERIFIERS } from '../../shared/auth';
import { DEV_JWT_SECRET, loadConfig, type HeraldConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { silentLogger } from '../../shared/logger';

/** A config folder and working directory for one environment, with the given files. */
function load(envName: string, env: Record<string, string>, files: Record<string, unknown> = {}): HeraldConfig {
  const dir = mkdtempSync(join(tmpdir(), 'herald-modes-'));
  mkdirSync(join(dir, envName));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, envName, name), JSON.stringify(content));
  writeFileSync(join(dir, 'cert.pem'), 'cert');
  writeFileSync(join(dir, 'key.pem'), 'key');
  return loadConfig({ env: { PUSH_ENV: envName, ...env }, configDir: dir, cwd: dir });
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  return expect.fail('expected a ConfigError');
}

const ONLINE = { HERALD_API_KEYS: 'k'.repeat(20) };
const ONLINE_FILES = { 'app.json': { cors: { origins: ['https://www.example.com'] } } };

describe('config modes', function () {
  describe('redis: the cluster adapter or Redis', function () {
    it('is the cluster adapter without a URL, keeping prefix and outage bounds but no url', function () {
      const redis = load('local', {}).redis;
      expect(redis).to.include({ adapter: 'cluster', prefix: 'herald:' });
      expect(redis).to.not.have.property('url');
    });

    it('is Redis with a redis:// or rediss:// URL, which it then always has', function () {
      const redis = load('local', { HERALD_REDIS_URL: 'rediss://10.0.0.1:6380' }).redis;
      expect(redis.adapter).to.equal('redis');
      if (redis.adapter === 'redis') expect(redis.connection).to.deep.equal({ kind: 'single', url: 'rediss://10.0.0.1:6380' });
    });

    it('is a Redis Cluster with seed nodes, from the file or HERALD_REDIS_CLUSTER, with its credentials', function () {
      const fromEnv = load('local', { HERALD_REDIS_CLUSTER: '10.0.0.1:7000, 10.0.0.2:7001', HERALD_REDIS_PASSWORD: 'pw' }).redis;
      expect(fromEnv.adapter === 'redis' && fromEnv.connection).to.deep.equal({
        kind: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
        ],
        password: 'pw',
      });
      const fromFile = load('local', {}, { 'redis.json': { cluster: ['[::1]:7000', 'redis-a.internal:7001'] } }).redis;
      expect(fromFile.adapter === 'redis' && fromFile.connection).to.deep.equal({
        kind: 'cluster',
        nodes: [
          { host: '::1', port: 7000 },
          { host: 'redis-a.internal', port: 7001 },
        ],
      });
    });

    it('is a Sentinel-managed master with sentinels and a master name (default mymaster)', function () {
      const redis = load('local', { HERALD_REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2:26379', HERALD_REDIS_SENTINEL_NAME: 'push' }).redis;
      expect(redis.adapter === 'redis' && redis.connection).to.deep.equal({
        kind: 'sentinel',
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: '10.0.0.2', port: 26379 },
        ],
        name: 'push',
      });
      const byDefault = load('local', { HERALD_REDIS_SENTINELS: '10.0.0.1:26379' }).redis;
      expect(byDefault.adapter === 'redis' && byDefault.connection.kind === 'sentinel' && byDefault.connection.name).to.equal('mymaster');
    });

    it('refuses two ways at once, a bad seed, and credentials beside a URL, naming the key', function () {
      expect(refusal(() => load('local', { HERALD_REDIS_URL: 'redis://10.0.0.1:6379', HERALD_REDIS_CLUSTER: '10.0.0.1:7000' }))).to.equal(
        'in redis.cluster: redis.url and redis.cluster exclude each other: set one',
      );
      expect(refusal(() => load('local', { HERALD_REDIS_CLUSTER: '10.0.0.1' }))).to.equal('in redis.cluster.0 (HERALD_REDIS_CLUSTER): must be host:port');
      expect(refusal(() => load('local', { HERALD_REDIS_CLUSTER: '10.0.0.1:70000' }))).to.equal('in redis.cluster.0 (HERALD_REDIS_CLUSTER): port must be 1-65535');
      expect(refusal(() => load('local', { HERALD_REDIS_URL: 'redis://10.0.0.1:6379', HERALD_REDIS_PASSWORD: 'pw' }))).to.equal(
        'in redis.password: goes with redis.cluster or redis.sentinels (a redis.url carries its own credentials)',
      );
    });

    it('refuses another scheme as before', function () {
      expect(refusal(() => load('local', { HERALD_REDIS_URL: 'http://127.0.0.1:6379' }))).to.equal('in redis.url: must start with redis:// or rediss://');
      expect(refusal(() => load('local', { HERALD_REDIS_URL: 'not a url' }))).to.equal('in redis.url (HERALD_REDIS_URL): Invalid url');
    });
  });

  describe('db: SQLite or MySQL', function () {
    it('is SQLite without a URL, with its synchronous mode and none of the MySQL keys', function () {
      const db = load('local', {}, { 'db.json': { sqliteSynchronous: 'NORMAL' } }).db;
      expect(db).to.include({ store: 'sqlite', sqliteSynchronous: 'NORMAL', operationTimeoutMs: 5000 });
      expect(db).to.not.have.any.keys('url', 'connectionLimit', 'connectTimeoutMs');
    });

    it('is MySQL with a mysql:// URL, with its connection keys and not the SQLite one', function () {
      const db = load('local', { HERALD_MYSQL_URL: 'mysql://u@10.0.0.2/push' }).db;
      expect(db).to.include({ store: 'mysql', url: 'mysql://u@10.0.0.2/push', connectionLimit: 10, connectTimeoutMs: 2000 });
      expect(db).to.not.have.property('sqliteSynchronous');
    });

    it('refuses another scheme as before, from the variable or the file', function () {
      expect(refusal(() => load('local', { HERALD_MYSQL_URL: 'postgres://u@h/db' }))).to.equal('in db.url: must start with mysql://');
      expect(refusal(() => load('local', {}, { 'db.json': { url: 'sqlite://x' } }))).to.equal('in db.url: must start with mysql://');
    });
  });

  describe('tls: off, or on with both files', function () {
    it('is off with neither file, on with both (paths as configured)', function () {
      expect(load('local', {}).tls).to.deep.equal({ enabled: false });
      expect(load('local', { HERALD_TLS_CERT: 'cert.pem', HERALD_TLS_KEY: 'key.pem' }).tls).to.deep.equal({ enabled: true, cert: 'cert.pem', key: 'key.pem' });
    });

    it('refuses one file without the other, or a file that does not exist, as before', function () {
      expect(refusal(() => load('local', { HERALD_TLS_CERT: 'cert.pem' }))).to.equal('in tls.key: tls.cert and tls.key go together');
      expect(refusal(() => load('local', { HERALD_TLS_KEY: 'key.pem' }))).to.equal('in tls.cert: tls.cert and tls.key go together');
      expect(refusal(() => load('local', { HERALD_TLS_CERT: 'nope.pem', HERALD_TLS_KEY: 'key.pem' }))).to.equal('in tls.cert: no such file: nope.pem');
      expect(refusal(() => load('local', { HERALD_TLS_CERT: 'cert.pem', HERALD_TLS_KEY: 'nope.pem' }))).to.equal('in tls.key: no such file: nope.pem');
    });
  });

  describe('auth: one verifier and its settings', function () {
    it('is jwt HS256 by default, with the development secret in local and no http settings', function () {
      const auth = load('local', {}).auth;
      expect(auth).to.deep.include({ verifier: 'jwt' });
      expect(auth).to.have.nested.property('jwt.secret', DEV_JWT_SECRET);
      expect(auth).to.not.have.property('http');
    });

    it('is jwt RS256 with a public key, and no secret', function () {
      const auth = load('local', { HERALD_JWT_ALGORITHM: 'RS256', HERALD_JWT_PUBLIC_KEY: 'pem' }).auth;
      expect(auth).to.have.nested.property('jwt.publicKey', 'pem');
      expect(auth).to.not.have.nested.property('jwt.secret');
    });

    it('is http with its URL, and no jwt settings', function () {
      const auth = load('local', { HERALD_AUTH_VERIFIER: 'http', HERALD_AUTH_URL: 'https://main.example/verify' }).auth;
      expect(auth.verifier).to.equal('http');
      if (auth.verifier === 'http') expect(auth.http).to.include({ url: 'https://main.example/verify', timeoutMs: 3000, cacheTtl: 10 });
      expect(auth).to.not.have.property('jwt');
    });

    it('refuses each verifier without the field it needs, as before', function () {
      expect(refusal(() => load('local', { HERALD_AUTH_VERIFIER: 'http' }))).to.equal('in auth.http.url: is required when auth.verifier is http (or set HERALD_AUTH_URL)');
      expect(refusal(() => load('local', { HERALD_JWT_ALGORITHM: 'RS256' }))).to.equal('in auth.jwt.publicKey: is required for RS256 (or set HERALD_JWT_PUBLIC_KEY)');
      expect(refusal(() => load('test', {}))).to.equal('in auth.jwt.secret: is required for HS256 outside local (or set HERALD_JWT_SECRET)');
      // The file's verifier is http, the variable switches to jwt: jwt's rules apply.
      const httpFile = { 'app.json': { auth: { verifier: 'http', http: { url: 'http://x.example/v' } } } };
      expect(refusal(() => load('test', { HERALD_AUTH_VERIFIER: 'jwt' }, httpFile))).to.equal('in auth.jwt.secret: is required for HS256 outside local (or set HERALD_JWT_SECRET)');
    });

    it('refuses an unknown verifier or unknown settings with zod\'s words, as before', function () {
      expect(refusal(() => load('local', { HERALD_AUTH_VERIFIER: 'oidc' }))).to.equal("in auth.verifier (HERALD_AUTH_VERIFIER): Invalid enum value. Expected 'jwt' | 'http', received 'oidc'");
      expect(refusal(() => load('local', {}, { 'app.json': { auth: { other: {} } } }))).to.equal('in auth.other: unknown key');
      expect(refusal(() => load('local', {}, { 'app.json': { auth: { http: { url: 'https://x', bogus: 1 } } } }))).to.equal('in auth.http.bogus: unknown key');
    });

    it('applies the online rules of the chosen verifier, and the JWT-secret rules whatever the verifier', function () {
      expect(refusal(() => load('online', { ...ONLINE, HERALD_JWT_SECRET: DEV_JWT_SECRET }, ONLINE_FILES))).to.equal('in auth.jwt.secret: online refuses the development secret');
      expect(refusal(() => load('online', { ...ONLINE, HERALD_AUTH_VERIFIER: 'http', HERALD_AUTH_URL: 'http://x.example/v' }, ONLINE_FILES))).to.equal(
        'in auth.http.url (HERALD_AUTH_URL): online refuses a plain-http verification URL (credentials would cross the network in clear text); use https://, or http:// to this machine only',
      );
      const secret = 's'.repeat(40);
      const http = { HERALD_AUTH_VERIFIER: 'http', HERALD_AUTH_URL: 'https://x.example/v' };
      expect(refusal(() => load('online', { ...http, HERALD_API_KEYS: secret, HERALD_JWT_SECRET: secret }, ONLINE_FILES))).to.equal(
        'in apiKeys (HERALD_API_KEYS): online refuses an API key that is also the JWT secret (whoever calls the API could sign logins)',
      );
    });
  });

  describe('the verifier table', function () {
    it('gives the schema its verifier names and one settings object per verifier', function () {
      const shape = AuthSettingsSchema.removeDefault().shape;
      expect(shape.verifier.removeDefault().options).to.deep.equal(Object.keys(VERIFIERS));
      expect(Object.keys(shape)).to.deep.equal(['verifier', ...Object.keys(VERIFIERS)]);
      expect(AuthSettingsSchema.parse(undefined).verifier).to.equal(DEFAULT_VERIFIER);
    });

    it('builds the verifier config.auth names', function () {
      expect(createVerifier(load('local', {}).auth, silentLogger()).kind).to.equal('jwt');
      const http = createVerifier(load('local', { HERALD_AUTH_VERIFIER: 'http', HERALD_AUTH_URL: 'https://x.example/v' }).auth, silentLogger());
      expect(http.kind).to.equal('http');
      (http as unknown as { close(): void }).close();
    });
  });
});
