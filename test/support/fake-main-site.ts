/**
 * The main site's verification API, faked over real HTTP: it knows some credentials, can be
 * switched to failing (HTTP 500), hanging (no answer) or rejecting everything, and records what
 * it was asked.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type MainSiteMode = 'normal' | 'down' | 'hang' | 'reject';

export interface VerifyCall {
  type: string;
  value: string;
  platform: string;
  ip: string;
}

export class FakeMainSite {
  mode: MainSiteMode = 'normal';
  readonly calls: VerifyCall[] = [];
  private readonly credentials = new Map<string, string>();
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  url = '';

  /** `value` (a ukey or token) logs in as `uid`. */
  allow(value: string, uid: string): this {
    this.credentials.set(value, uid);
    return this;
  }

  /** The main site revokes `value`: it is refused from now on. */
  revoke(value: string): this {
    this.credentials.delete(value);
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/verify`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let call: VerifyCall;
    try {
      call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as VerifyCall;
    } catch {
      res.writeHead(400).end();
      return;
    }
    this.calls.push(call);
    if (this.mode === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (this.mode === 'down') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    const uid = this.mode === 'normal' ? this.credentials.get(call.value) : undefined;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(uid !== undefined ? { code: 0, data: { uid } } : { code: 1001, msg: 'invalid credential' }));
  }
}
