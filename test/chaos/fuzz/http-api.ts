/**
 * Fuzz target `http`: random methods, paths, headers and bodies against the HTTP API (deep JSON,
 * huge numbers, __proto__ keys, bad encodings), mostly through node:http, some as raw bytes on a
 * TCP socket (request lines and headers node:http would refuse to send). Any 5xx is a finding.
 */
import { createConnection } from 'node:net';
import { http } from './engine-frames';
import { pushBodyText, show } from './inputs';
import type { Rng } from './rng';
import type { CaseResult, FuzzContext, FuzzTarget } from './target';

const API_KEY = 'local-development-api-key';

export class HttpApiTarget implements FuzzTarget {
  readonly name = 'http' as const;
  /** Answers by status (0: no answer, the connection closed). */
  private readonly statuses = new Map<number, number>();

  summary(): string {
    return `answers: ${[...this.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`;
  }

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  async run(rng: Rng, ctx: FuzzContext): Promise<CaseResult> {
    return rng.chance(0.85) ? this.structured(rng, ctx) : this.raw(rng, ctx);
  }

  private path(rng: Rng, ctx: FuzzContext): string {
    const uid = percent(rng.chance(0.7) ? rng.pick(ctx.uids) : rng.string(20));
    const n = (): string => rng.pick(['0', '1', '-1', '100', '1e3', '9007199254740993', 'abc', '', '0x10', '1.5', '%00']);
    return rng.pick([
      '/api/v1/push',
      '/api/v1/push',
      '/api/v1/push',
      '/api/v1/push/batch',
      '/api/v1/push/batch',
      `/api/v1/online/${uid}`,
      `/api/v1/users/${uid}/messages?after=${n()}&limit=${n()}`,
      `/api/v1/users/${uid}/messages?after=1&after=2&limit[]=3`,
      '/api/v1/kick',
      '/api/v1/stats',
      '/api/v1/endpoint',
      '/healthz',
      '/readyz',
      '/metrics',
      '//x/metrics',
      '/metrics/',
      '/api/v1/admin/login',
      '/api/v1/admin/session',
      '/console/',
      '/sdk/herald.js',
      '/api/v1/../../etc/passwd',
      '/api/v1/push?__proto__[x]=1',
      `/api/v1/${rng.string(10)}`,
      `/${percent(rng.string(30))}`,
      '/%',
      '/api/v1/online/%E0%A4%A',
      '*',
    ]);
  }

  private body(rng: Rng, ctx: FuzzContext, path: string): string | Buffer | undefined {
    const roll = rng.next();
    if (roll < 0.1) return undefined;
    if (roll < 0.15) return rng.bytes(rng.int(1, 300));
    if (path.startsWith('/api/v1/push/batch')) {
      const items = Array.from({ length: rng.pick([0, 1, 2, 5]) }, () => pushBodyText(rng, ctx.uids));
      return rng.pick([`{"pushes":[${items.join(',')}]}`, `{"pushes":${JSON.stringify(rng.json(2)) ?? 'null'}}`, `[${items.join(',')}]`]);
    }
    if (path === '/api/v1/kick') return rng.pick([`{"uid":${JSON.stringify(rng.pick(ctx.uids))}}`, `{"uid":${JSON.stringify(rng.json(2)) ?? 'null'},"reason":${JSON.stringify(rng.json(1)) ?? 'null'}}`]);
    if (path.startsWith('/api/v1/admin')) return JSON.stringify(rng.json(2)) ?? '';
    return pushBodyText(rng, ctx.uids);
  }

  private headers(rng: Rng, body: string | Buffer | undefined): Record<string, string> {
    const headers: Record<string, string> = {};
    const auth = rng.next();
    if (auth < 0.75) headers.authorization = `Bearer ${API_KEY}`;
    else if (auth < 0.85) headers.authorization = rng.pick(['Bearer', 'Bearer ', 'Basic abc', `Bearer ${'k'.repeat(5000)}`, `bearer ${API_KEY}`, `Bearer ${API_KEY} x`]);
    if (body !== undefined) {
      headers['content-type'] = rng.chance(0.85) ? 'application/json' : rng.pick(['text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']);
      if (rng.chance(0.05)) headers['content-encoding'] = rng.pick(['gzip', 'deflate', 'br', 'x']);
      if (rng.chance(0.05)) headers['content-length'] = String(rng.pick([0, 1, 10 ** 9]));
    }
    if (rng.chance(0.3)) headers['idempotency-key'] = rng.pick(['k1', 'same-key', '', ' ', 'x'.repeat(129), 'x'.repeat(128), 'ä', rng.string(20)]);
    if (rng.chance(0.1)) headers['x-forwarded-for'] = rng.pick(['1.2.3.4', '', 'x', '1.2.3.4, 5.6.7.8', '::1']);
    if (rng.chance(0.05)) headers.cookie = rng.pick(['herald_admin=abc', 'a=b; herald_admin=' + 'x'.repeat(4000)]);
    if (rng.chance(0.05)) headers.expect = '100-continue';
    return headers;
  }

