/**
 * What the bench adds to the stock servers, and nothing more: the broadcast trigger
 * (`POST /broadcast {data}` → `io.emit('message', {id, data, ts})`, the shape of a Herald push),
 * a memory report over IPC (heap, RSS and connections of each Socket.IO process), and leaving
 * when the bench goes away. The Socket.IO servers themselves keep their default options.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Server } from 'socket.io';

/** One Socket.IO process's report. */
export interface MemoryReport {
  pid: number;
  heapUsed: number;
  rss: number;
  connections: number;
}

export interface MemoryQuery {
  type: 'bench:memory?';
  id: number;
}

export interface MemoryAnswer {
  type: 'bench:memory';
  id: number;
  reports: MemoryReport[];
}

export interface ReadyMessage {
  type: 'bench:ready';
  port: number;
}

export function isMemoryQuery(message: unknown): message is MemoryQuery {
  return (message as { type?: unknown } | null)?.type === 'bench:memory?';
}

/** The request listener to pass to `http.createServer` before Socket.IO attaches; `io` is set once it exists. */
export function broadcastEndpoint(getIo: () => Server | undefined): RequestListener {
  let sequence = 0;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/broadcast') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const io = getIo();
      let data: unknown;
      try {
        data = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown }).data;
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (io === undefined) {
        res.writeHead(503).end();
        return;
      }
      io.emit('message', { id: String(++sequence), data, ts: Date.now() });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  };
}

export function memoryReport(io: Server): MemoryReport {
  const memory = process.memoryUsage();
  return { pid: process.pid, heapUsed: memory.heapUsed, rss: memory.rss, connections: io.engine.clientsCount };
}
