/**
 * Two Herald hosts (2 workers each) sharing the real Redis, behind a real nginx running the
 * repository's deploy/nginx/herald.conf (upstream addresses, ports and certificate substituted,
 * nothing else). Logins go to a fake main site, which records the address Herald gives it.
 */
import { expect } from 'chai';
import { io, type Socket } from 'socket.io-client';
import { deleteKeysWithPrefix } from '../../bench/servers/redis-keys';
import { call, next, type Transport } from '../support/clients';
import { FakeMainSite } from '../support/fake-main-site';
import { startHost, uniqueId, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { api, push } from '../support/http';
import { requireNginx, startNginx, type RunningNginx } from '../support/nginx';

const SHARED_REDIS = 'redis://127.0.0.1:6379';
const PUBLIC_URL = 'https://push.example.com';

/** Two hosts, the fake main site they verify logins with, and nginx in front. */
class Site {
  readonly mainSite = new FakeMainSite();
  hosts: HeraldHost[] = [];
  nginx: RunningNginx | undefined;

  async start(env: Record<string, string>): Promise<this> {
    await this.mainSite.start();
    const hostEnv = { ...env, HERALD_AUTH_VERIFIER: 'http', HERALD_AUTH_URL: this.mainSite.url };
    this.hosts = await Promise.all([startHost({ env: hostEnv }), startHost({ env: hostEnv })]);
    await Promise.all(this.hosts.map((host) => waitForWorkers(host, Number(env.HERALD_WORKERS ?? 2))));
    this.nginx = await startNginx(this.hosts.map((host) => host.port));
    return this;
  }

  get http(): string {
    return (this.nginx as RunningNginx).httpUrl;
  }

  get https(): string {
    return (this.nginx as RunningNginx).httpsUrl;
  }

  /** A ukey only this login uses (verifications are cached per credential), allowed for `uid`. */
  credential(uid: string): string {
    const ukey = uniqueId(`ukey-${uid}`);
    this.mainSite.allow(ukey, uid);
    return ukey;
  }

  /** The address Herald sent the main site when it verified `ukey`. */
  verifiedIp(ukey: string): string | undefined {
    return this.mainSite.calls.find((c) => c.value === ukey)?.ip;
  }

  async stop(): Promise<void> {
    await this.nginx?.stop();
    await Promise.all(this.hosts.map((host) => host.stop()));
    await this.mainSite.stop();
  }
}

interface ThroughOptions {
  transport: Transport;
  /** The certificate to trust for https:// (checked, not ignored). */
  ca?: string;
  extraHeaders?: Record<string, string>;
  /** The client's own address (websocket only): another loopback address than 127.0.0.1. */
  localAddress?: string;
}

const opened = new Set<Socket>();

/** A socket.io-client connection through nginx, one transport only, no reconnection. */
function through(url: string, options: ThroughOptions): Promise<Socket> {
  const socket = io(url, {
    transports: [options.transport],
    upgrade: false,
    reconnection: false,
    forceNew: true,
    timeout: 5000,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.extraHeaders !== undefined ? { extraHeaders: options.extraHeaders } : {}),
    ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
  });
  opened.add(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err: Error & { description?: { message?: string } }) => {
      // For websocket, the TLS or HTTP failure underneath is in `description`.
      const cause = err.description?.message !== undefined ? ` (${err.description.message})` : '';
      reject(new Error(`no ${options.transport} connection through ${url}: ${err.message}${cause}`));
    });
  });
}

async function login(site: Site, socket: Socket, uid: string): Promise<string> {
  const ukey = site.credential(uid);
  const answer = await call(socket, 'login', { ukey, platform: 'web' });
  expect(answer.ok, JSON.stringify(answer)).to.equal(true);
  return ukey;
}

/**
 * The host nginx sent `uid`'s connection to (from the `node` of its session, `<hostId>/…`),
 * and the other one.
 */
async function chosenAndOther(site: Site, uid: string): Promise<{ chosen: HeraldHost; other: HeraldHost }> {
  const online = await api(site.hosts[0]?.url as string, `/api/v1/online/${uid}`);
  expect(online.json.sessions, online.text).to.have.length(1);
  const node: string = online.json.sessions[0].node;
  const chosen = site.hosts.find((host) => node.startsWith(`${host.hostId}/`));
  expect(chosen, `a host owning ${node}`).to.not.equal(undefined);
  return { chosen: chosen as HeraldHost, other: site.hosts.find((host) => host !== chosen) as HeraldHost };
}

/** Logs `uid` in on `socket`, pushes to it through the host nginx did NOT choose, and expects it. */
async function receivesFromTheOtherHost(site: Site, socket: Socket, uid: string): Promise<void> {
  await login(site, socket, uid);
  const { other } = await chosenAndOther(site, uid);
  const received = next(socket, 'message');
  const answer = await push(other.url, { to: { uid }, data: { sentTo: other.hostId } });
  expect(answer.online).to.equal(1);
  expect((await received).data).to.deep.equal({ sentTo: other.hostId });
}

