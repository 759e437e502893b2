/**
 * Connection storms over a host's workers. Before: the primary counted a session only when the
 * worker reported it, so a burst of 200 new connections at once put 198 on one of 4 workers;
 * and after a worker was killed its clients all reconnected to the survivors and stayed there
 * (every later kill then dropped all of them).
 */
import { expect } from 'chai';
import { io, type Socket } from 'socket.io-client';
import { workerIdOfSession } from '../../server/cluster/session-id';
import { startHost, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { waitFor } from '../support/wait';

const CLIENTS = 200;
const WORKERS = 4;

/** The cluster worker id of each client's latest session, noted at each (re)connect. */
const workers = new Map<Socket, number>();
const workerOf = (socket: Socket): number => workers.get(socket) ?? -1;

function countBy(values: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

describe('connection storms spread over every worker (a real host, 4 workers)', function () {
  let host: HeraldHost;
  const sockets: Socket[] = [];

  before(async function () {
    host = await startHost({ env: { HERALD_WORKERS: String(WORKERS), HERALD_TASK_PROCESSES: '0' } });
    await waitForWorkers(host, WORKERS);
  });
  after(async function () {
    for (const socket of sockets) socket.disconnect();
    await host?.stop();
  });

  it(`spreads ${CLIENTS} connections opened at once: each of ${WORKERS} workers gets 35-65`, async function () {
    for (let i = 0; i < CLIENTS; i++) {
      // Reconnecting at once (as a client with a short delay does) after a worker dies: the next test.
      const socket = io(host.url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200, timeout: 10_000 });
      socket.on('connect', () => workers.set(socket, workerIdOfSession(socket.io.engine.id as string)));
      sockets.push(socket);
    }
    await waitFor(() => sockets.every((s) => s.connected), 20_000, 'every client connected');
    const counts = countBy(sockets.map(workerOf));
    expect(counts.size, JSON.stringify([...counts])).to.equal(WORKERS);
    for (const n of counts.values()) expect(n, JSON.stringify([...counts])).to.be.within(35, 65);
  });

  it('gives a worker respawned after kill -9 a fair share of the clients that reconnect', async function () {
    const before = sockets.map(workerOf);
    const pids = await host.workerPids();
    process.kill(pids[0] as number, 'SIGKILL');
    await waitFor(() => sockets.some((s) => !s.connected), 5000, 'the killed worker\'s clients to drop');
    const dropped = sockets.filter((s) => !s.connected);
    const gone = workerOf(dropped[0] as Socket);
    await waitFor(() => sockets.every((s) => s.connected && workerOf(s) !== gone), 20_000, 'every client reconnected');
    const after = countBy(sockets.map(workerOf));
    const respawned = [...after.keys()].find((id) => !before.includes(id));
    const summary = `${dropped.length} reconnected; now ${JSON.stringify([...after])}`;
    expect(respawned, summary).to.be.a('number');
    // Its fair share: the reconnecting clients fill the new worker up to the others' level.
    expect(after.get(respawned as number), summary).to.be.at.least(Math.floor(dropped.length * 0.6));
    for (const n of after.values()) expect(n, summary).to.be.within(30, 70);
  });
});
