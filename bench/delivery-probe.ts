/**
 * The lone-broadcast delivery path in a process of its own: a Socket.IO server with Herald's
 * DeliveryTracker (the same patches as a worker: the tap, the direct frame write, the per-turn
 * cork), N websockets in two child processes, K broadcasts one at a time (the next only once
 * every client has the last). Prints the server process's user and system CPU per delivery from
 * `process.cpuUsage()`: no API, Redis, login or background work in the window, so user-space
 * changes to the delivery path show here when the whole-tree `fanout` figure is too noisy.
 *
 *   node dist-dev/bench/delivery-probe.js [N=5000] [K=100]
 *
 * Each client answers engine.io's open packet with a Socket.IO CONNECT and counts `42` frames;
 * it tells the server each time it has received one more broadcast on every socket it holds.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import WebSocket from 'ws';
import type { Metrics } from '../server/metrics';
import { DeliveryTracker } from '../server/socket/delivery-tracker';
import { systemClock } from '../shared/clock';

function runClient(port: number, count: number): void {
  let open = 0;
  let received = 0;
  const connect = (): void => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    ws.on('message', (raw: Buffer) => {
      const text = raw.toString();
      if (text.startsWith('0')) ws.send('40');
      else if (text.startsWith('40')) {
        if (++open === count) process.send?.({ open });
      } else if (text === '2') ws.send('3');
      else if (text.startsWith('42') && ++received % count === 0) process.send?.({ received });
    });
    // A refused or reset connection (a loaded machine's accept queue) tries again.
    ws.on('error', () => setTimeout(connect, 100));
  };
  for (let i = 0; i < count; i++) connect();
}

async function runServer(n: number, k: number): Promise<void> {
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false });
  const metrics = { deliveries: { inc: () => undefined }, counters: { deliveries: 0 } } as unknown as Metrics;
  new DeliveryTracker(systemClock, metrics).attach(io.of('/').adapter);
  http.listen({ port: 0, host: '127.0.0.1', backlog: 8192 });
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  const half = Math.floor(n / 2);
  const clients: ChildProcess[] = [half, n - half].map((count) => fork(__filename, ['client', String(port), String(count)]));
  const next = (): Promise<unknown> => Promise.all(clients.map((c) => once(c, 'message')));
  await next();
  const data = 'x'.repeat(100);
  const broadcast = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const done = next();
      io.emit('message', { id: `probe-${i}`, data, ts: Date.now() });
      await done;
    }
  };
  await broadcast(20); // warm-up: the path compiled
  const before = process.cpuUsage();
  await broadcast(k);
  const used = process.cpuUsage(before);
  const deliveries = n * k;
  console.log(
    JSON.stringify({
      connections: n,
      broadcasts: k,
      userUsPerDelivery: +(used.user / deliveries).toFixed(3),
      systemUsPerDelivery: +(used.system / deliveries).toFixed(3),
      totalUsPerDelivery: +((used.user + used.system) / deliveries).toFixed(3),
    }),
  );
  for (const c of clients) c.kill();
  await io.close();
}

if (process.argv[2] === 'client') {
  runClient(Number(process.argv[3]), Number(process.argv[4]));
} else {
  runServer(Number(process.argv[2] ?? 5000), Number(process.argv[3] ?? 100)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
