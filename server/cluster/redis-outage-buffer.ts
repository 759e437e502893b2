/**
 * What the Redis adapter publishes goes through here, so that a push answered 200 does not vanish
 * while Redis is away. ioredis alone loses them: SPUBLISH reaches only the subscribers present at
 * that instant, and after a restart the publisher (which flushed its offline queue at once) is
 * often back before the other hosts' subscribers are — measured on two hosts, 174-398 of ~430
 * pushes answered 200 over a 3 s outage never arrived, up to 2 s after Redis was back.
 *
 *   up ──(either connection drops)──▶ down ──(both ready)──▶ recovering ──(flushed)──▶ up
 *
 * - up: published at once. What was in flight when the connection drops fails at once (the
 *   publisher has `failInFlight`) and is held again, in its place.
 * - down: held in order, bounded by count, bytes and the age of the oldest; past a bound an
 *   ephemeral push is refused (`admit()` throws REDIS_UNAVAILABLE, the API answers 503) and any
 *   other delivery is dropped and counted.
 * - recovering: held still, until (1) this process's subscriber has subscribed again (a PING on
 *   it is answered after ioredis's re-subscriptions, which it sends first), and (2) after a
 *   restart of Redis (its `run_id` changed), every process that subscribed before — the number
 *   sampled while up — has said so in `<prefix>adapter:resubscribed:<run_id>`, or
 *   `resubscribeWaitMs` passed (a process may have died meanwhile). Then everything held is sent
 *   in order, before anything newer, and the recovery listeners run.
 *
 * - after a restart of Redis, the ephemeral pushes it confirmed in the last `replayMs` before the
 *   outage are sent again, first. Redis answers the publisher before it writes to the subscribers
 *   (7.0 writes a turn's output newest client first, and the publisher's answer is added last),
 *   so a Redis killed between those writes confirmed a push nobody received; without the replay
 *   that push, answered 200, is lost (seen once in CI). The copies carry the push's id, which
 *   the SDK drops when it had the push already. Durable deliveries are not replayed: the
 *   recovery listeners re-sync them from the store.
 *
 * Not covered, by design: a process whose own connection drops while Redis stays up misses what
 * others publish meanwhile (they cannot know); its recovery listeners tell it to re-sync.
 *
 * On a Redis Cluster (`cluster: true`) one master failing does not close the clients: the
 * cluster client stays 'ready' and only the commands and subscriptions of that master's slots
 * fail until its replica takes over. So:
 * - a publish that fails is held as above, and while down the buffer retries recovery every
 *   `clusterPollMs` (no 'ready' event will come); recovery waits for `CLUSTER INFO` to say
 *   `cluster_state:ok` instead of comparing `run_id`s (each master has its own), and does not
 *   wait for the other processes: their subscribers come back on their own schedule.
 * - when this process loses a sharded subscription (the subscriber client's '-node'), what was
 *   published on that shard until ioredis subscribed again on the new master
 *   ('subscribersReady') never reached this process: the recovery listeners run then, so durable
 *   delivery re-syncs devices from their cursors. Ephemeral pushes in that window are lost
 *   (docs/RELIABILITY.md "Redis Cluster failover").
 */
