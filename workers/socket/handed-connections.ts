/**
 * The worker's side of the connections the primary hands over (@socket.io/sticky's
 * `sticky:connection`, or `herald:tls-connection` under TLS):
 *
 * - Each one must send its first request head within `headTimeoutMs`, or it is closed. Node's
 *   own `headersTimeout` is checked only by servers that listen, and a worker's never does, so a
 *   connection that sent half a request stayed open forever (400 of them after 150 s).
 * - Its close is reported to the primary (`herald:connection-closed`), which counts open
 *   connections per client address and per worker (server/primary/connection-limits.ts).
 */
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { systemClock, type Clock } from '../../shared/clock';
import { HeadDeadlines } from '../../server/cluster/head-deadlines';

export interface HandedConnectionsOptions {
  /** Milliseconds a handed-over connection has to send its first request head. @default 10000 (10 s) */
  headTimeoutMs: number;
  /** TLS: the request arrives on the TLS socket the server wraps around the handed one. @default false */
  tls: boolean;
  clock: Clock;
  /** Sends a message to the primary. @default process.send */
  send: (message: ConnectionClosed) => void;
}

export interface ConnectionClosed {
  type: 'herald:connection-closed';
  /** The id the primary gave the connection at hand-off. */
  connection: number;
}

export const DEFAULT_HANDED_CONNECTIONS_OPTIONS: HandedConnectionsOptions = {
  headTimeoutMs: 10_000,
  tls: false,
  clock: systemClock,
  send: (message) => {
    if (process.connected) process.send?.(message, undefined, {}, () => undefined);
  },
};

export class HandedConnections {
  private readonly options: HandedConnectionsOptions;
  readonly deadlines: HeadDeadlines;
  /** The 'close' listener of every handed-over socket (`this` is the socket). */
  private readonly onClose: (this: HandedSocket) => void;

  constructor(
    private readonly server: HttpServer,
    options: Partial<HandedConnectionsOptions> = {},
  ) {
    this.options = { ...DEFAULT_HANDED_CONNECTIONS_OPTIONS, ...options };
    this.deadlines = new HeadDeadlines(this.options.clock, { timeoutMs: this.options.headTimeoutMs });
    const send = this.options.send;
    this.onClose = function () {
      send({ type: 'herald:connection-closed', connection: this[CONNECTION_ID] ?? -1 });
    };
  }

  /** Call after the gateway and @socket.io/sticky's worker half are installed. */
  start(): void {
    this.deadlines.start();
    // Under TLS the deadline starts once the handshake is done (the https server's own
    // handshakeTimeout covers the handshake).
    this.server.on(this.options.tls ? 'secureConnection' : 'connection', this.onConnection);
    this.server.on('request', this.onRequest);
    this.server.on('upgrade', this.onRequest);
    process.on('message', this.onMessage);
  }

  close(): void {
    this.server.off(this.options.tls ? 'secureConnection' : 'connection', this.onConnection);
    this.server.off('request', this.onRequest);
    this.server.off('upgrade', this.onRequest);
    process.off('message', this.onMessage);
    this.deadlines.close();
  }

  private readonly onConnection = (socket: Socket): void => this.deadlines.add(socket);

  private readonly onRequest = (req: IncomingMessage): void => this.deadlines.done(req.socket);

  private readonly onMessage = (message: unknown, socket?: unknown): void => {
    const msg = message as { type?: unknown; connection?: unknown } | null;
    if (msg?.type !== 'sticky:connection' && msg?.type !== 'herald:tls-connection') return;
    const id = msg.connection;
    if (typeof id !== 'number') return;
    // A socket closed during the transfer arrives as undefined: it is gone already.
    if (socket === undefined || socket === null || (socket as Socket).destroyed) return this.options.send({ type: 'herald:connection-closed', connection: id });
    // The id rides on the socket and one listener serves every connection: no closure per connection.
    (socket as HandedSocket)[CONNECTION_ID] = id;
    (socket as Socket).on('close', this.onClose);
  };

}

/** The primary's id of a handed-over connection, kept on its socket for the close report. */
const CONNECTION_ID = Symbol('herald.connectionId');
type HandedSocket = Socket & { [CONNECTION_ID]?: number };
