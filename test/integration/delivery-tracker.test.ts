/**
 * The delivery tracker on a real Socket.IO server: live pushes to a socket whose replay is
 * running wait until it is released, in order; a kick does not wait (the socket is disconnected
 * right after it, and a held kick would be dropped with it).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { Server } from 'socket.io';
import { systemClock } from '../../shared/clock';
import { Metrics } from '../../server/metrics';
import { DeliveryTracker } from '../../server/socket/delivery-tracker';
import type { HeraldSocket } from '../../server/socket/types';
import { closeClients, collect, connect, next } from '../support/clients';
import { sleep } from '../support/wait';

describe('delivery tracker on a Socket.IO server', function () {
  let http: HttpServer;
  let io: Server;
  let tracker: DeliveryTracker;
  let url: string;

  beforeEach(async function () {
    http = createServer();
    io = new Server(http);
    tracker = new DeliveryTracker(systemClock, new Metrics({ registry: new Registry() }));
    tracker.attach(io.of('/').adapter);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async function () {
    closeClients();
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  async function heldClient(): Promise<{ server: HeraldSocket; client: Awaited<ReturnType<typeof connect>> }> {
    const joined = new Promise<HeraldSocket>((resolve) => io.once('connection', (s) => resolve(s as unknown as HeraldSocket)));
    const client = await connect(url);
    const server = await joined;
    server.join('u:1');
    tracker.hold(server);
    return { server, client };
  }

  it('holds live pushes until release, then delivers them in order, skipping seqs the replay sent', async function () {
    const { server, client } = await heldClient();
    const got = collect<{ seq: number }>(client, 'message');
    for (const seq of [1, 2, 3]) io.to('u:1').emit('message', { seq });
    await sleep(200);
    expect(got).to.deep.equal([]);
    tracker.release(server, 1);
    await sleep(200);
    expect(got.map((m) => m.seq)).to.deep.equal([2, 3]);
    io.to('u:1').emit('message', { seq: 4 });
    expect((await next<{ seq: number }>(client, 'message')).seq).to.equal(4);
  });

  it('delivers a kick at once, even while the socket is held', async function () {
    const { client } = await heldClient();
    const kicked = next<{ reason: string }>(client, 'kick', 2000);
    io.to('u:1').emit('kick', { reason: 'too_many_connections', reconnect: false });
    expect(await kicked).to.deep.equal({ reason: 'too_many_connections', reconnect: false });
  });
});