  private async structured(rng: Rng, ctx: FuzzContext): Promise<CaseResult> {
    const path = this.path(rng, ctx);
    const posting = /^\/api\/v1\/(push|kick|admin\/login)/.test(path) && rng.chance(0.75);
    const method = posting ? 'POST' : rng.pick(['POST', 'GET', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND']);
    const body = method === 'GET' || method === 'HEAD' ? (rng.chance(0.1) ? this.body(rng, ctx, path) : undefined) : this.body(rng, ctx, path);
    const headers = this.headers(rng, body);
    const answer = await http(ctx.url, method, path, body, headers);
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    const input = `${method} ${path} headers=${JSON.stringify(headers).slice(0, 300)} body=${body === undefined ? '-' : show(body)}`;
    return answer.status >= 500 ? { input, serverError: `${answer.status} ${answer.body.slice(0, 300)}` } : { input };
  }

  /** Raw bytes on a TCP connection: a whole request, or a broken one. */
  private async raw(rng: Rng, ctx: FuzzContext): Promise<CaseResult> {
    const line = rng.pick([
      `POST /api/v1/push HTTP/1.1`,
      `GET //x/metrics HTTP/1.1`,
      `GET http://x/metrics HTTP/1.1`,
      `GET /socket.io/?EIO=4&transport=polling HTTP/1.0`,
      `${rng.string(8)} /${rng.string(10)} HTTP/1.1`,
      `GET / HTTP/9.9`,
      `GET /${'a'.repeat(rng.pick([100, 9000, 70_000]))} HTTP/1.1`,
      `GET`,
      ``,
    ]);
    const body = pushBodyText(rng, ctx.uids);
    const headerLines = [
      'Host: x',
      `Authorization: Bearer ${API_KEY}`,
      rng.pick(['Content-Type: application/json', 'Content-Type:', 'content-type: application/json\r\ncontent-type: text/plain']),
      rng.pick([`Content-Length: ${Buffer.byteLength(body)}`, 'Transfer-Encoding: chunked', `Content-Length: ${Buffer.byteLength(body)}\r\nTransfer-Encoding: chunked`, 'Content-Length: -1', 'Content-Length: 99999999999999999999', '']),
      rng.pick(['', 'X-Long: ' + 'h'.repeat(rng.pick([100, 20_000])), 'Bad Header: x', ' folded: x', `X-Bin: ${rng.string(10)}`]),
    ].filter((h) => h !== '');
    const chunked = headerLines.some((h) => h.includes('chunked')) && rng.chance(0.5);
    const payload = chunked ? `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n` : body;
    const cut = rng.chance(0.15);
    let text = `${line}\r\n${headerLines.join('\r\n')}\r\n\r\n${payload}`;
    if (cut) text = text.slice(0, rng.int(0, text.length));
    const status = await rawRequest(ctx.url, text);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    const input = `raw ${show(text, 400)}`;
    return status >= 500 ? { input, serverError: `raw answer ${status}` } : { input };
  }
}

/** Every UTF-8 byte of `text` as %XX (lone surrogates become U+FFFD, as in any UTF-8 encoder). */
function percent(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
}

/** Writes `text`, half-closes, and reads the status line of the answer (0 if none within 2 s). */
function rawRequest(baseUrl: string, text: string): Promise<number> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port) });
    let head = '';
    const done = (status: number): void => {
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => done(0), 2_000);
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (match !== null || head.length > 64) {
        clearTimeout(timer);
        done(match !== null ? Number(match[1]) : 0);
      }
    });
    socket.on('error', () => {
      clearTimeout(timer);
      done(0);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      done(0);
    });
    socket.end(text);
  });
}
