/**
 * The HTTP API of a real host (2 workers, no Redis): endpoint, online, kick, stats, probes and
 * metrics, with answers that cover the whole host whichever worker serves the request.
 */
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, connect, next, type Client } from '../support/clients';
import { startHost, uniqueId, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { api, push } from '../support/http';
import { waitFor } from '../support/wait';

describe('HTTP API', function () {
  let host: HeraldHost;
  const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

  before(async function () {
    host = await startHost({ env: { HERALD_CORS_ORIGINS: 'https://www.example.com,https://m.example.com' } });
    await waitForWorkers(host, 2);
  });
  after(async function () {
    await host?.stop();
  });
  afterEach(function () {
    closeClients();
  });

  /** Logs `uid` in on `count` connections spread over both workers. */
  async function loginOnBothWorkers(uid: string, count: number): Promise<Client[]> {
    const sockets: Client[] = [];
    for (let i = 0; i < count; i++) {
      const socket = await connect(host.url, { transport: i % 2 === 0 ? 'websocket' : 'polling' });
      await call(socket, 'login', { token: token(uid), platform: i % 2 === 0 ? 'android' : 'ios', device: `device-${i}` });
      sockets.push(socket);
    }
    return sockets;
  }

  it('GET /api/v1/endpoint is public and gives the URL, ttl and the client policy', async function () {
    const answer = await api(host.url, '/api/v1/endpoint', { key: null });
    expect(answer.status).to.equal(200);
    expect(answer.json).to.deep.equal({
      ok: true,
      url: host.url,
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      ttl: 300,
      policy: {
        reconnect: { attempts: 3, delays: [60, 120, 180], jitter: 0 },
        heartbeat: { interval: 150, timeout: 30, retries: 1 },
        login: { retryInterval: 30 },
        idleTimeout: 180,
        connectTimeout: 10,
      },
    });
  });

  it('GET /api/v1/endpoint believes X-Forwarded-Proto/-Host only from a trusted proxy', async function () {
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'push.example.com' };
    const untrusted = await api(host.url, '/api/v1/endpoint', { key: null, headers });
    expect(untrusted.json.url).to.equal(host.url);
    const proxied = await startHost({ env: { HERALD_TRUSTED_PROXIES: '127.0.0.1', HERALD_WORKERS: '1' } });
    try {
      const trusted = await api(proxied.url, '/api/v1/endpoint', { key: null, headers });
      expect(trusted.json.url).to.equal('https://push.example.com');
    } finally {
      await proxied.stop();
    }
  });

  it('answers CORS for allowed origins only, on the endpoint and on Socket.IO', async function () {
    const allowed = await api(host.url, '/api/v1/endpoint', { key: null, headers: { origin: 'https://m.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).to.equal('https://m.example.com');
    const other = await api(host.url, '/api/v1/endpoint', { key: null, headers: { origin: 'https://evil.example.net' } });
    expect(other.headers.get('access-control-allow-origin')).to.equal(null);
    const refused = await fetch(`${host.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example.net' } });
    expect(refused.status).to.equal(403);
    const accepted = await fetch(`${host.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://www.example.com' } });
    expect(accepted.status).to.equal(200);
    const noOrigin = await connect(host.url);
    expect(noOrigin.connected).to.equal(true);
  });

  it('GET /api/v1/online/:uid sees every connection of the user on both workers', async function () {
    const uid = uniqueId('online');
    await loginOnBothWorkers(uid, 4);
    const answer = await api(host.url, `/api/v1/online/${uid}`);
    expect(answer.status).to.equal(200);
    expect(answer.json).to.include({ ok: true, uid, online: true, connections: 4 });
    expect(answer.json.platforms).to.deep.equal(['android', 'ios']);
    expect(new Set(answer.json.sessions.map((s: { node: string }) => s.node)).size).to.equal(2);
    const nobody = await api(host.url, `/api/v1/online/${uniqueId('nobody')}`);
    expect(nobody.json).to.include({ online: false, connections: 0 });
    expect(nobody.json.platforms).to.deep.equal([]);
  });

  it('forgets a connection in online as soon as it closes', async function () {
    const uid = uniqueId('gone');
    const [first, second] = await loginOnBothWorkers(uid, 2);
    (first as Client).disconnect();
    await waitFor(async () => (await api(host.url, `/api/v1/online/${uid}`)).json.connections === 1, 5000, 'one connection left');
    (second as Client).disconnect();
    await waitFor(async () => (await api(host.url, `/api/v1/online/${uid}`)).json.online === false, 5000, 'none left');
  });

  it('POST /api/v1/kick kicks every connection of a user on every worker, with reconnect:false', async function () {
    const uid = uniqueId('kick');
    const sockets = await loginOnBothWorkers(uid, 3);
    const kicks = sockets.map((s) => next(s, 'kick'));
    const answer = await api(host.url, '/api/v1/kick', { body: { uid, message: 'account suspended' } });
    expect(answer.status).to.equal(200);
    expect(answer.json).to.deep.equal({ ok: true, uid, kicked: 3 });
    for (const kick of await Promise.all(kicks)) {
      expect(kick).to.deep.equal({ reason: 'admin', reconnect: false, message: 'account suspended' });
    }
    await waitFor(() => sockets.every((s) => !s.connected), 5000, 'every kicked socket closed');
    await waitFor(async () => (await api(host.url, `/api/v1/online/${uid}`)).json.online === false, 5000, 'offline');
  });

  it('POST /api/v1/kick with a platform and reason logout kicks only that platform', async function () {
    const uid = uniqueId('kick-platform');
    const [android, ios] = await loginOnBothWorkers(uid, 2);
    const kicked = next(ios as Client, 'kick');
    const answer = await api(host.url, '/api/v1/kick', { body: { uid, platform: 'ios', reason: 'logout' } });
    expect(answer.json.kicked).to.equal(1);
    expect(await kicked).to.deep.equal({ reason: 'logout', reconnect: false });
    await waitFor(() => !(ios as Client).connected, 5000, 'ios closed');
    expect((android as Client).connected).to.equal(true);
  });

  it('GET /api/v1/stats covers the host and both workers, with totals and rates', async function () {
    const uid = uniqueId('stats');
    await loginOnBothWorkers(uid, 2);
    await push(host.url, { to: { uid }, data: 1 });
    const stats = await waitFor(async () => {
      const answer = await api(host.url, '/api/v1/stats');
      const h = answer.json.hosts[0];
      return h.connections >= 2 && h.totals.pushes >= 1 && h.totals.deliveries >= 2 ? answer.json : undefined;
    }, 5000, 'stats to include the logins and the push');
    expect(stats.ok).to.equal(true);
    expect(stats.hosts).to.have.length(1);
    const h = stats.hosts[0];
    expect(h).to.include({ hostId: host.hostId, env: 'local', adapter: 'cluster', expectedWorkers: 2 });
    expect(h.users).to.be.at.least(1);
    expect(h.workers).to.have.length(2);
    for (const w of h.workers) {
      expect(w.state).to.equal('ready');
      expect(w.memory.rss).to.be.greaterThan(0);
      expect(w.peakRss).to.be.at.least(w.memory.rss);
    }
    expect(stats.totals).to.include({ hosts: 1, workers: 2 });
    expect(stats.totals.connections).to.equal(h.connections);
    expect(h.rates).to.have.keys(['pushes', 'deliveries', 'logins']);
  });

  it('GET /healthz and /readyz report the host ready', async function () {
    expect((await api(host.url, '/healthz', { key: null })).json.ok).to.equal(true);
    const ready = await api(host.url, '/readyz', { key: null });
    expect(ready.status).to.equal(200);
    expect(ready.json).to.deep.equal({ ok: true, checks: { workers: { ok: true, ready: 2, expected: 2 }, store: { ok: true } } });
  });

  it('GET /metrics gives Prometheus text summed over both workers', async function () {
    const uid = uniqueId('metrics');
    await loginOnBothWorkers(uid, 2);
    const text = await waitFor(async () => {
      const answer = await api(host.url, '/metrics', { key: null });
      return /herald_logged_in_connections \d+/.test(answer.text) ? answer : undefined;
    }, 5000, 'metrics');
    expect(text.status).to.equal(200);
    expect(text.headers.get('content-type')).to.match(/^text\/plain/);
    const loggedIn = Number(/^herald_logged_in_connections (\d+)/m.exec(text.text)?.[1]);
    expect(loggedIn).to.be.at.least(2);
    expect(text.text).to.match(/herald_logins_total\{result="ok"\} \d+/);
    expect(text.text).to.match(/herald_process_resident_memory_bytes/);
  });
});
