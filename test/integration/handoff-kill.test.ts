/**
 * A worker killed with SIGKILL while connections are being handed to it: every request the
 * primary accepted is answered or its connection closed at once — none hangs until the client's
 * own timeout (the primary's copy of a socket whose hand-off the dead worker never acknowledged
 * kept it open; before the fix, about one `kill -9` run in three left calls hanging 8 s).
 */
import { fork } from 'node:child_process';
import type { Worker } from 'node:cluster';
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stopReadingBeforeHandoff } from '../../server/primary/socket-handoff';
import { startHost, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { sleep } from '../support/wait';

/** One request on a fresh connection; resolves 'answered', 'closed', or 'hung' after `ms`. */
function probe(url: string, ms: number): Promise<'answered' | 'closed' | 'hung'> {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve('answered'));
      res.on('error', () => resolve('closed'));
    });
    req.setTimeout(ms, () => {
      resolve('hung');
      req.destroy();
    });
    req.on('error', () => resolve('closed'));
    req.end();
  });
}

describe('a worker killed while connections are handed to it', function () {
  this.timeout(90_000);
  let host: HeraldHost;

  before(async function () {
    host = await startHost();
    await waitForWorkers(host, 2);
  });
  after(async function () {
    await host?.stop();
  });

  it('leaves no request hanging: each is answered or closed at once', async function () {
    const outcomes = { answered: 0, closed: 0, hung: 0 };
    for (let round = 0; round < 6; round++) {
      const pids = await waitForWorkers(host, 2);
      const probes: Promise<'answered' | 'closed' | 'hung'>[] = [];
      for (let i = 0; i < 60; i++) {
        probes.push(probe(host.url, 4000));
        if (i === 30) process.kill(pids[round % 2] as number, 'SIGKILL');
        if (i % 10 === 0) await sleep(1);
      }
      for (const outcome of await Promise.all(probes)) outcomes[outcome]++;
    }
    console.log(`      (${outcomes.answered} answered, ${outcomes.closed} closed, ${outcomes.hung} hung)`);
    expect(outcomes.hung, 'requests left hanging').to.equal(0);
    expect(outcomes.answered).to.be.greaterThan(0);
  });
});

describe("the primary's copies of handed sockets", function () {
  this.timeout(30_000);

  /** A child that takes sockets over IPC (Node acknowledges each), counts them, and keeps them open. */
  function startTaker(): ReturnType<typeof fork> {
    const file = join(tmpdir(), `herald-taker-${process.pid}.js`);
    writeFileSync(file, "let n = 0; process.on('message', (m, socket) => { if (socket) { n++; socket.on('error', () => {}); process.send({ taken: n }); } });\n");
    const child = fork(file, [], { serialization: 'advanced', stdio: 'ignore' });
    child.once('exit', () => rmSync(file, { force: true }));
    return child;
  }

  it('are forgotten once the taker acknowledges them, not kept until the next hand-off', async function () {
    const child = startTaker();
    const worker = { send: child.send.bind(child), process: child, once: child.once.bind(child) } as unknown as Worker;
    const handoff = stopReadingBeforeHandoff(worker);
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const peers: Socket[] = [];
    let taken = 0;
    child.on('message', (m: { taken?: number }) => (taken = m.taken ?? taken));
    server.on('connection', (socket: Socket) => worker.send({ type: 'take' }, socket));
    try {
      for (let i = 0; i < 40; i++) peers.push(connect((server.address() as AddressInfo).port, '127.0.0.1').on('error', () => undefined));
      const deadline = Date.now() + 10_000;
      while (taken < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(taken, 'sockets the child took').to.equal(40);
      await new Promise((r) => setTimeout(r, 50));
      expect(handoff.tracked(), 'copies still tracked after every acknowledgement').to.equal(0);
      // The connections themselves stay open in the child.
      expect(peers.every((p) => !p.destroyed)).to.equal(true);
    } finally {
      for (const p of peers) p.destroy();
      server.close();
      child.kill();
    }
  });
});
