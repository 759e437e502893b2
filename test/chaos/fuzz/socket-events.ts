/**
 * Fuzz target `socket`: random and malformed payloads to every client event (and to unknown
 * ones), with and without an answer callback, from logged-in and anonymous sockets.
 */
import { io, type Socket } from 'socket.io-client';
import { deepLevels, show } from './inputs';
import type { Rng } from './rng';
import type { CaseResult, FuzzContext, FuzzTarget } from './target';

const EVENTS = ['login', 'logout', 'heartbeat', 'ack', 'subscribe', 'unsubscribe'] as const;
const ANSWER_TIMEOUT_MS = 2_000;
const POOL = 4;

export class SocketEventsTarget implements FuzzTarget {
  readonly name = 'socket' as const;
  private sockets: (Socket | undefined)[] = [];
  private turn = 0;
  private ctx: FuzzContext | undefined;
  /** Calls with a callback that were never answered (unknown events are not answered). */
  unanswered = 0;

  async open(ctx: FuzzContext): Promise<void> {
    await this.close();
    this.ctx = ctx;
    this.sockets = new Array<Socket | undefined>(POOL).fill(undefined);
  }

  async run(rng: Rng, ctx: FuzzContext): Promise<CaseResult> {
    const slot = this.turn++ % POOL;
    const socket = await this.socketAt(slot, ctx);
    const event = rng.chance(0.85) ? rng.pick(EVENTS) : rng.pick(['message', 'rejected', 'kick', 'error', '__proto__', 'constructor', rng.string(12)]);
    const args = this.payloads(rng, event);
    const withAnswer = rng.chance(0.7);
    const input = `socket#${slot} emit ${JSON.stringify(event)} ${show(argsText(args))}${withAnswer ? ' with callback' : ''}`;
    try {
      if (withAnswer) {
        const answer = (await socket.timeout(ANSWER_TIMEOUT_MS).emitWithAck(event, ...args)) as { ok?: boolean; error?: { code?: string; message?: string } } | undefined;
        if (answer?.error?.code === 'INTERNAL') return { input, serverError: `INTERNAL: ${answer.error.message ?? ''}` };
      } else {
        socket.emit(event, ...args);
        // A barrier: the answer to a heartbeat comes after the server handled the event above.
        await socket.timeout(ANSWER_TIMEOUT_MS).emitWithAck('heartbeat', {});
      }
    } catch {
      if (socket.connected) this.unanswered++;
    }
    return { input };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket?.disconnect();
    this.sockets = [];
  }

  /** The socket in `slot`, connected (and logged in for even slots); a closed one is replaced. */
  private async socketAt(slot: number, ctx: FuzzContext): Promise<Socket> {
    const existing = this.sockets[slot];
    if (existing?.connected) return existing;
    existing?.disconnect();
    const socket = io(ctx.url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 5_000 });
    this.sockets[slot] = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    if (slot % 2 === 0) await socket.timeout(5_000).emitWithAck('login', { token: ctx.tokens[slot % ctx.tokens.length], device: `fuzz-${slot}` }).catch(() => undefined);
    return socket;
  }

  private payloads(rng: Rng, event: string): unknown[] {
    const count = rng.pick([0, 1, 1, 1, 1, 2, 3]);
    const out: unknown[] = [];
    for (let i = 0; i < count; i++) out.push(this.payload(rng, event));
    return out;
  }

  private payload(rng: Rng, event: string): unknown {
    const roll = rng.next();
    if (roll < 0.03) return JSON.parse(rng.deepJsonText(Math.min(deepLevels(rng), 3000)));
    if (roll < 0.06) return rng.bytes(rng.int(0, 64));
    if (roll < 0.35) return rng.json(3);
    const ctx = this.ctx as FuzzContext;
    switch (event) {
      case 'login':
        return rng.pick([
          { token: rng.pick(ctx.tokens) },
          { token: rng.pick(ctx.tokens), platform: rng.json(1), device: rng.json(1) },
          { ukey: rng.string(40) },
          { token: rng.string(200) },
          { token: rng.pick(ctx.tokens), ukey: 'x' },
          { token: 'x'.repeat(rng.pick([1000, 100_000])) },
          { token: rng.pick(ctx.tokens), device: 'd'.repeat(rng.pick([64, 65, 1000])) },
          { token: rng.json(2) },
        ]);
      case 'ack':
        return { seq: rng.chance(0.5) ? rng.number() : rng.json(1) };
      case 'subscribe':
      case 'unsubscribe':
        return { topic: rng.pick(['public.a', 'public.**', 'user.' + rng.pick(ctx.uids), 'room.x', '', '.', '..', 'a'.repeat(1000), rng.string(30)]) };
      case 'heartbeat':
        return { body: rng.json(3) };
      default:
        return rng.json(2);
    }
  }
}

function argsText(args: unknown[]): string {
  try {
    return JSON.stringify(args.map((a) => (Buffer.isBuffer(a) ? `<buffer ${a.toString('hex')}>` : a))) ?? '';
  } catch (err) {
    return `<unprintable: ${(err as Error).message}>`;
  }
}
