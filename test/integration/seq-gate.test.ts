/**
 * The delivery tracker and the seq gate on a real Socket.IO server, with an in-memory store
 * behind the gate: whatever order (or loss) live copies come in, the client sees each of its
 * seqs once, in order, with `prev` on what came from the store; ephemeral pushes wait behind a
 * fill; a kick never does; acks may not pass what was sent without a hole.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { Server } from 'socket.io';
import { systemClock } from '../../shared/clock';
import { createLogger } from '../../shared/logger';
import type { StoredMessage } from '../../shared/store';
import { Metrics } from '../../server/metrics';
import { DeliveryTracker } from '../../server/socket/delivery-tracker';
import { SeqGate, type GapSource } from '../../server/socket/seq-gate';
import type { HeraldSocket } from '../../server/socket/types';
import { closeClients, collect, connect, next } from '../support/clients';
import { sleep, waitFor } from '../support/wait';

interface Got {
  seq?: number;
  prev?: number;
  data: unknown;
}

/** A user's stored messages, as the SQL stores answer a replay read. */
class MemorySource implements GapSource {
  readonly messages: StoredMessage[] = [];
  cursorSeq = 0;
  failures = 0;
  reads = 0;

  add(seq: number, platform: string | null = null): void {
    this.messages.push({ id: `m${seq}`, uid: '1', seq, event: 'message', data: JSON.stringify({ n: seq }), topic: null, platform, createdAt: seq, expiresAt: Number.MAX_SAFE_INTEGER });
  }

  pageSize = Infinity;

  async read(uid: string, after: number, platform: string): Promise<StoredMessage[]> {
    this.reads++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('store down');
    }
    return this.messages.filter((m) => m.uid === uid && m.seq > after && (m.platform === null || m.platform === platform)).slice(0, this.pageSize);
  }

  async cursor(): Promise<number> {
    return this.cursorSeq;
  }
}

