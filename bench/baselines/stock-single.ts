/**
 * Baseline 1: a stock single-process Socket.IO 4.8 server with default options (the docs'
 * "Get started" server), plus the bench's hooks (bench-hooks.ts). Started by the bench with an
 * IPC channel; listens on 127.0.0.1, port 0.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { broadcastEndpoint, isMemoryQuery, memoryReport, type MemoryAnswer, type ReadyMessage } from './bench-hooks';

let io: Server | undefined;
const httpServer = createServer(broadcastEndpoint(() => io));
io = new Server(httpServer);
const server = io;

httpServer.listen(0, '127.0.0.1', () => {
  const address = httpServer.address();
  const ready: ReadyMessage = { type: 'bench:ready', port: typeof address === 'object' && address !== null ? address.port : 0 };
  process.send?.(ready);
});

process.on('message', (message: unknown) => {
  if (!isMemoryQuery(message)) return;
  const answer: MemoryAnswer = { type: 'bench:memory', id: message.id, reports: [memoryReport(server)] };
  process.send?.(answer);
});
process.on('disconnect', () => process.exit(0));
// A normal exit on SIGTERM, so a `--cpu-prof` run writes its profile.
process.on('SIGTERM', () => process.exit(0));
