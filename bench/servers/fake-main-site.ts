/**
 * The main site's verification API for the `http` verifier, as fast as a fake can be: every
 * `ukey-<uid>` is good for `<uid>` (the answer shape is Herald's default: `{code:0, data:{uid}}`),
 * anything else is refused. Runs in the bench process.
 */
import { createServer, type Server } from 'node:http';
import { UKEY_PREFIX } from '../load/messages';

export class FakeMainSite {
  private server: Server | undefined;
  url = '';
  calls = 0;

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.calls++;
        let value = '';
        try {
          value = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value?: unknown }).value ?? '');
        } catch {
          res.writeHead(400).end();
          return;
        }
        const body = value.startsWith(UKEY_PREFIX) ? { code: 0, data: { uid: value.slice(UKEY_PREFIX.length) } } : { code: 1001, msg: 'invalid credential' };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    server.keepAliveTimeout = 30_000;
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/verify`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
