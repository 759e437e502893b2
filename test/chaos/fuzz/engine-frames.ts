/**
 * Fuzz target `engine`: raw Engine.IO / Socket.IO packets, over a raw WebSocket (text and binary
 * frames) and over HTTP long-polling (handshake, then random POST bodies and GET queries, with
 * real and made-up sids). A 500 answer is a finding; a closed connection is not.
 */
import { request } from 'node:http';
import WebSocket from 'ws';
import { deepLevels, show } from './inputs';
import type { Rng } from './rng';
import type { CaseResult, FuzzContext, FuzzTarget } from './target';

const OPEN_TIMEOUT_MS = 5_000;

export class EngineFramesTarget implements FuzzTarget {
  readonly name = 'engine' as const;
  /** Polling answers by status, and websockets opened (each one the server closed is reopened). */
  private readonly statuses = new Map<number, number>();
  private opened = 0;

  summary(): string {
    return `websockets opened: ${this.opened}; polling answers: ${[...this.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`;
  }
  private ws: WebSocket | undefined;
  private sid: string | undefined;

  async open(): Promise<void> {
    await this.close();
  }

  async run(rng: Rng, ctx: FuzzContext): Promise<CaseResult> {
    return rng.chance(0.65) ? this.websocketCase(rng, ctx) : this.pollingCase(rng, ctx);
  }

  async close(): Promise<void> {
    this.ws?.terminate();
    this.ws = undefined;
    this.sid = undefined;
  }

  private async websocketCase(rng: Rng, ctx: FuzzContext): Promise<CaseResult> {
    const ws = await this.websocket(ctx);
    const frames = rng.chance(0.2) ? [this.packet(rng), this.packet(rng)] : [this.packet(rng)];
    for (const frame of frames) {
      if (ws.readyState !== WebSocket.OPEN) break;
      ws.send(frame, { binary: Buffer.isBuffer(frame) });
    }
    // Let the server read it (a closed socket is a fine answer).
    await new Promise((resolve) => setTimeout(resolve, 2));
    return { input: `ws ${frames.map((f) => show(f, 200)).join(' + ')}` };
  }