describe('seq gate on a Socket.IO server', function () {
  let http: HttpServer;
  let io: Server;
  let gate: SeqGate;
  let source: MemorySource;
  let url: string;
  let metrics: Metrics;

  beforeEach(async function () {
    http = createServer();
    io = new Server(http);
    metrics = new Metrics({ registry: new Registry() });
    const tracker = new DeliveryTracker(systemClock, metrics);
    tracker.attach(io.of('/').adapter);
    source = new MemorySource();
    gate = new SeqGate(source, systemClock, createLogger({ level: 'error', format: 'json' }), metrics, { retryBaseMs: 20, retryMaxMs: 50 });
    tracker.useGate(gate);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async function () {
    closeClients();
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  /** A client logged in as uid 1 (web, device d1) that was sent up to `sentSeq`. */
  async function loggedIn(sentSeq: number | undefined): Promise<{ server: HeraldSocket; client: Awaited<ReturnType<typeof connect>> }> {
    const joined = new Promise<HeraldSocket>((resolve) => io.once('connection', (s) => resolve(s as unknown as HeraldSocket)));
    const client = await connect(url);
    const server = await joined;
    Object.assign(server.data, { uid: '1', platform: 'web', device: 'd1', sentSeq });
    server.join('u:1');
    return { server, client };
  }

  /** A live copy of stored message `seq` through the adapter, as the push path sends it. */
  function live(seq: number): void {
    if (!source.messages.some((m) => m.seq === seq)) source.add(seq);
    io.to('u:1').emit('message', { id: `m${seq}`, seq, data: { n: seq }, ts: seq });
  }

  it('sends live copies in seq order at once, without reading the store', async function () {
    const { client } = await loggedIn(0);
    const got = collect<Got>(client, 'message');
    for (const seq of [1, 2, 3]) live(seq);
    await waitFor(() => got.length === 3);
    expect(got.map((m) => m.seq)).to.deep.equal([1, 2, 3]);
    expect(got.every((m) => m.prev === undefined)).to.equal(true);
    expect(source.reads).to.equal(0);
  });

  it('puts crossed live copies back in order from the store (6 before 5), and drops the late 5', async function () {
    const { server, client } = await loggedIn(4);
    const got = collect<Got>(client, 'message');
    source.add(5);
    live(6);
    live(5);
    await waitFor(() => got.length >= 2);
    await sleep(100);
    expect(got.map((m) => [m.seq, m.prev])).to.deep.equal([
      [5, 4],
      [6, 5],
    ]);
    expect(gate.highestSent(server)).to.equal(6);
    live(7);
    expect((await next<Got>(client, 'message')).seq).to.equal(7);
  });

  it('fills a lost live copy from the store when the next one arrives (a Redis blip)', async function () {
    const { client } = await loggedIn(0);
    const got = collect<Got>(client, 'message');
    live(1);
    source.add(2); // committed, but its live copy never came
    source.add(3);
    live(4);
    await waitFor(() => got.length === 4);
    expect(got.map((m) => m.seq)).to.deep.equal([1, 2, 3, 4]);
  });

  it('marks a hole that holds nothing for this device with prev instead of waiting (another platform)', async function () {
    const { client } = await loggedIn(4);
    const got = collect<Got>(client, 'message');
    source.add(5, 'ios');
    live(6);
    await waitFor(() => got.length === 1);
    expect(got[0]).to.include({ seq: 6, prev: 4 });
  });

  it('refuses nothing it should not: an ack may reach only what was sent without a hole', async function () {
    const { server } = await loggedIn(4);
    source.failures = 1000; // the store is away: the hole cannot be filled yet
    source.add(5);
    live(6);
    await sleep(100);
    expect(gate.highestSent(server)).to.equal(4);
    source.failures = 0;
    await waitFor(() => gate.highestSent(server) === 6);
  });

  it('holds ephemeral pushes behind a fill and sends them after it, but never holds a kick', async function () {
    const { client } = await loggedIn(0);
    const got = collect<Got>(client, 'message');
    source.failures = 3;
    source.add(1);
    live(2); // hole: fill (fails three times, then succeeds)
    io.to('u:1').emit('message', { id: 'e', data: 'ephemeral', ts: 0 });
    const kicked = next<{ reason: string }>(client, 'kick', 2000);
    io.to('u:1').emit('kick', { reason: 'admin', reconnect: false });
    expect((await kicked).reason).to.equal('admin');
    expect(got).to.deep.equal([]);
    await waitFor(() => got.length === 3, 3000);
    expect(got.map((m) => m.seq ?? m.data)).to.deep.equal([1, 2, 'ephemeral']);
  });

  it('replays at login before live copies that arrived meanwhile, minus what the replay carried', async function () {
    const { server, client } = await loggedIn(undefined);
    const got = collect<Got>(client, 'message');
    gate.beginLogin(server, '1');
    for (const seq of [1, 2, 3]) source.add(seq);
    live(3);
    live(4);
    await sleep(100);
    expect(got).to.deep.equal([]);
    gate.sendReplay(server, { after: 0, messages: source.messages.filter((m) => m.seq <= 3) });
    await waitFor(() => got.length === 4);
    expect(got.map((m) => [m.seq, m.prev])).to.deep.equal([
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 3],
    ]);
  });

  it('fills from the device cursor when the login replay could not be read', async function () {
    const { server, client } = await loggedIn(undefined);
    const got = collect<Got>(client, 'message');
    source.cursorSeq = 1;
    gate.beginLogin(server, '1');
    for (const seq of [1, 2]) source.add(seq);
    gate.sendReplay(server, undefined);
    live(3);
    await waitFor(() => got.length === 2);
    expect(got.map((m) => [m.seq, m.prev])).to.deep.equal([
      [2, 1],
      [3, 2],
    ]);
  });

  it('resends from the client`s own point on resync, and says how far the connection is complete', async function () {
    const { server, client } = await loggedIn(0);
    const got = collect<Got>(client, 'message');
    for (const seq of [1, 2, 3]) live(seq);
    await waitFor(() => got.length === 3);
    const through = await gate.resync(server, 1);
    expect(through).to.equal(3);
    await waitFor(() => got.length === 5);
    expect(got.slice(3).map((m) => [m.seq, m.prev])).to.deep.equal([
      [2, 1],
      [3, 2],
    ]);
  });

  it('re-syncs every logged-in socket after an outage, with nothing live to reveal the hole', async function () {
    const a = await loggedIn(0);
    const gotA = collect<Got>(a.client, 'message');
    source.add(1);
    source.add(2); // live copies lost while the adapter was cut off
    expect(gate.resyncAll(io.of('/').sockets.values() as Iterable<HeraldSocket>)).to.equal(1);
    await waitFor(() => gotA.length === 2);
    expect(gotA.map((m) => m.seq)).to.deep.equal([1, 2]);
  });

  it('re-syncs a gap larger than a store page page by page, oldest first, missing nothing', async function () {
    source.pageSize = 3; // replayLimit, as the store reads a page
    const { client } = await loggedIn(0);
    const got = collect<Got>(client, 'message');
    for (let seq = 1; seq <= 10; seq++) source.add(seq); // ten lost while the adapter was cut off
    expect(gate.resyncAll(io.of('/').sockets.values() as Iterable<HeraldSocket>)).to.equal(1);
    await waitFor(() => got.length === 10);
    await sleep(50);
    expect(got.map((m) => m.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(source.reads, 'four pages of at most three').to.equal(4);
  });

  it('fills a gap larger than a store page when a live copy reveals it, in order', async function () {
    source.pageSize = 2;
    const { client } = await loggedIn(0);
    const got = collect<Got>(client, 'message');
    live(1);
    for (let seq = 2; seq <= 6; seq++) source.add(seq); // committed, their live copies lost
    source.add(7);
    live(7);
    await waitFor(() => got.length === 7);
    await sleep(50);
    expect(got.map((m) => m.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
  });

  it('drops a copy of a user`s message that reaches a socket no longer logged in as anyone', async function () {
    const { server, client } = await loggedIn(0);
    const got = collect<Got>(client, 'message');
    server.data.uid = undefined;
    live(1);
    io.to('u:1').emit('message', { id: 'e', data: 'ephemeral', ts: 0 });
    await waitFor(() => got.length === 1);
    await sleep(50);
    expect(got.map((m) => m.data)).to.deep.equal(['ephemeral']);
  });

  it('starts a connection without a device after the user`s newest seq at login, and orders crossed copies from there', async function () {
    const { server, client } = await loggedIn(undefined);
    server.data.device = null;
    const got = collect<Got>(client, 'message');
    for (const seq of [1, 2, 3]) source.add(seq);
    gate.beginLogin(server, '1');
    gate.sendReplay(server, { after: 3, messages: [] });
    source.add(4);
    live(5); // crossed: 5 arrives first, 4 after it (two pushers)
    live(4);
    await waitFor(() => got.length === 2);
    await sleep(50);
    expect(got.map((m) => m.seq)).to.deep.equal([4, 5]);
  });

  it('reads where a connection without a device starts when the login could not (store away), then fills', async function () {
    const { server, client } = await loggedIn(undefined);
    server.data.device = null;
    const got = collect<Got>(client, 'message');
    source.add(1);
    source.cursorSeq = 1; // what the source answers as that connection's start
    source.add(2);
    live(3);
    await waitFor(() => got.length === 2);
    expect(got.map((m) => m.seq)).to.deep.equal([2, 3]);
  });
});
