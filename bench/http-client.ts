/**
 * A small keep-alive JSON client for the servers' HTTP endpoints (Herald's API, the baselines'
 * broadcast trigger). node:http with a pooled agent costs the bench process less per request
 * than fetch, which matters at thousands of requests a second on two cores.
 */
import { Agent, request } from 'node:http';

export interface JsonResponse {
  status: number;
  body: unknown;
}

export interface HttpClientOptions {
  /** Sockets kept open to the server. @default 32 */
  maxSockets: number;
  /** Milliseconds one request may take. @default 30000 */
  timeoutMs: number;
  headers: Record<string, string>;
}

export const DEFAULT_HTTP_CLIENT_OPTIONS: HttpClientOptions = { maxSockets: 32, timeoutMs: 30_000, headers: {} };

export class HttpClient {
  private readonly agent: Agent;
  private readonly options: HttpClientOptions;
  private readonly base: URL;

  constructor(baseUrl: string, options: Partial<HttpClientOptions> = {}) {
    this.options = { ...DEFAULT_HTTP_CLIENT_OPTIONS, ...options };
    this.base = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: this.options.maxSockets });
  }

  post(path: string, body: unknown): Promise<JsonResponse> {
    return this.send('POST', path, JSON.stringify(body));
  }

  get(path: string): Promise<JsonResponse> {
    return this.send('GET', path, undefined);
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, path: string, payload: string | undefined): Promise<JsonResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...this.options.headers, accept: 'application/json' };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const req = request(
        { host: this.base.hostname, port: this.base.port, path, method, headers, agent: this.agent, timeout: this.options.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text.length > 0 ? JSON.parse(text) : undefined;
            } catch {
              /* not JSON: keep the text */
            }
            resolve({ status: res.statusCode ?? 0, body });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${this.options.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
