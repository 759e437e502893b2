/**
 * HTTP connections of a worker: how long an idle keep-alive connection stays open, and how a
 * draining worker lets go of them without cutting a call.
 *
 * Two ways a keep-alive caller lost calls (issue 11, item 3):
 * - Node announced `Keep-Alive: timeout=5` and closed the idle connection at exactly 5 s after the
 *   response was written. A client's own clock starts when it has read the response, later; one
 *   that reuses the connection just inside the announced time writes into a socket the server is
 *   closing: "socket hang up"/ECONNRESET (12 of 120,000 calls in a soak). Here the server
 *   announces `timeout=N` and closes only `graceMs` after it, so a client that keeps to the
 *   announcement never meets a closed connection. (A client that ignores the hint, like
 *   `new http.Agent({ keepAlive: true })` without a `timeout`, still races the close at N + grace;
 *   give it `timeout` below N seconds: docs/API.md.)
 * - A worker's http.Server never listens (the primary hands it sockets), so `server.close()` left
 *   every keep-alive connection open and the worker closed its message store while calls kept
 *   arriving on them (503 "The message store is closed"), then exited under them (reset
 *   connections, "other side closed"). `drain()` answers every request from then on with
 *   `Connection: close` (Node closes the connection after that answer), serves what arrives on a
 *   connection the client may still reuse, and resolves once every connection is gone: an idle one
 *   goes when its announced keep-alive has run out, exactly as if nothing were draining. Only then
 *   does the worker close the store (worker.ts).
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface KeepAliveOptions {
  /**
   * Seconds an idle connection may be reused, announced as `Keep-Alive: timeout=N`.
   * @default 5 (Node's own default)
   */
  timeout: number;
  /**
   * Milliseconds past the announced timeout before the server closes an idle connection: room for
   * the client's later start of its timer, network latency and event-loop lag.
   * @default 2000
   */
  graceMs: number;
  /** Whether a request's connection may stay open; false answers `Connection: close`. @default always */
  keepConnection: (req: IncomingMessage) => boolean;
}

export const DEFAULT_KEEP_ALIVE_OPTIONS: KeepAliveOptions = {
  timeout: 5,
  graceMs: 2000,
  keepConnection: () => true,
};

export class KeepAliveConnections {
  private readonly options: KeepAliveOptions;
  /** Sockets that carried at least one request and are still open. */
  private readonly sockets = new Set<Socket>();
  /** Answers not yet sent: they get `Connection: close` when a drain starts. */
  private readonly pending = new Set<ServerResponse>();
  private draining = false;
  private onSocketGone: (() => void) | undefined;

  constructor(options: Partial<KeepAliveOptions> = {}) {
    this.options = { ...DEFAULT_KEEP_ALIVE_OPTIONS, ...options };
  }

  /** Installs itself on `server`: before any other request listener, so every answer gets its headers. */
  attach(server: HttpServer): void {
    server.keepAliveTimeout = this.options.timeout * 1000 + this.options.graceMs;
    // Node warns that a headers timeout at or below the keep-alive timeout can cut a request whose
    // headers arrive just as the idle time ends; keep it above.
    if (server.headersTimeout <= server.keepAliveTimeout) server.headersTimeout = server.keepAliveTimeout + 1000;
    server.prependListener('request', this.onRequest);
  }

  /** Open HTTP connections (not upgraded ones). */
  get size(): number {
    return this.sockets.size;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * From now on every answer closes its connection; resolves when no connection is left, or at
   * `timeoutMs`, when what is left is destroyed (the worker is about to exit anyway).
   */
  async drain(timeoutMs: number): Promise<{ closed: number; destroyed: number }> {
    this.draining = true;
    for (const res of this.pending) closeAfter(res);
    const before = this.sockets.size;
    if (before > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref?.();
        this.onSocketGone = () => {
          if (this.sockets.size > 0) return;
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.onSocketGone = undefined;
    const destroyed = this.sockets.size;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    return { closed: before - destroyed, destroyed };
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket;
    if (!this.sockets.has(socket)) {
      this.sockets.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        this.onSocketGone?.();
      });
    }
    this.pending.add(res);
    res.once('close', () => this.pending.delete(res));
    if (this.draining || !this.options.keepConnection(req)) {
      closeAfter(res);
    } else if (res.shouldKeepAlive) {
      // Set both: with its own `Connection` header Node adds no `Keep-Alive: timeout=` of its own,
      // which would announce keepAliveTimeout (N + grace) instead of N. `shouldKeepAlive` is false
      // when the client asked for close or spoke HTTP/1.0 without keep-alive.
      res.setHeader('Connection', 'keep-alive');
      res.setHeader('Keep-Alive', `timeout=${this.options.timeout}`);
    }
  };
}

function closeAfter(res: ServerResponse): void {
  if (res.headersSent) return;
  res.removeHeader('Keep-Alive');
  res.setHeader('Connection', 'close');
}
