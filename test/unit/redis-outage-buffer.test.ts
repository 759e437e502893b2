/**
 * The Redis outage buffer on a fake clock with fake publisher and subscriber connections: order,
 * bounds, what failed in flight, and the wait for the other processes after a Redis restart.
 * (The real thing, two hosts through a Redis restart: test/integration/redis-outage-ephemeral.)
 */
import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import type Redis from 'ioredis';
import { HeraldError } from '../../shared/errors';
import { silentLogger } from '../../shared/logger';
import { RedisOutageBuffer, type RedisOutageBufferOptions, type RedisRecovery } from '../../server/cluster/redis-outage-buffer';
import { createFakeClock, type FakeClock } from '../support/fake-clock';

/** Just what the buffer uses of an ioredis client. */
class FakeRedis extends EventEmitter {
  status = 'ready';
  runId = 'aaaa1111';
  /** Members of the readiness sets, by key. */
  readonly sets = new Map<string, Set<string>>();
  /** Published, in order. */
  readonly published: string[] = [];
  /** Publishes whose answer the test decides (publishHeld = true). */
  readonly pending: { payload: string; resolve: () => void; reject: (err: Error) => void }[] = [];
  publishHeld = false;
  subscribers = 0;
  pingAnswered = true;
  private pings: (() => void)[] = [];

  spublish(_channel: string, payload: string): Promise<number> {
    if (this.status !== 'ready') return Promise.reject(new Error("Stream isn't writeable"));
    if (this.publishHeld) return new Promise((resolve, reject) => this.pending.push({ payload, resolve: () => { this.published.push(payload); resolve(1); }, reject }));
    this.published.push(payload);
    return Promise.resolve(1);
  }
  ping(): Promise<string> {
    if (this.pingAnswered) return Promise.resolve('PONG');
    return new Promise((resolve) => this.pings.push(() => resolve('PONG')));
  }
  answerPings(): void {
    this.pingAnswered = true;
    for (const answer of this.pings.splice(0)) answer();
  }
  info(): Promise<string> {
    return Promise.resolve(`# Server\r\nredis_version:7.2.4\r\nrun_id:${this.runId}\r\n`);
  }
  multi() {
    const ops: (() => void)[] = [];
    const chain = {
      sadd: (key: string, member: string) => {
        ops.push(() => this.members(key).add(member));
        return chain;
      },
      pexpire: () => chain,
      exec: async () => {
        for (const op of ops) op();
        return [];
      },
    };
    return chain;
  }
  scard(key: string): Promise<number> {
    return Promise.resolve(this.members(key).size);
  }
  pubsub(): Promise<[string, number]> {
    return Promise.resolve(['ch', this.subscribers]);
  }
  members(key: string): Set<string> {
    let set = this.sets.get(key);
    if (set === undefined) this.sets.set(key, (set = new Set()));
    return set;
  }
  /** The connection drops: what is in flight fails, as with `failInFlight`. */
  drop(): void {
    this.status = 'reconnecting';
    for (const p of this.pending.splice(0)) p.reject(new Error('Reached the max retries per request limit (which is 0)'));
    this.emit('close');
  }
  back(): void {
    this.status = 'ready';
    this.emit('ready');
  }
}

