/**
 * The primary's duties under failure and at the end: a worker killed with SIGKILL comes back
 * while the other worker's clients stay connected; SIGTERM drains every client with
 * `kick { reason: 'shutdown', reconnect: true }`; a bad configuration stops the start with one
 * line naming the key.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { packageRoot } from '../../shared/paths';
import { call, closeClients, collect, connect, next, type Client } from '../support/clients';
import { startHost, uniqueId, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { api, push } from '../support/http';
import { waitFor } from '../support/wait';

const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

describe('process lifecycle', function () {
  afterEach(function () {
    closeClients();
  });

  describe('a worker killed with SIGKILL', function () {
    let host: HeraldHost;
    before(async function () {
      host = await startHost();
    });
    after(async function () {
      await host?.stop();
    });

    it('is respawned, and the clients of the other worker stay connected and keep receiving', async function () {
      const [victimPid, survivorPid] = await waitForWorkers(host, 2);
      const uid = uniqueId('survivor');
      const sockets: Client[] = [];
      for (let i = 0; i < 6; i++) {
        const socket = await connect(host.url);
        await call(socket, 'login', { token: token(uid), device: `d${i}` });
        sockets.push(socket);
      }
      const before = (await api(host.url, `/api/v1/online/${uid}`)).json.sessions as { sid: string; node: string }[];
      const onVictim = new Set(before.filter((s) => s.node.endsWith(`/${victimPid}`)).map((s) => s.sid));
      const onSurvivor = sockets.filter((s) => !onVictim.has(s.id as string));
      expect(onVictim.size, 'connections on the worker to kill').to.be.greaterThan(0);
      expect(onSurvivor.length, 'connections on the other worker').to.be.greaterThan(0);
      const dropped = sockets.filter((s) => onVictim.has(s.id as string));

      process.kill(victimPid as number, 'SIGKILL');
      await waitFor(() => dropped.every((s) => !s.connected), 10_000, 'clients of the killed worker to notice');
      const pids = await waitFor(async () => {
        const now = await host.workerPids();
        return now.length === 2 && !now.includes(victimPid as number) ? now : undefined;
      }, 15_000, 'the respawned worker');
      expect(pids).to.include(survivorPid);
      expect(onSurvivor.every((s) => s.connected)).to.equal(true);

      await waitFor(async () => (await api(host.url, `/api/v1/online/${uid}`)).json.connections === onSurvivor.length, 5000, 'presence of the dead worker dropped');
      const got = onSurvivor.map((s) => next(s, 'message'));
      await push(host.url, { to: { uid }, data: 'after the crash' });
      for (const payload of await Promise.all(got)) expect(payload.data).to.equal('after the crash');

      // The respawned worker takes new connections (it has the fewest).
      const respawned = pids.find((p) => p !== survivorPid) as number;
      const fresh = await connect(host.url);
      await call(fresh, 'login', { token: token(`${uid}-fresh`) });
      const [session] = (await api(host.url, `/api/v1/online/${uid}-fresh`)).json.sessions as { node: string }[];
      expect(session?.node.endsWith(`/${respawned}`), `${session?.node} is the respawned worker ${respawned}`).to.equal(true);
    });
  });

  describe('SIGTERM to the primary', function () {
    it('kicks every client with shutdown and reconnect:true, then exits 0', async function () {
      const host = await startHost();
      const sockets: Client[] = [];
      for (let i = 0; i < 4; i++) {
        const socket = await connect(host.url, { transport: i % 2 === 0 ? 'websocket' : 'polling' });
        await call(socket, 'login', { token: token(`shutdown-${i}`) });
        sockets.push(socket);
      }
      const kicks = sockets.map((s) => next(s, 'kick', 10_000));
      const reasons = sockets.map((s) => collect<string>(s, 'disconnect'));
      const code = await host.stop();
      expect(code).to.equal(0);
      for (const kick of await Promise.all(kicks)) expect(kick).to.deep.equal({ reason: 'shutdown', reconnect: true });
      await waitFor(() => reasons.every((r) => r.length === 1), 5000, 'every client disconnected');
      // A transport close (not "io server disconnect"), so stock socket.io-client reconnects by itself.
      for (const r of reasons) expect(r[0]).to.not.equal('io server disconnect');
    });
  });

  describe('invalid configuration', function () {
    const start = (env: Record<string, string>) =>
      spawnSync(process.execPath, [join(packageRoot(), 'bin', 'herald.js'), 'server', 'start'], {
        env: { ...process.env, HERALD_PORT: '0', HERALD_LOG_LEVEL: 'warn', ...env },
        encoding: 'utf8',
        timeout: 20_000,
      });

    const cases: [string, Record<string, string>, string][] = [
      ['a bad PUSH_ENV', { PUSH_ENV: 'staging' }, 'herald: invalid configuration: in PUSH_ENV: must be local, test, online (or 0, 1, 2), got "staging"'],
      ['a non-numeric port', { HERALD_PORT: 'eighty' }, 'herald: invalid configuration: in port (HERALD_PORT): must be an integer, got "eighty"'],
      ['an idle timeout below 10 s', { HERALD_IDLE_TIMEOUT: '5' }, 'herald: invalid configuration: in connection.idleTimeout (HERALD_IDLE_TIMEOUT): Number must be greater than or equal to 10'],
      ['a heartbeat longer than the idle timeout', { HERALD_HEARTBEAT_INTERVAL: '200' }, 'herald: invalid configuration: in connection.heartbeatInterval: must be shorter than connection.idleTimeout (180 s), or healthy clients get kicked'],
      ['the http verifier without a URL', { HERALD_AUTH_VERIFIER: 'http' }, 'herald: invalid configuration: in auth.http.url: is required when auth.verifier is http (or set HERALD_AUTH_URL)'],
      ['a Redis URL that is not one', { HERALD_REDIS_URL: 'http://127.0.0.1:6379' }, 'herald: invalid configuration: in redis.url: must start with redis:// or rediss://'],
      ['online without API keys', { PUSH_ENV: 'online', HERALD_AUTH_VERIFIER: 'jwt', HERALD_JWT_SECRET: 'x'.repeat(40) }, 'herald: invalid configuration: in apiKeys: online refuses to start without API keys (set HERALD_API_KEYS)'],
      ['online with the development secret', { PUSH_ENV: '2', HERALD_AUTH_VERIFIER: 'jwt', HERALD_JWT_SECRET: DEV_JWT_SECRET, HERALD_API_KEYS: 'k'.repeat(32) }, 'herald: invalid configuration: in auth.jwt.secret: online refuses the development secret'],
      ['online with * CORS', { PUSH_ENV: 'online', HERALD_API_KEYS: 'k'.repeat(32), HERALD_CORS_ORIGINS: '*' }, 'herald: invalid configuration: in cors.origins: online refuses `*`; list the allowed origins'],
    ];
    for (const [title, env, line] of cases) {
      it(`refuses to start with ${title}, in one line naming the key`, function () {
        const result = start(env);
        expect(result.status).to.equal(78);
        expect(result.stderr.trim()).to.equal(line);
        expect(result.stdout).to.equal('');
      });
    }

    it('refuses a port that is already taken, in one line', async function () {
      const host = await startHost({ env: { HERALD_WORKERS: '1' } });
      try {
        const result = start({ HERALD_PORT: String(host.port), HERALD_HOST: '127.0.0.1', HERALD_WORKERS: '1', HERALD_LOG_FORMAT: 'json' });
        expect(result.status).to.equal(1);
        expect(result.stdout).to.match(new RegExp(`cannot start: port ${host.port} on 127.0.0.1 is already in use`));
      } finally {
        await host.stop();
      }
    });
  });
});
