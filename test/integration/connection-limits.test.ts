/**
 * Connections that never finish a request, and too many connections from one address or in
 * total. Before: connections that sent nothing, half a request line or unfinished headers stayed
 * open forever (400 still open after 95 s in the primary and 150 s in the workers), and one
 * address could open 3,000+ anonymous sockets.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect as tcpConnect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { expect } from 'chai';
import { HandedConnections } from '../../workers/socket/handed-connections';
import { call, closeClients, connect } from '../support/clients';
import { createFakeClock } from '../support/fake-clock';
import { startHost, type HeraldHost } from '../support/herald-host';
import { LOCAL_API_KEY } from '../support/http';
import { waitFor } from '../support/wait';

/** Opens a raw TCP connection, writes `text`, and resolves with the ms until the server closed it (or undefined after `limitMs`). */
function closedAfter(port: number, text: string, limitMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = tcpConnect(port, '127.0.0.1', () => {
      if (text !== '') socket.write(text);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, limitMs);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

/** Sends one request head and resolves with the status line and body the server answered. */
function rawRequest(port: number, head: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = tcpConnect(port, '127.0.0.1', () => socket.write(head));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [headers = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(headers.split(' ')[1]), headers, body });
    });
  });
}

const KINDS: [string, string][] = [
  ['sends nothing', ''],
  ['sends half a request line', 'GET /socket.io/?EIO=4&tra'],
  ['sends unfinished headers', 'GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nX-Slow: 1'],
];

describe('the header timeout (a real host)', function () {
  let host: HeraldHost;

  before(async function () {
    host = await startHost({ env: { HERALD_HEADER_TIMEOUT: '1' } });
  });
  after(async function () {
    await host?.stop();
  });

  for (const [kind, text] of KINDS) {
    it(`closes 100 connections that each ${kind.replace('sends', 'send')} within the 1 s header timeout`, async function () {
      const times = await Promise.all(Array.from({ length: 100 }, () => closedAfter(host.port, text, 5000)));
      expect(times.every((t) => t !== undefined), `closed: ${times.join(', ')} ms`).to.equal(true);
      for (const t of times) expect(t).to.be.within(900, 3000);
    });
  }

});

describe('connection limits (a real host)', function () {
  let host: HeraldHost;

  before(async function () {
    host = await startHost({
      env: {
        HERALD_HEADER_TIMEOUT: '1',
        HERALD_MAX_CONNECTIONS_PER_IP: '3',
        HERALD_MAX_CONNECTIONS: '6',
        // Loopback is exempt by default; the test's clients all come from it.
        HERALD_MAX_CONNECTIONS_PER_IP_EXEMPT: '192.0.2.1',
        HERALD_TRUSTED_PROXIES: '127.0.0.2',
      },
    });
  });
  after(async function () {
    closeClients();
    await host?.stop();
  });
  afterEach(async function () {
    closeClients();
    // Each worker reports its connections every second; at 0 their closes have reached the primary too.
    // (A raw request that closes its connection: a keep-alive one would count itself.)
    await waitFor(async () => {
      const res = await rawRequest(host.port, `GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${LOCAL_API_KEY}\r\nConnection: close\r\n\r\n`);
      return res.status === 200 && (JSON.parse(res.body) as { totals: { connections: number } }).totals.connections === 0;
    }, 10_000, 'every connection closed');
  });

  it('answers the 4th connection from one address 429 with Retry-After, and takes it again once one closes', async function () {
    const clients = await Promise.all([1, 2, 3].map(() => connect(host.url)));
    const refused = await rawRequest(host.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(refused.status).to.equal(429);
    expect(refused.headers).to.match(/\r\nRetry-After: 10/i);
    expect(JSON.parse(refused.body)).to.deep.include({ ok: false });
    expect(JSON.parse(refused.body).error).to.include({ code: 'RATE_LIMITED', message: 'too many open connections from this address' });
    (clients[0] as ReturnType<typeof connect> extends Promise<infer S> ? S : never).disconnect();
    // The worker reports the close to the primary, which counts the address down.
    await waitFor(async () => (await rawRequest(host.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')).status === 200, 5000, 'a free slot');
    expect((await call(clients[1]!, 'heartbeat', {})).ok).to.equal(true);
  });

  it('counts a trusted proxy\'s clients by X-Forwarded-For, and answers 503 past the host-wide limit', async function () {
    // 127.0.0.2 is a loopback address the test can connect from: the host trusts it as a proxy.
    const viaProxy = (client: string) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = tcpConnect({ port: host.port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => {
          socket.write(`GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Forwarded-For: ${client}\r\n\r\n`);
        });
        socket.setEncoding('latin1');
        socket.once('data', (chunk: string) => (chunk.startsWith('HTTP/1.1 101') ? resolve(socket) : reject(new Error(chunk.split('\r\n')[0]))));
        socket.on('error', reject);
      });
    const a = await Promise.all([1, 2, 3].map(() => viaProxy('198.51.100.1')));
    let refusal = await viaProxy('198.51.100.1').catch((err: Error) => err.message);
    expect(refusal).to.equal('HTTP/1.1 429 Too Many Requests');
    const b = await Promise.all([1, 2, 3].map(() => viaProxy('198.51.100.2')));
    refusal = await viaProxy('198.51.100.3').catch((err: Error) => err.message);
    expect(refusal).to.equal('HTTP/1.1 503 Service Unavailable');
    for (const socket of [...a, ...b]) socket.destroy();
  });
});

describe('head deadline on a connection handed to a worker (fake clock)', function () {
  let front: NetServer;
  let http: HttpServer;
  let handed: HandedConnections;
  const clock = createFakeClock();

  before(async function () {
    http = createHttpServer((_req, res) => res.end('ok'));
    handed = new HandedConnections(http, { headTimeoutMs: 10_000, clock, send: () => undefined });
    handed.start();
    // Stands in for the primary: every accepted connection is given to the worker's server.
    front = createNetServer((socket) => http.emit('connection', socket));
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  });
  after(function () {
    handed.close();
    front.close();
  });

  it('closes a handed-over connection whose headers stay unfinished after 10 s, and keeps one that sent its request', async function () {
    const port = (front.address() as { port: number }).port;
    const slow = closedAfter(port, KINDS[2]![1], 20_000);
    const good = tcpConnect(port, '127.0.0.1', () => good.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await new Promise((resolve) => good.once('data', resolve));
    await waitFor(() => handed.deadlines.size === 1, 2000, 'the slow connection to be pending');
    await clock.tick(9000);
    expect(handed.deadlines.size).to.equal(1);
    await clock.tick(2000);
    expect(await slow).to.be.a('number');
    expect(good.destroyed).to.equal(false);
    good.destroy();
  });
});
