/**
 * A TCP proxy on 127.0.0.1 in front of a server of the test's, for faults no real server can be
 * made to show on cue: `freeze()` keeps what the server sends from reaching the clients, and
 * `cut()` drops it and closes every connection, as if the server had died before writing it.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Bytes from the server not passed on while frozen. */
  held: Buffer[];
}

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private frozen = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on a free port and forwards every connection to `targetPort`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy?.accept(client, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether what is held back contains `text` (e.g. a push id inside an encoded message). */
  holds(text: string): boolean {
    for (const pair of this.pairs) if (Buffer.concat(pair.held).includes(text)) return true;
    return false;
  }

  /** From now on what the server sends is held back (what clients send still goes through). */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * The server died with what was held back unsent: drops it and closes every connection (the
   * clients see their connection closed, as with the server killed), and forwards again.
   */
  cut(): void {
    for (const pair of this.pairs) this.end(pair);
    this.frozen = false;
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.end(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, targetPort: number): void {
    const upstream = createConnection({ port: targetPort, host: '127.0.0.1' });
    const pair: Pair = { client, upstream, held: [] };
    this.pairs.add(pair);
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (this.frozen) pair.held.push(chunk);
      else client.write(chunk);
    });
    // Either side gone (the server killed, the client closing): so is the other, and what was
    // held back dies with the server, never sent.
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.end(pair));
      socket.on('close', () => this.end(pair));
    }
  }

  private end(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.held = [];
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