describe('Redis outage buffer', function () {
  let clock: FakeClock;
  let pub: FakeRedis;
  let sub: FakeRedis;
  let buffer: RedisOutageBuffer;
  let recoveries: RedisRecovery[];

  function make(options: Partial<RedisOutageBufferOptions> = {}): RedisOutageBuffer {
    buffer = new RedisOutageBuffer(
      { pub: pub as unknown as Redis, sub: sub as unknown as Redis, logger: silentLogger(), prefix: 'h:', nodeId: 'node-a', countChannel: 'h:socket.io#/#', clock },
      options,
    );
    recoveries = [];
    buffer.onRecovered((r) => {
      recoveries.push(r);
    });
    buffer.start();
    return buffer;
  }

  /** Lets promise chains run, then fake time pass, then promise chains again. */
  async function settle(ms = 0): Promise<void> {
    const turns = async () => {
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    await turns();
    await clock.tick(ms);
    await turns();
  }

  function bothDown(): void {
    pub.drop();
    sub.drop();
  }
  function bothBack(): void {
    pub.back();
    sub.back();
  }

  beforeEach(function () {
    clock = createFakeClock(1_000_000);
    pub = new FakeRedis();
    sub = new FakeRedis();
  });
  afterEach(function () {
    buffer?.close();
  });

  it('publishes at once while up, and fires no recovery listener at the first start', async function () {
    make();
    await settle();
    expect(buffer.state).to.equal('up');
    buffer.publish('c', 'one', 'ephemeral-push');
    expect(pub.published).to.deep.equal(['one']);
    expect(recoveries).to.deep.equal([]);
  });

  it('holds what is published while Redis is away and sends it, in order and before anything newer, once back', async function () {
    make();
    await settle();
    buffer.publish('c', 'before', 'ephemeral-push');
    bothDown();
    await settle();
    expect(buffer.state).to.equal('down');
    for (const p of ['a', 'b', 'c']) buffer.publish('c', p, 'ephemeral-push');
    buffer.publish('c', 'kick', 'other');
    expect(pub.published).to.deep.equal(['before']);
    await clock.tick(3000);
    bothBack();
    await settle();
    expect(buffer.state).to.equal('up');
    buffer.publish('c', 'after', 'ephemeral-push');
    expect(pub.published).to.deep.equal(['before', 'a', 'b', 'c', 'kick', 'after']);
    expect(recoveries).to.have.length(1);
    expect(recoveries[0]).to.include({ flushed: 4, refused: 0, dropped: 0, restarted: false });
    expect(recoveries[0]?.pausedMs).to.be.at.least(3000);
  });

  it('takes back, in their place, the deliveries that were in flight when the connection dropped', async function () {
    make();
    await settle();
    pub.publishHeld = true;
    buffer.publish('c', 'in-flight-1', 'ephemeral-push');
    buffer.publish('c', 'in-flight-2', 'ephemeral-push');
    pub.drop();
    buffer.publish('c', 'held', 'ephemeral-push');
    await settle();
    expect(buffer.stats()).to.include({ state: 'down', held: 3, inFlight: 0 });
    pub.publishHeld = false;
    pub.back();
    await settle();
    expect(pub.published).to.deep.equal(['in-flight-1', 'in-flight-2', 'held']);
  });

  it('drops, and does not retry, a delivery Redis answered with an error', async function () {
    make();
    await settle();
    pub.publishHeld = true;
    buffer.publish('c', 'refused by Redis', 'ephemeral-push');
    const err = new Error('ERR unknown command');
    err.name = 'ReplyError';
    pub.pending.shift()?.reject(err);
    await settle();
    expect(buffer.stats()).to.include({ state: 'up', held: 0, dropped: 1 });
  });

  it('refuses ephemeral pushes with REDIS_UNAVAILABLE past maxMessages, drops other deliveries, and keeps what it took', async function () {
    make({ maxMessages: 2, retryAfterSeconds: 1 });
    await settle();
    bothDown();
    for (const p of ['a', 'b']) {
      buffer.admit();
      buffer.publish('c', p, 'ephemeral-push');
    }
    let thrown: unknown;
    try {
      buffer.admit();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(HeraldError);
    expect((thrown as HeraldError).toBody()).to.include({ code: 'REDIS_UNAVAILABLE', retryAfter: 1 });
    expect((thrown as HeraldError).status).to.equal(503);
    buffer.publish('c', 'durable', 'other');
    bothBack();
    await settle();
    expect(pub.published).to.deep.equal(['a', 'b']);
    expect(recoveries[0]).to.include({ flushed: 2, refused: 1, dropped: 1 });
    // Up again: no bound applies.
    buffer.admit();
  });

  it('refuses new pushes once the oldest held one has waited maxAgeMs, and refuses nothing before', async function () {
    make({ maxAgeMs: 10_000 });
    await settle();
    bothDown();
    buffer.admit();
    buffer.publish('c', 'old', 'ephemeral-push');
    await clock.tick(9_999);
    buffer.admit();
    buffer.publish('c', 'younger', 'ephemeral-push');
    await clock.tick(1);
    expect(() => buffer.admit()).to.throw(HeraldError, /outage buffer is full/);
  });

  it('refuses past maxBytes', async function () {
    make({ maxBytes: 10 });
    await settle();
    bothDown();
    buffer.admit();
    buffer.publish('c', '0123456789', 'ephemeral-push');
    expect(() => buffer.admit()).to.throw(HeraldError);
  });

  it('sends nothing until its own subscriber has subscribed again (a PING answered after the re-subscriptions)', async function () {
    make();
    await settle();
    bothDown();
    buffer.publish('c', 'held', 'ephemeral-push');
    sub.pingAnswered = false;
    bothBack();
    await settle(100);
    expect(buffer.state).to.equal('recovering');
    expect(pub.published).to.deep.equal([]);
    sub.answerPings();
    await settle();
    expect(pub.published).to.deep.equal(['held']);
  });

  it('after a Redis restart, waits for every process that subscribed before to subscribe again', async function () {
    pub.subscribers = 3;
    make({ resubscribeWaitMs: 1500, resubscribePollMs: 20, sampleIntervalMs: 2000 });
    await settle();
    await clock.tick(2000); // a sample while up: 3 processes
    bothDown();
    buffer.publish('c', 'held', 'ephemeral-push');
    pub.runId = 'bbbb2222';
    bothBack();
    await settle(100);
    expect(buffer.state).to.equal('recovering');
    const key = 'h:adapter:resubscribed:bbbb2222';
    expect([...pub.members(key)]).to.deep.equal(['node-a']);
    pub.members(key).add('node-b');
    await settle(100);
    expect(pub.published).to.deep.equal([]);
    pub.members(key).add('node-c');
    await settle(40);
    expect(pub.published).to.deep.equal(['held']);
    expect(recoveries[0]).to.include({ restarted: true, flushed: 1 });
  });

  it('after a restart, sends anyway once resubscribeWaitMs has passed (a process may have died meanwhile)', async function () {
    pub.subscribers = 3;
    make({ resubscribeWaitMs: 1500, resubscribePollMs: 20, sampleIntervalMs: 2000 });
    await settle();
    await clock.tick(2000);
    bothDown();
    buffer.publish('c', 'held', 'ephemeral-push');
    pub.runId = 'bbbb2222';
    bothBack();
    await settle(1400);
    expect(pub.published).to.deep.equal([]);
    await settle(200);
    expect(pub.published).to.deep.equal(['held']);
  });

  it('recovers without the wait when Redis refuses INFO (a renamed command)', async function () {
    pub.subscribers = 3;
    make();
    await settle();
    await clock.tick(2000);
    bothDown();
    buffer.publish('c', 'held', 'ephemeral-push');
    pub.info = () => {
      const err = new Error("ERR unknown command 'info'");
      err.name = 'ReplyError';
      return Promise.reject(err);
    };
    bothBack();
    await settle();
    expect(pub.published).to.deep.equal(['held']);
  });

  it('starts over when the connection drops again while recovering', async function () {
    make();
    await settle();
    bothDown();
    buffer.publish('c', 'held', 'ephemeral-push');
    sub.pingAnswered = false;
    bothBack();
    await settle();
    sub.drop();
    sub.answerPings();
    await settle();
    expect(buffer.state).to.equal('down');
    expect(pub.published).to.deep.equal([]);
    sub.back();
    await settle();
    expect(pub.published).to.deep.equal(['held']);
    expect(recoveries).to.have.length(1);
  });

  describe('after a Redis restart, the ephemeral pushes it confirmed just before', function () {
    /** Redis restarts: a new run_id, both connections back. */
    async function restart(): Promise<void> {
      pub.runId = 'bbbb2222';
      bothBack();
      await settle();
    }

    it('sends them again, first and in order, and only those of the last replayMs', async function () {
      make({ replayMs: 1000 });
      await settle();
      buffer.publish('c', 'long confirmed', 'ephemeral-push');
      await settle(1500);
      buffer.publish('c', 'confirmed 1', 'ephemeral-push');
      buffer.publish('c', 'kick', 'other');
      await settle(300);
      buffer.publish('c', 'confirmed 2', 'ephemeral-push');
      await settle(600);
      bothDown();
      buffer.publish('c', 'held', 'ephemeral-push');
      await settle(3000);
      await restart();
      expect(pub.published).to.deep.equal(['long confirmed', 'confirmed 1', 'kick', 'confirmed 2', 'confirmed 1', 'confirmed 2', 'held']);
      expect(recoveries[0]).to.include({ restarted: true, replayed: 2, flushed: 1 });
    });

    it('puts them before what failed in flight, in the order they were published', async function () {
      make();
      await settle();
      pub.publishHeld = true;
      buffer.publish('c', 'a', 'ephemeral-push');
      buffer.publish('c', 'b', 'ephemeral-push');
      buffer.publish('c', 'c', 'ephemeral-push');
      pub.pending.shift()?.resolve(); // Redis confirms a, then dies with b and c in flight
      await settle();
      bothDown();
      buffer.publish('c', 'd', 'ephemeral-push');
      pub.publishHeld = false;
      await settle();
      await restart();
      expect(pub.published).to.deep.equal(['a', 'a', 'b', 'c', 'd']);
    });

    it('sends nothing again when Redis kept running (only the connections dropped)', async function () {
      make();
      await settle();
      buffer.publish('c', 'confirmed', 'ephemeral-push');
      bothDown();
      bothBack();
      await settle();
      expect(pub.published).to.deep.equal(['confirmed']);
      expect(recoveries[0]).to.include({ restarted: false, replayed: 0 });
    });

    it('keeps at most maxMessages of them, and none with replayMs 0', async function () {
      make({ maxMessages: 2 });
      await settle();
      for (const p of ['1', '2', '3']) buffer.publish('c', p, 'ephemeral-push');
      bothDown();
      await restart();
      expect(pub.published).to.deep.equal(['1', '2', '3', '2', '3']);
      buffer.close();

      pub = new FakeRedis();
      sub = new FakeRedis();
      make({ replayMs: 0 });
      await settle();
      buffer.publish('c', 'once', 'ephemeral-push');
      bothDown();
      await restart();
      expect(pub.published).to.deep.equal(['once']);
    });

    it('forgets them once sent: a second restart replays only what was confirmed since', async function () {
      make();
      await settle();
      buffer.publish('c', 'first', 'ephemeral-push');
      bothDown();
      await restart();
      await settle(5000);
      buffer.publish('c', 'second', 'ephemeral-push');
      bothDown();
      pub.runId = 'cccc3333';
      bothBack();
      await settle();
      expect(pub.published).to.deep.equal(['first', 'first', 'second', 'second']);
    });
  });

  it('closes quietly when its connections are closed on purpose', async function () {
    make();
    await settle();
    pub.status = 'end';
    pub.emit('close');
    await settle();
    expect(buffer.state).to.equal('up');
    // Stopping: nothing more is taken in, and an ephemeral push is refused rather than lost.
    expect(() => buffer.admit()).to.throw(HeraldError);
    buffer.publish('c', 'late', 'other');
    expect(buffer.stats()).to.include({ held: 0, dropped: 1 });
    buffer.close();
  });
});
