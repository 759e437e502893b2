/**
 * A keep-alive API caller loses no call: an idle connection stays open for the whole timeout the
 * server announced, and a worker that drains (`server reload`) answers every call it takes, with
 * `Connection: close`, before it closes its store and exits.
 */
import { expect } from 'chai';
import { Agent, createServer, request, type Server } from 'node:http';
import { KeepAliveConnections } from '../../server/http/keep-alive';
import { startHost, uniqueId, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { LOCAL_API_KEY } from '../support/http';
import { KeepAliveSocket } from '../support/raw-http';
import { sleep, waitFor } from '../support/wait';

interface CallResult {
  status: number;
  body: string;
  connection: string | undefined;
}

/** POST /api/v1/push through `agent`; rejects on a transport error (reset, hang up). */
function pushThrough(agent: Agent, port: number, body: unknown): Promise<CallResult> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/push',
        headers: { authorization: `Bearer ${LOCAL_API_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('keep-alive API connections', function () {
  this.timeout(90_000);
  let host: HeraldHost;

  before(async function () {
    host = await startHost({ env: { HERALD_WORKERS: '1', HERALD_KEEP_ALIVE_TIMEOUT: '2', HERALD_TASK_PROCESSES: '0' } });
    await waitForWorkers(host, 1);
  });
  after(async function () {
    await host?.stop();
  });

  it('keeps an idle connection open 1.5 s past the announced Keep-Alive timeout, for a client that is late', async function () {
    const socket = new KeepAliveSocket(host.port);
    try {
      const headers = { authorization: `Bearer ${LOCAL_API_KEY}` };
      const first = await socket.request('GET', '/api/v1/stats', headers);
      expect(first.status).to.equal(200);
      const announced = Number(/timeout=(\d+)/.exec(first.headers['keep-alive'] ?? '')?.[1]);
      expect(announced, 'Keep-Alive: timeout=N').to.be.greaterThan(0);
      // The client's clock starts when it has read the answer (later than the server's, by the
      // network and both event loops, which lag under load), and it may reuse the connection until
      // the announced time is up. Node closed it about 1 s after the announced time (6.0 s for
      // `timeout=5`, measured), so a client 1 s late met a closing socket.
      await sleep(announced * 1000 + 1500);
      const second = await socket.request('GET', '/api/v1/stats', headers);
      expect(second.status).to.equal(200);
    } finally {
      socket.close();
    }
  });

  it('answers every durable push of keep-alive callers across a server reload and idle periods, with no error', async function () {
    const uid = uniqueId('ka');
    // timeout: Node's agent honours the server's Keep-Alive hint (minus 1 s) only below its own timeout.
    const agent = new Agent({ keepAlive: true, maxSockets: 4, timeout: 60_000 });
    const failures: string[] = [];
    const ids = new Set<string>();
    let closes = 0;
    let calls = 0;
    let running = true;
    const caller = async (lane: number): Promise<void> => {
      let n = 0;
      while (running) {
        calls++;
        try {
          const answer = await pushThrough(agent, host.port, { to: { uid }, data: { lane, n: n++ } });
          if (answer.status !== 200) failures.push(`${answer.status} ${answer.body}`);
          else ids.add(JSON.parse(answer.body).id as string);
          if (answer.connection === 'close') closes++;
        } catch (err) {
          failures.push((err as Error).message);
        }
        await sleep(5);
      }
    };
    const lanes = [0, 1, 2, 3].map(caller);
    await sleep(300);
    const [before] = await host.workerPids();
    process.kill(host.pid, 'SIGUSR1');
    await waitFor(async () => {
      const pids = await host.workerPids();
      return pids.length === 1 && pids[0] !== before;
    }, 30_000, 'the reloaded worker');
    // The old worker drains for up to keepAliveTimeout + 2 s; keep calling through it.
    await waitFor(() => {
      try {
        process.kill(before as number, 0);
        return false;
      } catch {
        return true;
      }
    }, 15_000, 'the old worker to exit');
    await sleep(300);
    running = false;
    await Promise.all(lanes);
    // Idle longer than Node's default 5 s keep-alive, then call again on the pooled connections.
    for (let round = 0; round < 2; round++) {
      await sleep(5500);
      const results = await Promise.allSettled([0, 1, 2, 3].map((lane) => pushThrough(agent, host.port, { to: { uid }, data: { idle: round, lane } })));
      for (const result of results) {
        calls++;
        if (result.status === 'rejected') failures.push((result.reason as Error).message);
        else if (result.value.status !== 200) failures.push(`${result.value.status} ${result.value.body}`);
        else ids.add(JSON.parse(result.value.body).id as string);
      }
    }
    agent.destroy();
    expect(failures, `${failures.length} of ${calls} calls failed`).to.deep.equal([]);
    expect(closes, 'the draining worker answered with Connection: close').to.be.greaterThan(0);
    // Every push answered 200 was stored: the history holds each id once.
    const stored: string[] = [];
    for (let after = 0; ; ) {
      const page = await fetch(`${host.url}/api/v1/users/${uid}/messages?after=${after}&limit=1000`, { headers: { authorization: `Bearer ${LOCAL_API_KEY}` } });
      const json = (await page.json()) as { messages: { id: string }[]; next: number | null };
      stored.push(...json.messages.map((m) => m.id));
      if (json.next === null) break;
      after = json.next;
    }
    expect(stored.length).to.equal(ids.size);
    expect(new Set(stored)).to.deep.equal(ids);
  });
});

describe('a draining HTTP server (KeepAliveConnections)', function () {
  let server: Server;
  let connections: KeepAliveConnections;
  let port: number;
  let release: (() => void) | undefined;

  beforeEach(async function () {
    release = undefined;
    server = createServer((req, res) => {
      const answer = (): void => {
        res.setHeader('content-length', 2);
        res.end('ok');
      };
      if (req.url === '/slow') release = answer;
      else answer();
    });
    connections = new KeepAliveConnections({ timeout: 1, graceMs: 500 });
    connections.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterEach(async function () {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers a call in flight when the drain starts with Connection: close, then resolves', async function () {
    const socket = new KeepAliveSocket(port);
    const slow = socket.request('GET', '/slow');
    await waitFor(() => release !== undefined, 2000, 'the slow call');
    const drained = connections.drain(5000);
    release?.();
    const answer = await slow;
    expect(answer.status).to.equal(200);
    expect(answer.headers.connection).to.equal('close');
    expect(await drained).to.deep.equal({ closed: 1, destroyed: 0 });
  });

  it('serves a call that arrives on an idle kept-alive connection during the drain, with Connection: close', async function () {
    const socket = new KeepAliveSocket(port);
    const first = await socket.request('GET', '/');
    expect(first.headers.connection).to.equal('keep-alive');
    expect(first.headers['keep-alive']).to.equal('timeout=1');
    const drained = connections.drain(5000);
    const second = await socket.request('GET', '/');
    expect(second.status).to.equal(200);
    expect(second.headers.connection).to.equal('close');
    await drained;
    expect(connections.size).to.equal(0);
  });

  it('lets an idle connection run out its announced keep-alive before the drain ends', async function () {
    const socket = new KeepAliveSocket(port);
    await socket.request('GET', '/');
    const started = Date.now();
    await connections.drain(5000);
    // timeout 1 s + grace 0.5 s, counted from the answer: never before the announced second.
    expect(Date.now() - started).to.be.greaterThanOrEqual(900);
    expect(socket.closed).to.equal(true);
  });
});