describe('two hosts behind nginx (deploy/nginx/herald.conf)', function () {
  const prefix = `${uniqueId('herald-test-nginx')}:`;
  const site = new Site();

  before(async function () {
    requireNginx(this);
    await site.start({
      HERALD_REDIS_URL: SHARED_REDIS,
      HERALD_REDIS_PREFIX: prefix,
      HERALD_TRUSTED_PROXIES: '127.0.0.1',
      // Behind nginx the endpoint route must name nginx's address (docs/DEPLOY.md).
      HERALD_PUBLIC_URL: PUBLIC_URL,
    });
  });
  after(async function () {
    await site.stop();
    await deleteKeysWithPrefix(SHARED_REDIS, prefix);
  });
  afterEach(function () {
    for (const socket of opened) socket.disconnect();
    opened.clear();
  });

  it('delivers a push sent to the other host to a websocket client connected through nginx', async function () {
    const uid = uniqueId('ws');
    await receivesFromTheOtherHost(site, await through(site.http, { transport: 'websocket' }), uid);
  });

  it('keeps long-polling clients on one host and one worker through nginx: logins, topics and pushes from the other host', async function () {
    // Every poll is a new upstream connection: ip_hash picks the host, Herald's sticky primary
    // the worker, by the session id. A request landing anywhere else fails "Session ID unknown".
    // The clients connect one after the other: handshakes at the same instant also meet a race
    // inside a host (the primary can see a session's next request before its worker has told
    // it whose session that is), with or without nginx; that is Herald's to fix, not nginx's.
    const clients: Socket[] = [];
    for (let i = 0; i < 4; i++) clients.push(await through(site.http, { transport: 'polling' }));
    const uids = clients.map(() => uniqueId('poll'));
    await Promise.all(clients.map((socket, i) => receivesFromTheOtherHost(site, socket, uids[i] as string)));
    for (const socket of clients) expect(await call(socket, 'subscribe', { topic: 'public.deploy' })).to.include({ ok: true });
    const { other } = await chosenAndOther(site, uids[0] as string);
    const scores = clients.map((socket) => next(socket, 'score'));
    await push(other.url, { to: { topic: 'public.deploy' }, event: 'score', data: '2:0' });
    for (const got of await Promise.all(scores)) expect(got).to.include({ data: '2:0', topic: 'public.deploy' });
    expect(clients.every((socket) => socket.connected && socket.io.engine.transport.name === 'polling')).to.equal(true);
  });

  for (const transport of ['websocket', 'polling'] as const) {
    it(`delivers through the TLS server block (wss/https, the certificate verified) over ${transport}`, async function () {
      const uid = uniqueId(`tls-${transport}`);
      const socket = await through(site.https, { transport, ca: (site.nginx as RunningNginx).certificate.pem });
      await receivesFromTheOtherHost(site, socket, uid);
    });
  }

  it('refuses a TLS client that does not trust the certificate', async function () {
    const error = await through(site.https, { transport: 'websocket' }).then(
      () => undefined,
      (err: Error) => err,
    );
    // Node 24 adds a hint after the reason: "(self-signed certificate; if the root CA is installed
    // locally, try running Node.js with --use-system-ca)"; Node 20 ends at the reason.
    expect(error?.message).to.match(/websocket error \(self[- ]signed certificate[;)]/);
  });

  it('gives the main site the client address from X-Forwarded-For: the right-most hop that is not nginx', async function () {
    // The client sent a chain; nginx appends 127.0.0.1 (the client as nginx saw it), which is
    // a trusted proxy too, so the hop before it is the client.
    const behindAnotherProxy = await through(site.http, { transport: 'websocket', extraHeaders: { 'x-forwarded-for': '203.0.113.7' } });
    expect(site.verifiedIp(await login(site, behindAnotherProxy, uniqueId('xff')))).to.equal('203.0.113.7');

    const plain = await through(site.http, { transport: 'polling' });
    expect(site.verifiedIp(await login(site, plain, uniqueId('plain')))).to.equal('127.0.0.1');

    // From 127.0.0.3, which is no trusted proxy: a forged header cannot hide the real address.
    const forged = await through(site.http, { transport: 'websocket', localAddress: '127.0.0.3', extraHeaders: { 'x-forwarded-for': '203.0.113.7' } });
    expect(site.verifiedIp(await login(site, forged, uniqueId('forged')))).to.equal('127.0.0.3');
  });

  it('proxies the HTTP API and the probes to the hosts, and keeps /metrics off the public site', async function () {
    const endpoint = await api(site.http, '/api/v1/endpoint', { key: null });
    expect(endpoint.status).to.equal(200);
    expect(endpoint.json).to.include({ url: PUBLIC_URL, path: '/socket.io' });
    const uid = uniqueId('api');
    const socket = await through(site.http, { transport: 'websocket' });
    await login(site, socket, uid);
    const received = next(socket, 'message');
    expect((await push(site.http, { to: { uid }, data: 'via nginx' })).online).to.equal(1);
    expect((await received).data).to.equal('via nginx');
    expect((await api(site.http, '/healthz', { key: null })).status).to.equal(200);
    expect((await api(site.http, '/metrics', { key: null })).status).to.equal(403);
    expect((await api(site.hosts[0]?.url as string, '/metrics', { key: null })).status).to.equal(200);
  });
});

describe('hosts behind nginx without HERALD_TRUSTED_PROXIES', function () {
  const site = new Site();

  before(async function () {
    requireNginx(this);
    await site.start({ HERALD_WORKERS: '1' });
  });
  after(async function () {
    await site.stop();
  });
  afterEach(function () {
    for (const socket of opened) socket.disconnect();
    opened.clear();
  });

  it('gives the main site nginx\'s address, whatever X-Forwarded-For says', async function () {
    for (const transport of ['websocket', 'polling'] as const) {
      const socket = await through(site.http, { transport, extraHeaders: { 'x-forwarded-for': '203.0.113.7' } });
      expect(site.verifiedIp(await login(site, socket, uniqueId(transport)))).to.equal('127.0.0.1');
    }
  });
});
