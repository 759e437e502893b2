/**
 * The local control socket the CLI talks to: a Unix domain socket `<runDir>/herald.sock` that
 * only Herald's user can open (mode 0600, in a 0700 folder). One JSON line in
 * (`{ "command": "status", "args": {} }`), one JSON line out (`{ ok, result }` or
 * `{ ok: false, error: { code, message } }`).
 */
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { toErrorBody } from '../../shared/errors';
import type { Logger } from '../../shared/logger';

export type CommandHandler = (command: string, args: Record<string, unknown>) => Promise<unknown>;

/** Longest request line accepted, in bytes. */
const MAX_REQUEST_BYTES = 64 * 1024;

export class ControlServer {
  private server: Server | undefined;

  constructor(
    readonly path: string,
    private readonly handle: CommandHandler,
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
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) {
        socket.end(`${JSON.stringify({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'request too large' } })}\n`);
        return;
      }
      const end = buffer.indexOf('\n');
      if (end < 0) return;
      const line = buffer.slice(0, end);
      socket.removeAllListeners('data');
      void this.answer(line).then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
  }

  private async answer(line: string): Promise<unknown> {
    let request: { command?: unknown; args?: unknown };
    try {
      request = JSON.parse(line) as { command?: unknown; args?: unknown };
    } catch {
      return { ok: false, error: { code: 'BAD_REQUEST', message: 'send one JSON object per line' } };
    }
    if (typeof request.command !== 'string') return { ok: false, error: { code: 'BAD_REQUEST', message: 'command is required' } };
    const args = typeof request.args === 'object' && request.args !== null ? (request.args as Record<string, unknown>) : {};
    try {
      return { ok: true, result: await this.handle(request.command, args) };
    } catch (err) {
      const body = toErrorBody(err);
      // Control commands are run by the operator: say what went wrong, even for unexpected errors.
      if (body.code === 'INTERNAL') body.message = (err as Error).message;
      return { ok: false, error: body };
    }
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
