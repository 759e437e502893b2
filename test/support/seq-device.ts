/**
 * A device under a stream of pushes, as the SDK behaves: drops a durable push whose seq it has
 * already passed, counts one that arrives after a higher one (out of order), keeps the data `n`
 * of ephemeral pushes, and acks its highest seq every 300 ms. The fault tests compare what each
 * device holds with what the API answered 200 for.
 */
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, connect, type Client } from './clients';

export class SeqDevice {
  /** Durable seqs in arrival order, duplicates dropped. */
  readonly seqs: number[] = [];
  /** `data.n` of each ephemeral push that arrived. */
  readonly ephemeral: number[] = [];
  outOfOrder = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(readonly socket: Client) {}

  static async login(url: string, uid: string, device: string): Promise<SeqDevice> {
    const socket = await connect(url);
    const d = new SeqDevice(socket);
    socket.on('message', (p: { seq?: number; data?: { n?: unknown } }) => {
      if (p.seq === undefined) {
        if (typeof p.data?.n === 'number') d.ephemeral.push(p.data.n);
        return;
      }
      const last = d.seqs[d.seqs.length - 1] ?? 0;
      if (p.seq <= last) {
        // A duplicate is dropped; a seq below the last that was never seen arrived out of order.
        if (!d.seqs.includes(p.seq)) d.outOfOrder++;
        return;
      }
      d.seqs.push(p.seq);
    });
    const answer = await call(socket, 'login', { token: signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 }), device });
    expect(answer.ok, JSON.stringify(answer)).to.equal(true);
    d.timer = setInterval(() => {
      const last = d.seqs[d.seqs.length - 1];
      if (last !== undefined) socket.emit('ack', { seq: last }, () => undefined);
    }, 300);
    return d;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
