/**
 * The local control socket the CLI talks to: a Unix domain socket `<runDir>/herald.sock` that
 * only Herald's user can open (mode 0600, in a 0700 folder). One call per connection, in the
 * RPC's envelope (shared/control/rpc.ts) as one JSON line each way: in
 * `{ "type": "herald:call", "id": 1, "command": "status", "args": {} }` (a bare
 * `{ "command", "args" }` is taken as a call too), out `{ type, id, ok, result }` or
 * `{ type, id, ok: false, error: { code, message, retryAfter?, cause? } }`.
 */
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { CliCommand } from '../../shared/control/contract';
import { Rpc, type Handlers, type ReplyMessage } from '../../shared/control/rpc';
import type { Logger } from '../../shared/logger';

/** Longest request line accepted, in bytes. */
const MAX_REQUEST_BYTES = 64 * 1024;

export class ControlServer {
  private server: Server | undefined;

  constructor(
    readonly path: string,
    private readonly handlers: Handlers<CliCommand>,
    private readonly logger: Logger,
  ) {}

  /** Listens; refuses when another live Herald owns the socket, replaces a stale one. */
  async start(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    if (existsSync(this.path)) {
      if (await answers(this.path)) throw new Error(`another Herald is running here (its control socket ${this.path} answers)`);
      unlinkSync(this.path);
    }
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(this.path, 0o600);
    server.on('error', (err) => this.logger.warn('control socket error', { error: err.message }));
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }

  private serve(socket: Socket): void {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    const reply = (message: ReplyMessage): void => {
      socket.end(`${JSON.stringify(message)}\n`);
    };
    const refuse = (code: 'BAD_REQUEST' | 'PAYLOAD_TOO_LARGE', message: string): void => reply({ type: 'herald:reply', id: 0, ok: false, error: { code, message } });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) {
        refuse('PAYLOAD_TOO_LARGE', 'request too large');
        return;
      }
      const end = buffer.indexOf('\n');
      if (end < 0) return;
      const line = buffer.slice(0, end);
      socket.removeAllListeners('data');
      let request: { type?: unknown; id?: unknown; command?: unknown; args?: unknown };
      try {
        request = JSON.parse(line) as typeof request;
      } catch {
        refuse('BAD_REQUEST', 'send one JSON object per line');
        return;
      }
      if (typeof request !== 'object' || request === null || typeof request.command !== 'string') {
        refuse('BAD_REQUEST', 'command is required');
        return;
      }
      const rpc = new Rpc({ send: (message) => reply(message as ReplyMessage) }, { peer: 'the CLI' });
      rpc.serve(this.handlers);
      rpc.receive({ type: 'herald:call', id: typeof request.id === 'number' ? request.id : 0, command: request.command, args: request.args ?? {} });
    });
  }
}

/** Whether something listens on the Unix socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
