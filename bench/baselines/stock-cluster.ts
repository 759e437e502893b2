/**
 * Baseline 2: the stock cluster recipe from the Socket.IO docs ("Using Node.js cluster" with
 * @socket.io/sticky, and the Redis adapter page): a primary that shards connections with
 * `setupMaster(httpServer, { loadBalancingMethod: 'least-connection' })`, `serialization:
 * 'advanced'` for the workers, forks BENCH_WORKERS workers and forks a new one when one dies;
 * each worker runs a default `new Server(httpServer)` with `@socket.io/redis-adapter` on ioredis
 * and `setupWorker(io)`. Plus the bench's hooks (bench-hooks.ts). The adapter's channel key is
 * unique per run so that runs on a shared Redis never hear each other; that changes channel
 * names only.
 *
 * No fix for the sticky hand-off race is applied here (that is what makes it stock): a
 * connection the primary hands over while a worker is still starting is lost, and the bench
 * counts such connections as hung.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { setupMaster, setupWorker } from '@socket.io/sticky';
import Redis from 'ioredis';
import { Server } from 'socket.io';
import { broadcastEndpoint, isMemoryQuery, memoryReport, type MemoryAnswer, type MemoryReport, type ReadyMessage } from './bench-hooks';

const WORKERS = Number(process.env.BENCH_WORKERS ?? '2');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADAPTER_KEY = process.env.BENCH_ADAPTER_KEY ?? 'socket.io';

/** Milliseconds the primary waits for the workers' memory reports. */
const REPORT_TIMEOUT_MS = 2000;

interface WorkerUp {
  type: 'bench:worker-up';
}

if (cluster.isPrimary) {
  const httpServer = createServer();
  setupMaster(httpServer, { loadBalancingMethod: 'least-connection' });
  cluster.setupPrimary({ serialization: 'advanced' });

  let up = 0;
  let announced = false;
  const announce = (): void => {
    if (announced || up < WORKERS || !httpServer.listening) return;
    announced = true;
    const address = httpServer.address();
    const ready: ReadyMessage = { type: 'bench:ready', port: typeof address === 'object' && address !== null ? address.port : 0 };
    process.send?.(ready);
  };
  httpServer.listen(0, '127.0.0.1', announce);
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  cluster.on('exit', () => {
    cluster.fork();
  });

  // The bench's memory query, relayed to every worker.
  const waiting = new Map<number, { reports: MemoryReport[]; expected: number; done: () => void }>();
  cluster.on('message', (_worker, message: unknown) => {
    if ((message as Partial<WorkerUp> | null)?.type === 'bench:worker-up') {
      up++;
      announce();
      return;
    }
    const m = message as Partial<MemoryAnswer>;
    if (m.type !== 'bench:memory' || m.id === undefined) return;
    const entry = waiting.get(m.id);
    if (entry === undefined) return;
    entry.reports.push(...(m.reports ?? []));
    if (entry.reports.length >= entry.expected) entry.done();
  });
  process.on('message', (message: unknown) => {
    if (!isMemoryQuery(message)) return;
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined && w.isConnected());
    const entry = { reports: [] as MemoryReport[], expected: workers.length, done: () => undefined as void };
    const finish = (): void => {
      clearTimeout(timer);
      waiting.delete(message.id);
      const answer: MemoryAnswer = { type: 'bench:memory', id: message.id, reports: entry.reports };
      process.send?.(answer);
    };
    const timer = setTimeout(finish, REPORT_TIMEOUT_MS);
    entry.done = finish;
    waiting.set(message.id, entry);
    for (const worker of workers) worker?.send(message);
    if (workers.length === 0) finish();
  });
  process.on('disconnect', () => process.exit(0));
  // A normal exit on SIGTERM (the workers follow when the IPC closes), so `--cpu-prof` runs write profiles.
  process.on('SIGTERM', () => process.exit(0));
} else {
  const pubClient = new Redis(REDIS_URL);
  const subClient = pubClient.duplicate();
  pubClient.on('error', () => undefined);
  subClient.on('error', () => undefined);

  let io: Server | undefined;
  const httpServer = createServer(broadcastEndpoint(() => io));
  io = new Server(httpServer);
  const server = io;
  io.adapter(createAdapter(pubClient, subClient, { key: ADAPTER_KEY }));
  setupWorker(io);

  process.on('message', (message: unknown) => {
    if (!isMemoryQuery(message)) return;
    const answer: MemoryAnswer = { type: 'bench:memory', id: message.id, reports: [memoryReport(server)] };
    process.send?.(answer);
  });
  const upMessage: WorkerUp = { type: 'bench:worker-up' };
  process.send?.(upMessage);
}