import type { RedisClient } from '../../shared/redis';
import { systemClock, unrefTimer, type Clock, type TimerHandle } from '../../shared/clock';
import { HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';

export interface RedisOutageBufferOptions {
  /** Deliveries held at most. @default 10000 */
  maxMessages: number;
  /** Bytes of encoded deliveries held at most. @default 16777216 (16 MiB) */
  maxBytes: number;
  /** Milliseconds the oldest held delivery may wait; past it, new pushes are refused. @default 30000 */
  maxAgeMs: number;
  /** Milliseconds to wait after a Redis restart for the other processes to subscribe again. @default 1500 */
  resubscribeWaitMs: number;
  /** Milliseconds between two looks at how many did. @default 20 */
  resubscribePollMs: number;
  /** Milliseconds between samples, while up, of how many processes subscribe. @default 500 */
  sampleIntervalMs: number;
  /** Seconds a refused caller is told to wait (`retryAfter`). @default 1 */
  retryAfterSeconds: number;
  /** Milliseconds the readiness set of one Redis run lives. @default 60000 */
  readyKeyTtlMs: number;
  /** Cluster only: milliseconds between recovery attempts while down. @default 200 */
  clusterPollMs: number;
  /** Cluster only: milliseconds without a lost sharded subscriber before the loss counts as over. @default 500 */
  clusterSettleMs: number;
  /**
   * Milliseconds of ephemeral pushes Redis confirmed before an outage that are sent again after
   * a Redis restart (single Redis or Sentinel; bounded by maxMessages and maxBytes too). 0: none.
   * @default 1000
   */
  replayMs: number;
}

export const DEFAULT_REDIS_OUTAGE_BUFFER_OPTIONS: RedisOutageBufferOptions = {
  maxMessages: 10_000,
  maxBytes: 16 * 1024 * 1024, // 16 MiB
  maxAgeMs: 30_000, // 30 seconds
  // Every client retries every 250 ms at most (shared/redis.ts): the others are back well before.
  resubscribeWaitMs: 1500, // 1.5 seconds
  resubscribePollMs: 20,
  // Often enough that an outage soon after a start still knows every process: sampled every 2 s,
  // a Redis restart 1 s after the hosts were up found only the processes subscribed at the first
  // sample, sent what it held before the other host was back, and lost it (seen on Node 24).
  sampleIntervalMs: 500,
  retryAfterSeconds: 1,
  readyKeyTtlMs: 60_000, // 1 minute
  clusterPollMs: 200,
  clusterSettleMs: 500,
  // Redis dies between answering the publisher and writing to the subscribers within
  // microseconds, unless it is descheduled there; this process notices the closed connection
  // within one turn of its event loop. A second covers both on a loaded host.
  replayMs: 1000, // 1 second
};

export interface RedisOutageBufferSetup {
  pub: RedisClient;
  sub: RedisClient;
  logger: Logger;
  /** Redis key prefix, e.g. `herald:`. */
  prefix: string;
  /** This process (its node id): its name in the readiness set. */
  nodeId: string;
  /** The channel every adapter of the cluster subscribes to: SHARDNUMSUB of it counts processes. */
  countChannel: string;
  /** Whether `pub` and `sub` are Redis Cluster clients (see above). @default false */
  cluster?: boolean;
  clock?: Clock;
}

export type OutageState = 'up' | 'down' | 'recovering';

/** What the recovery listeners are told. */
export interface RedisRecovery {
  /** Milliseconds cross-host delivery was paused (down and recovering). */
  pausedMs: number;
  /** Deliveries held and then sent. */
  flushed: number;
  /** Ephemeral pushes refused with REDIS_UNAVAILABLE during the outage. */
  refused: number;
  /** Other deliveries (durable ones, kicks) dropped because the buffer was full. */
  dropped: number;
  /** Whether Redis itself restarted (lost every subscription), not just this process's connection. */
  restarted: boolean;
  /** Ephemeral pushes Redis confirmed in the last `replayMs` before it restarted, sent again. */
  replayed: number;
}

export type RecoveryListener = (recovery: RedisRecovery) => void | Promise<void>;

/** Whether a held delivery may be refused instead (an ephemeral push) or must be held/dropped. */
export type DeliveryKind = 'ephemeral-push' | 'other';

interface Held {
  order: number;
  channel: string;
  payload: string | Buffer;
  bytes: number;
  at: number;
  /** An ephemeral push: sent again after a Redis restart if Redis confirmed it just before. */
  replayable: boolean;
  /** When Redis confirmed it (replayable ones only). */
  confirmedAt: number;
}

export class RedisOutageBuffer {
  private readonly options: RedisOutageBufferOptions;
  private readonly clock: Clock;
  private stateNow: OutageState = 'down';
  /** Held deliveries, by `order`. */
  private held: Held[] = [];
  private heldBytes = 0;
  private readonly inFlight = new Set<Held>();
  /** Replayable deliveries Redis confirmed in the last `replayMs` (and before the outage), oldest first from `confirmedHead`. */
  private confirmed: Held[] = [];
  private confirmedHead = 0;
  private confirmedBytes = 0;
  private nextOrder = 0;
  /** Bumped at every drop: a recovery that started before one gives up. */
  private epoch = 0;
  private pausedAt: number;
  private everUp = false;
  private runId: string | undefined;
  /** Processes subscribed to the count channel, last sampled while up. */
  private expected = 0;
  private refused = 0;
  private dropped = 0;
  private loggedFull = false;
  private readonly listeners = new Set<RecoveryListener>();
  private sampler: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private closed = false;
  /** Cluster only: a sharded subscription of this process was lost and is not back yet. */
  private subscriptionGap = false;
  private gapSince = 0;
  private readonly onReady = () => this.tryRecover();
  /**
   * The cluster client's '-node' is also emitted when its command pool drops a node (replicas at
   * start, a dead master): only a sharded subscriber's connection (named `ioredis-cluster(ssubscriber)…`
   * by ioredis) ending means this process's subscriptions on that shard are gone.
   */
  private readonly onSubscriberLost = (node?: { options?: { connectionName?: string } } | null) => {
    if (this.closed || node?.options?.connectionName?.startsWith('ioredis-cluster(ssubscriber)') !== true) return;
    if (this.settleTimer !== undefined) this.clock.clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    if (this.subscriptionGap) return;
    this.subscriptionGap = true;
    this.gapSince = this.clock.now();
    this.setup.logger.warn('a sharded subscription was lost (a Redis Cluster master failed?); re-syncing once it is back');
  };
  /**
   * ioredis says 'subscribersReady' after each attempt, also while the failed master is still in
   * its slot map and the new subscriber to it fails at once (measured: a few hundred attempts in
   * a 2.3 s failover). The gap is over only when one is not followed by another loss for
   * `clusterSettleMs`: by then the slot map names the promoted replica and the subscriber holds.
   */
  private readonly onSubscribersReady = () => {
    if (this.closed || !this.subscriptionGap) return;
    if (this.settleTimer !== undefined) this.clock.clearTimeout(this.settleTimer);
    this.settleTimer = this.clock.setTimeout(() => {
      this.settleTimer = undefined;
      if (this.closed || !this.subscriptionGap) return;
      this.subscriptionGap = false;
      this.setup.logger.info('sharded subscriptions are back; re-syncing durable delivery', { lostForMs: this.clock.now() - this.gapSince });
      this.notify({ pausedMs: this.clock.now() - this.gapSince, flushed: 0, refused: 0, dropped: 0, restarted: true, replayed: 0 });
    }, this.options.clusterSettleMs);
    unrefTimer(this.settleTimer);
  };
  private settleTimer: TimerHandle | undefined;
  private readonly onClose = () => {
    // 'end': closed on purpose (the process stops), not an outage.
    if (this.setup.pub.status === 'end' || this.setup.sub.status === 'end') this.close();
    else this.markDown('connection closed');
  };

  constructor(
    private readonly setup: RedisOutageBufferSetup,
    options: Partial<RedisOutageBufferOptions> = {},
  ) {
    this.options = { ...DEFAULT_REDIS_OUTAGE_BUFFER_OPTIONS, ...options };
    this.clock = setup.clock ?? systemClock;
    this.pausedAt = this.clock.now();
  }

  start(): void {
    const { pub, sub } = this.setup;
    for (const client of [pub, sub]) {
      client.on('ready', this.onReady);
      client.on('close', this.onClose);
    }
    if (this.setup.cluster === true) {
      sub.on('-node', this.onSubscriberLost);
      sub.on('subscribersReady', this.onSubscribersReady);
    } else {
      // Only a single Redis waits for the other processes after a restart: the number to wait for.
      this.sampler = this.clock.setInterval(() => void this.sample(), this.options.sampleIntervalMs);
      unrefTimer(this.sampler);
    }
    this.tryRecover();
  }

  /** Idempotent. What is still held is lost with the process: logged with its count. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.epoch++;
    const { pub, sub } = this.setup;
    for (const client of [pub, sub]) {
      client.off('ready', this.onReady);
      client.off('close', this.onClose);
    }
    sub.off('-node', this.onSubscriberLost);
    sub.off('subscribersReady', this.onSubscribersReady);
    if (this.sampler !== undefined) this.clock.clearInterval(this.sampler);
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    if (this.settleTimer !== undefined) this.clock.clearTimeout(this.settleTimer);
    if (this.held.length > 0) {
      this.setup.logger.warn('stopping with cross-host deliveries still held for Redis; they are lost', { held: this.held.length });
    }
    this.held = [];
    this.heldBytes = 0;
    this.confirmed = [];
    this.confirmedHead = 0;
    this.confirmedBytes = 0;
  }

  get state(): OutageState {
    return this.stateNow;
  }

  /** Cluster only: whether a sharded subscription of this process is lost and not yet back. */
  get subscriptionLost(): boolean {
    return this.subscriptionGap;
  }

  /** Counts for logs and tests. */
  stats(): { state: OutageState; held: number; heldBytes: number; inFlight: number; refused: number; dropped: number } {
    return { state: this.stateNow, held: this.held.length, heldBytes: this.heldBytes, inFlight: this.inFlight.size, refused: this.refused, dropped: this.dropped };
  }

  /**
   * Registers a listener for "cross-host delivery is back after an outage" (this process's
   * connections dropped, came back, and what was held is sent). Durable delivery uses it to
   * re-sync connected devices from their cursors: what was published while this process could
   * not subscribe never reached it. Returns the function that removes the listener.
   */
  onRecovered(listener: RecoveryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Throws REDIS_UNAVAILABLE when an ephemeral push could be neither sent nor held now. Called
   * right before the push is handed to the adapter, so the caller answers 503 and nothing of the
   * push is delivered anywhere.
   */
  admit(): void {
    // Closed: the process is stopping and its Redis connections are gone.
    if (!this.closed && (this.stateNow === 'up' || this.hasRoom())) return;
    this.refused++;
    if (!this.loggedFull && !this.closed) {
      this.loggedFull = true;
      this.setup.logger.warn('Redis outage buffer full; refusing ephemeral pushes with REDIS_UNAVAILABLE until Redis is back', {
        held: this.held.length,
        heldBytes: this.heldBytes,
      });
    }
    throw new HeraldError('REDIS_UNAVAILABLE', undefined, { retryAfter: this.options.retryAfterSeconds });
  }

  /**
   * Publishes now, or holds it. An ephemeral push was admitted a moment before (same tick) and is
   * always held; another delivery past the bounds is dropped and counted.
   */
  publish(channel: string, payload: string | Buffer, kind: DeliveryKind): void {
    if (this.closed) {
      this.dropped++;
      return;
    }
    const entry: Held = {
      order: this.nextOrder++,
      channel,
      payload,
      bytes: byteLength(payload),
      at: this.clock.now(),
      // Only a single Redis's restart is told apart (run_id): a cluster has no replay.
      replayable: kind === 'ephemeral-push' && this.setup.cluster !== true && this.options.replayMs > 0,
      confirmedAt: 0,
    };
    if (this.stateNow === 'up' && !this.connected()) this.markDown('publisher not ready');
    if (this.stateNow === 'up') {
      this.send(entry);
      return;
    }
    if (kind === 'other' && !this.hasRoom()) {
      this.dropped++;
      return;
    }
    this.hold(entry);
  }

  // ------------------------------------------------------------------------------------------

  private connected(): boolean {
    return this.setup.pub.status === 'ready' && this.setup.sub.status === 'ready';
  }

  private hasRoom(): boolean {
    const { maxMessages, maxBytes, maxAgeMs } = this.options;
    const oldest = this.held[0];
    return this.held.length < maxMessages && this.heldBytes < maxBytes && (oldest === undefined || this.clock.now() - oldest.at < maxAgeMs);
  }

  private send(entry: Held): void {
    this.inFlight.add(entry);
    this.setup.pub.spublish(entry.channel, entry.payload).then(
      () => {
        this.inFlight.delete(entry);
        if (entry.replayable) this.remember(entry);
      },
      (err: Error) => {
        this.inFlight.delete(entry);
        if (err.name === 'ReplyError' && !isClusterMoving(err)) {
          // Redis answered with an error: sending it again would fail the same way.
          this.dropped++;
          this.setup.logger.warn('Redis refused a cross-host delivery', { error: err.message, channel: entry.channel });
          return;
        }
        // The connection dropped with it in flight: Redis may or may not have taken it. Held
        // again, it may arrive twice (same push id) but does not vanish.
        if (this.closed) return;
        this.markDown(err.message);
        this.hold(entry);
      },
    );
  }

  /**
   * Keeps a confirmed ephemeral push for `replayMs`. Pruned only here: while Redis is away nothing
   * is confirmed, so what was confirmed before the outage stays until the recovery decides.
   */
  private remember(entry: Held): void {
    if (this.closed) return;
    const now = this.clock.now();
    entry.confirmedAt = now;
    this.confirmed.push(entry);
    this.confirmedBytes += entry.bytes;
    const { replayMs, maxMessages, maxBytes } = this.options;
    const confirmed = this.confirmed;
    let head = this.confirmedHead;
    while (head < confirmed.length) {
      const oldest = confirmed[head] as Held;
      const count = confirmed.length - head;
      if (now - oldest.confirmedAt <= replayMs && count <= maxMessages && this.confirmedBytes <= maxBytes) break;
      this.confirmedBytes -= oldest.bytes;
      head++;
    }
    // Compacted once the dead prefix is the larger half: amortised O(1) a push.
    if (head > 1024 && head * 2 > confirmed.length) {
      this.confirmed = confirmed.slice(head);
      head = 0;
    }
    this.confirmedHead = head;
  }

  /**
   * What to send again after the outage: after a Redis restart, what it confirmed from `replayMs`
   * before the outage on; nothing when Redis kept running (it wrote them to the subscribers).
   */
  private takeReplay(restarted: boolean): Held[] {
    const since = this.pausedAt - this.options.replayMs;
    const replay = restarted ? this.confirmed.slice(this.confirmedHead).filter((entry) => entry.confirmedAt >= since) : [];
    this.confirmed = [];
    this.confirmedHead = 0;
    this.confirmedBytes = 0;
    return replay;
  }

  /** Inserts in order: deliveries that failed in flight go back before newer held ones. */
  private hold(entry: Held): void {
    let i = this.held.length;
    while (i > 0 && (this.held[i - 1] as Held).order > entry.order) i--;
    this.held.splice(i, 0, entry);
    this.heldBytes += entry.bytes;
  }

  private markDown(reason: string): void {
    if (this.closed || this.stateNow === 'down') return;
    if (this.stateNow === 'up') {
      this.pausedAt = this.clock.now();
      this.setup.logger.warn('cross-host delivery paused: Redis unreachable; holding deliveries', { reason, maxMessages: this.options.maxMessages });
    }
    this.stateNow = 'down';
    this.epoch++;
    // A cluster client stays 'ready' through one master's failover: no event will say it is over.
    if (this.setup.cluster === true) this.retryLater(this.options.clusterPollMs);
  }

  private retryLater(ms: number): void {
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.tryRecover();
      if (this.stateNow === 'down' && this.setup.cluster === true && !this.closed) this.retryLater(this.options.clusterPollMs);
    }, ms);
    unrefTimer(this.retryTimer);
  }

  private tryRecover(): void {
    if (this.closed || this.stateNow !== 'down' || !this.connected()) return;
    this.stateNow = 'recovering';
    const epoch = this.epoch;
    this.recover(epoch).catch((err: Error) => {
      if (epoch !== this.epoch || this.closed) return;
      // Still connected but a step failed: try again shortly rather than stay paused.
      this.setup.logger.debug('Redis adapter recovery step failed; retrying', { error: err.message });
      this.stateNow = 'down';
      this.retryLater(this.setup.cluster === true ? this.options.clusterPollMs : this.options.resubscribePollMs * 10);
    });
  }

  private async recover(epoch: number): Promise<void> {
    const { pub, sub, prefix, nodeId } = this.setup;
    // Answered after the re-subscriptions ioredis wrote on 'ready' (and its offline queue).
    await sub.ping();
    if (this.setup.cluster === true) {
      const info = await pub.cluster('INFO');
      if (!/cluster_state:ok/.test(String(info))) throw new Error('the cluster is not ok yet');
      if (epoch !== this.epoch || this.closed) return;
      this.flush(false);
      return;
    }
    // A Redis that refuses INFO or writes (renamed commands, a read-only replica) still recovers,
    // without the wait for the other processes; a dropped connection aborts (rethrown).
    const runId = await unlessRefused(pub.info('server').then(parseRunId), undefined);
    let restarted = false;
    if (runId !== undefined) {
      const key = `${prefix}adapter:resubscribed:${runId}`;
      await unlessRefused(pub.multi().sadd(key, nodeId).pexpire(key, this.options.readyKeyTtlMs).exec(), null);
      restarted = this.runId !== undefined && runId !== this.runId;
      if (restarted && this.expected > 1) await this.awaitOthers(key, epoch);
    }
    if (epoch !== this.epoch || this.closed) return;
    this.runId = runId ?? this.runId;
    this.flush(restarted);
    void this.sample();
  }

  /** Until every process sampled before has added itself to `key`, or resubscribeWaitMs passed. */
  private async awaitOthers(key: string, epoch: number): Promise<void> {
    const deadline = this.clock.now() + this.options.resubscribeWaitMs;
    let back = await unlessRefused(this.setup.pub.scard(key), this.expected);
    while (back < this.expected && this.clock.now() < deadline) {
      if (epoch !== this.epoch) return;
      await this.pause(this.options.resubscribePollMs);
      back = await unlessRefused(this.setup.pub.scard(key), this.expected);
    }
    if (back < this.expected) {
      this.setup.logger.warn('not every process subscribed again in time; sending held deliveries anyway', { expected: this.expected, back });
    }
  }

  private flush(restarted: boolean): void {
    const held = this.held;
    const replay = this.takeReplay(restarted);
    this.held = [];
    this.heldBytes = 0;
    this.stateNow = 'up';
    for (const entry of mergeByOrder(replay, held)) this.send(entry);
    const wasOutage = this.everUp || held.length > 0 || this.refused > 0 || this.dropped > 0;
    this.everUp = true;
    const recovery: RedisRecovery = {
      pausedMs: this.clock.now() - this.pausedAt,
      flushed: held.length,
      refused: this.refused,
      dropped: this.dropped,
      restarted,
      replayed: replay.length,
    };
    this.refused = 0;
    this.dropped = 0;
    this.loggedFull = false;
    if (!wasOutage) return;
    this.setup.logger.info('cross-host delivery resumed after a Redis outage', { ...recovery });
    this.notify(recovery);
  }

  private notify(recovery: RedisRecovery): void {
    for (const listener of this.listeners) {
      try {
        Promise.resolve(listener(recovery)).catch((err: Error) => this.setup.logger.warn('Redis recovery listener failed', { error: err.message }));
      } catch (err) {
        this.setup.logger.warn('Redis recovery listener failed', { error: (err as Error).message });
      }
    }
  }

  /** How many processes subscribe now: the number to wait for after a restart. */
  private async sample(): Promise<void> {
    // On a cluster nothing waits for the other processes (see above): no count is needed.
    if (this.closed || this.stateNow !== 'up' || this.setup.cluster === true) return;
    try {
      const answer = (await this.setup.pub.pubsub('SHARDNUMSUB', this.setup.countChannel)) as [string, number];
      if (this.stateNow === 'up') this.expected = Number(answer[1]);
    } catch {
      // Redis went away meanwhile; the last sample stands.
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(resolve, ms);
      unrefTimer(timer);
    });
  }
}

/** A cluster's "not here, not now" answers: the slot is moving or has no master yet; try again later. */
function isClusterMoving(err: Error): boolean {
  return /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN)\b/.test(err.message) || err.message.includes('Too many Cluster redirections');
}

/** Two lists each in `order`, as one (a replayed push was confirmed before anything held failed or waited). */
function mergeByOrder(a: Held[], b: Held[]): Held[] {
  if (a.length === 0) return b;
  const merged: Held[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.order < y.order)) {
      merged.push(x as Held);
      i++;
    } else {
      merged.push(y);
      j++;
    }
  }
  return merged;
}

function byteLength(payload: string | Buffer): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
}

function parseRunId(info: string): string | undefined {
  return /run_id:([0-9a-f]+)/.exec(info)?.[1];
}

/** The answer, or `fallback` when Redis answered with an error; a connection failure is rethrown. */
async function unlessRefused<T, F>(command: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await command;
  } catch (err) {
    if ((err as Error).name === 'ReplyError') return fallback;
    throw err;
  }
}
