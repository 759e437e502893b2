/**
 * The main site's webhook receiver over real HTTP: checks every request's signature (a bad one is
 * recorded and answered 401), and can be switched down (HTTP 500), stalled (no answer until
 * switched back) or normal. Events are kept as received and deduplicated by id, as a receiver
 * must.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { verifyWebhook } from '../../server/webhooks/webhook-signature';

export type ReceiverMode = 'ok' | 'down' | 'stall';

export interface ReceivedEvent {
  id: string;
  type: string;
  at: number;
  uid: string;
  [field: string]: unknown;
}

export class WebhookReceiver {
  mode: ReceiverMode = 'ok';
  /** Every request's events, 2xx or not, in arrival order. */
  readonly batches: ReceivedEvent[][] = [];
  /** Requests whose signature did not verify. */
  badSignatures = 0;
  /** Events answered 2xx, first copy of each id only, in arrival order. */
  readonly events: ReceivedEvent[] = [];
  /** Deliveries of an id already accepted (at-least-once: allowed, deduplicated). */
  duplicates = 0;
  private readonly seen = new Set<string>();
  private readonly stalled = new Set<ServerResponse>();
  private server: Server | undefined;
  url = '';

  constructor(private readonly secret: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${address.port}/hooks/herald`;
    return this;
  }

  /** Events of one type (deduplicated). */
  ofType(type: string): ReceivedEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  /** Answers every stalled request with 503 (the sender retries them). */
  releaseStalled(): void {
    for (const res of this.stalled) res.writeHead(503).end();
    this.stalled.clear();
  }

  async close(): Promise<void> {
    this.releaseStalled();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const ok = verifyWebhook(this.secret, String(req.headers['x-herald-timestamp'] ?? ''), body, String(req.headers['x-herald-signature'] ?? ''));
    if (!ok) {
      this.badSignatures++;
      res.writeHead(401).end();
      return;
    }
    const events = (JSON.parse(body) as { events: ReceivedEvent[] }).events;
    this.batches.push(events);
    if (this.mode === 'stall') {
      this.stalled.add(res);
      return;
    }
    if (this.mode === 'down') {
      res.writeHead(500).end('down');
      return;
    }
    for (const event of events) {
      if (this.seen.has(event.id)) {
        this.duplicates++;
        continue;
      }
      this.seen.add(event.id);
      this.events.push(event);
    }
    res.writeHead(204).end();
  }
}