  private async pollingCase(rng: Rng, ctx: FuzzContext): Promise<CaseResult> {
    if (this.sid === undefined || rng.chance(0.1)) {
      const hs = await http(ctx.url, 'GET', '/socket.io/?EIO=4&transport=polling', undefined);
      const match = /"sid":"([^"]+)"/.exec(hs.body);
      this.sid = match?.[1];
      if (hs.status >= 500) return { input: 'polling handshake', serverError: `${hs.status} ${hs.body.slice(0, 200)}` };
    }
    const sid = rng.chance(0.8) ? (this.sid ?? 'none') : rng.pick(['', 'x', 'A'.repeat(20), '../', '%00', rng.string(30)]);
    const query = rng.chance(0.85)
      ? `EIO=4&transport=polling&sid=${encodeURIComponent(sid.replace(/[\ud800-\udfff]/g, '\ufffd'))}`
      : rng.pick(['EIO=3&transport=polling', 'EIO=4&transport=websocket', 'EIO=5&transport=polling', 'transport=flashsocket', `EIO=4&transport=polling&sid=${sid}&sid=x`, `${rng.string(30).replace(/[^\x21-\x7e]/g, '_')}`, 'EIO=4&transport=polling&b64=1']);
    const method = rng.pick(['POST', 'POST', 'POST', 'GET', 'PUT', 'OPTIONS']);
    const body = method === 'POST' || method === 'PUT' ? this.pollingBody(rng) : undefined;
    const path = `/socket.io/?${query}`;
    // A GET on a live sid is a long poll: it is only given a moment, then dropped.
    const answer = await http(ctx.url, method, path, body, rng.chance(0.1) ? { 'content-type': rng.pick(['application/octet-stream', 'text/plain;charset=UTF-8', 'x/y']) } : {}, method === 'GET' ? 300 : 5_000);
    if (answer.status === 400 && /"sid"/.test(answer.body) === false && rng.chance(0.5)) this.sid = undefined;
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    const input = `polling ${method} ${path} ${body !== undefined ? show(body, 200) : ''}`;
    return answer.status >= 500 ? { input, serverError: `${answer.status} ${answer.body.slice(0, 200)}` } : { input };
  }

  private pollingBody(rng: Rng): string | Buffer {
    if (rng.chance(0.1)) return rng.bytes(rng.int(1, 200));
    const packets: string[] = [];
    for (let i = rng.int(1, 4); i > 0; i--) {
      const p = this.packet(rng);
      packets.push(typeof p === 'string' ? p : `b${p.toString('base64')}`);
    }
    return packets.join(rng.chance(0.9) ? '\x1e' : rng.pick(['', '\n', ':', '\x1e\x1e']));
  }

  /** One Engine.IO packet: mostly a Socket.IO packet inside a message, some broken on purpose. */
  private packet(rng: Rng): string | Buffer {
    const roll = rng.next();
    if (roll < 0.08) return rng.bytes(rng.int(0, 128));
    if (roll < 0.16) return rng.pick(['2', '3', '2probe', '3probe', '5', '6', '1', '0', '7', '9', '', '4', 'x']) + (rng.chance(0.3) ? rng.string(10) : '');
    if (roll < 0.2) return rng.string(40);
    const nsp = rng.chance(0.9) ? '' : rng.pick(['/admin,', '/x,', '/,', '//,', `/${rng.string(5)},`]);
    const ackId = rng.chance(0.5) ? '' : String(rng.pick([0, 1, 42, 2 ** 31, 2 ** 53, 99999999999999999999, -1]));
    const type = rng.pick(['0', '1', '2', '2', '2', '2', '3', '4', '5', '6', '7']);
    const event = rng.pick(['login', 'ack', 'heartbeat', 'subscribe', 'logout', 'unsubscribe', 'message', '__proto__', 'toString', rng.string(8)]);
    let payload: string;
    const p = rng.next();
    if (p < 0.05) payload = `[${JSON.stringify(event)},${rng.deepJsonText(deepLevels(rng))}]`;
    else if (p < 0.1) payload = `[${JSON.stringify(event)},{"_placeholder":true,"num":${rng.pick([0, 1, -1, 99, '"x"'])}}]`;
    else if (p < 0.15) payload = rng.pick(['[', '[]', '{}', 'null', '"x"', '[1]', '[{"a":1}]', '[null]', `["${event}"`]);
    else payload = JSON.stringify([event, ...Array.from({ length: rng.int(0, 2) }, () => rng.json(3))]);
    const attachments = type === '5' || type === '6' ? `${rng.pick([0, 1, 2, 1000, -1])}-` : '';
    return `4${type}${attachments}${nsp}${ackId}${type === '0' && rng.chance(0.5) ? JSON.stringify(rng.json(2)) ?? '' : payload}`;
  }

  private async websocket(ctx: FuzzContext): Promise<WebSocket> {
    if (this.ws !== undefined && this.ws.readyState === WebSocket.OPEN) return this.ws;
    this.ws?.terminate();
    const ws = new WebSocket(`${ctx.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    this.ws = ws;
    this.opened++;
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => {
      // Answer pings, as a client would, so the connection is not dropped for silence.
      if (data.toString() === '2') ws.send('3');
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('websocket did not open')), OPEN_TIMEOUT_MS);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return ws;
  }
}

interface HttpAnswer {
  status: number;
  body: string;
}

/** One HTTP request on a fresh connection; a reset or timeout is status 0. */
export function http(baseUrl: string, method: string, path: string, body: string | Buffer | undefined, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<HttpAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    let req;
    try {
      req = request(
        { host: url.hostname, port: url.port, path, method, headers: { connection: 'close', ...headers }, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', () => resolve({ status: res.statusCode ?? 0, body: '' }));
        },
      );
    } catch (err) {
      resolve({ status: -1, body: `client refused to send: ${(err as Error).message}` });
      return;
    }
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}
