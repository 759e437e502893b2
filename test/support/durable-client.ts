/**
 * A client that behaves like the SDK towards durable pushes, over plain socket.io-client: it logs
 * in with a device id, keeps every push, drops duplicates by seq, acks the highest seq it received
 * on the current connection, and can reconnect and log in again with the same device.
 */
import { expect } from 'chai';
import { call, connect, type Client } from './clients';

export interface Received {
  id: string;
  seq?: number;
  data: unknown;
  ts: number;
  topic?: string;
  event: string;
}

export class DurableClient {
  socket: Client | undefined;
  /** Every push as it arrived, duplicates included. */
  readonly arrivals: Received[] = [];
  /** Login answers, one per (re)connection. */
  readonly logins: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  private highestThisConnection = 0;

  constructor(
    private readonly url: string,
    private readonly credentials: Record<string, string>,
    readonly device: string,
  ) {}

  /** Connects (again) and logs in; resolves with the login answer. */
  async login(url = this.url): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const socket = await connect(url);
    this.socket = socket;
    this.highestThisConnection = 0;
    socket.onAny((event: string, payload: Omit<Received, 'event'>) => {
      if (event === 'kick' || event === 'rejected' || event === 'login' || typeof payload !== 'object' || payload === null || !('id' in payload)) return;
      this.arrivals.push({ ...payload, event });
      if (payload.seq !== undefined && payload.seq > this.highestThisConnection) this.highestThisConnection = payload.seq;
    });
    const answer = await call(socket, 'login', { ...this.credentials, device: this.device });
    expect(answer.ok, JSON.stringify(answer)).to.equal(true);
    this.logins.push(answer);
    return answer;
  }

  /** Acks the highest seq received on this connection. */
  async ack(): Promise<void> {
    if (this.socket === undefined || this.highestThisConnection === 0) return;
    const answer = await call(this.socket, 'ack', { seq: this.highestThisConnection });
    expect(answer, JSON.stringify(answer)).to.deep.equal({ ok: true });
  }

  /** What a handler would have seen: the durable pushes once each, by seq, in arrival order. */
  handled(): Received[] {
    const seen = new Set<number>();
    const out: Received[] = [];
    for (const r of this.arrivals) {
      if (r.seq === undefined) continue;
      if (seen.has(r.seq)) continue;
      seen.add(r.seq);
      out.push(r);
    }
    return out;
  }

  /** Seqs as they arrived (duplicates included). */
  seqs(): number[] {
    return this.arrivals.filter((r) => r.seq !== undefined).map((r) => r.seq as number);
  }

  close(): void {
    this.socket?.disconnect();
    this.socket = undefined;
  }
}
