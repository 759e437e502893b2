/**
 * Herald's own TLS (wss and https long-polling, routed by client address), and a cron job on two
 * hosts sharing Redis that runs once per tick, not once per host.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Redis from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { deleteKeysWithPrefix } from '../../bench/servers/redis-keys';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, collect, connect, next } from '../support/clients';
import { heraldJson } from '../support/cli';
import { startHost, uniqueId, type HeraldHost } from '../support/herald-host';
import { LOCAL_API_KEY } from '../support/http';
import { waitFor } from '../support/wait';

const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

/** POST JSON over https, trusting `ca`. */
function postTls(url: string, path: string, body: unknown, ca: string): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', ca, headers: { 'content-type': 'application/json', authorization: `Bearer ${LOCAL_API_KEY}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe("Herald's own TLS", function () {
  let dir: string;
  let ca: string;
  let host: HeraldHost;
  let url: string;
  const sockets: Socket[] = [];

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'herald-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    host = await startHost({ env: { HERALD_TLS_CERT: join(dir, 'cert.pem'), HERALD_TLS_KEY: join(dir, 'key.pem') } });
    url = `https://127.0.0.1:${host.port}`;
  });
  after(async function () {
    for (const s of sockets) s.disconnect();
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const transport of ['websocket', 'polling'] as const) {
    it(`serves ${transport === 'websocket' ? 'wss' : 'https long-polling'}: login and a push through the https API`, async function () {
      const uid = uniqueId(`tls-${transport}`);
      const socket = io(url, { transports: [transport], upgrade: false, reconnection: false, forceNew: true, ca });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      expect((await call(socket, 'login', { token: token(uid) })).ok).to.equal(true);
      const got = next(socket, 'message');
      const answer = await postTls(url, '/api/v1/push', { to: { uid }, data: `over ${transport}` }, ca);
      expect(answer.status).to.equal(200);
      expect(answer.json).to.include({ ok: true, online: 1 });
      expect((await got).data).to.equal(`over ${transport}`);
      // Several long-polling round trips on one session: every request reaches the same worker.
      for (let i = 0; i < 5; i++) expect((await call(socket, 'heartbeat', {})).ok).to.equal(true);
    });
  }

  it('refuses plain http on the TLS port, and a client that does not trust the certificate', async function () {
    const plain = await fetch(`http://127.0.0.1:${host.port}/healthz`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(plain).to.equal('refused');
    const untrusting = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(untrusting);
    const err = await new Promise<Error>((resolve) => untrusting.once('connect_error', resolve));
    expect(String(err.message)).to.match(/websocket error|self.signed|certificate/i);
  });
});

describe('a cron job on two hosts sharing Redis', function () {
  const prefix = `${uniqueId('herald-cron')}:`;
  let dir: string;
  let a: HeraldHost;
  let b: HeraldHost;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'herald-cron-'));
    mkdirSync(join(dir, 'local'));
    const shipped = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'config', 'local', 'app.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      join(dir, 'local', 'app.json'),
      JSON.stringify({ ...shipped, cron: { jobs: [{ name: 'every-second', schedule: '* * * * * *', push: { to: { topic: 'public.clock' }, event: 'clock', data: 'tick' } }] } }),
    );
    const env = { HERALD_CONFIG_DIR: dir, HERALD_REDIS_URL: 'redis://127.0.0.1:6379', HERALD_REDIS_PREFIX: prefix };
    [a, b] = await Promise.all([startHost({ env }), startHost({ env })]);
  });
  after(async function () {
    closeClients();
    await Promise.all([a?.stop(), b?.stop()]);
    await deleteKeysWithPrefix('redis://127.0.0.1:6379', prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs once per tick in the whole cluster, not once per host', async function () {
    const socket = await connect(a.url);
    await call(socket, 'subscribe', { topic: 'public.clock' });
    const ticks = collect<{ id: string; ts: number }>(socket, 'clock');
    await waitFor(() => ticks.length >= 5, 15_000, 'five ticks');
    // Each tick's run takes the tick's lock; a tick run by both hosts would push twice for one lock.
    const redis = new Redis('redis://127.0.0.1:6379');
    const locks = await redis.keys(`${prefix}cron:lock:every-second:*`);
    const received = ticks.length;
    redis.disconnect();
    expect(received, `${received} pushes for ${locks.length} ticks`).to.be.at.most(locks.length);
    expect(locks.length - received).to.be.at.most(2);
    expect(new Set(ticks.map((t) => t.id)).size).to.equal(received);
    // Both hosts schedule the job; each tick is won by one of them.
    const env = (host: HeraldHost) => ({ HERALD_CONFIG_DIR: dir, HERALD_DATA_DIR: host.dataDir, HERALD_REDIS_URL: 'redis://127.0.0.1:6379', HERALD_REDIS_PREFIX: prefix });
    const rows = await Promise.all([a, b].map((h) => heraldJson<{ rows: { name: string; lastResult: string | null; runs: number }[] }>(['crontab', 'show'], env(h))));
    const results = rows.map((r) => r.rows.find((row) => row.name === 'every-second'));
    const runs = results.reduce((sum, r) => sum + (r?.runs ?? 0), 0);
    expect(runs).to.be.within(ticks.length, ticks.length + 3);
    // Whichever host lost the latest tick says so.
    expect(results.some((r) => r?.lastResult === 'skipped: another host ran this tick')).to.equal(true);
  });
});
