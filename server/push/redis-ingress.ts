/**
 * Pushes from internal services through Redis (contract section 6). One worker in the whole
 * cluster, the ingress leader (a Redis lock renewed every few seconds), handles both, so every
 * message is handled once per cluster and in the order it was sent:
 *
 * - `PUBLISH <prefix>push <json>`: the leader subscribes and hands each message to the push path.
 *   Lost when no Herald runs, or in the seconds between a leader's death and the next election.
 * - `XADD <prefix>push:stream * msg <json>`: the leader reads the stream as a consumer of one
 *   consumer group, one entry after the other. An entry is acknowledged after the push path
 *   accepted it; one that fails validation goes to `<prefix>push:dead` with the reason and is
 *   acknowledged, so it never blocks the stream. One that fails for a passing reason (the store
 *   is down) stays pending and is retried after `claimIdleMs`; after `maxDeliveries` attempts it is
 *   dead-lettered. A new leader first finishes what the old one left pending, then reads new
 *   entries. The leader also trims entries every group has acknowledged and forgets consumers
 *   (old worker incarnations) that have long been idle.
 *
 * A single reader keeps order (an "order created" push never overtakes "order paid"); the push
 * path behind it takes tens of thousands of pushes a second, far more than one stream needs.
 */
import type { RedisClient } from '../../shared/redis';
import { HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { DEFAULT_PUSH_REQUEST_LIMITS, pushRequestChecker, describeZodError } from '../../shared/protocol';
import type { RedisConnection } from '../../shared/config';
import { Cluster } from 'ioredis';
import { createRedisClient } from '../../shared/redis';
import { ThrottledLog } from '../../shared/throttled-log';
import type { Metrics } from '../metrics';
import type { IdempotencyGate } from './idempotency';
import type { PushOrigin, PushService } from './push-service';

export interface RedisIngressOptions {
  /** Key prefix, e.g. `herald:`. */
  prefix: string;
  /** Consumer name of this worker (its node id). */
  consumer: string;
  /** Consumer group. @default 'herald' */
  group: string;
  /** Entries per read. @default 100 */
  batchSize: number;
  /** Milliseconds a read blocks waiting for entries. @default 2000 */
  blockMs: number;
  /** Milliseconds an entry may stay unacknowledged before another consumer retries it. @default 30000 */
  claimIdleMs: number;
  /** Attempts after which a failing entry is dead-lettered. @default 5 */
  maxDeliveries: number;
  /** Milliseconds the ingress leader's lock lives without renewal. @default 10000 */
  leaderTtlMs: number;
  /** Approximate cap on the dead-letter stream's length. @default 100000 */
  deadMaxLen: number;
  /** Milliseconds between the leader's housekeeping runs (trim, stale consumers). @default 60000 */
  housekeepingMs: number;
  /** Deepest nesting of `data` (`push.maxDataDepth`); deeper entries are dead-lettered at once. @default 32 */
  maxDataDepth: number;
}

export const DEFAULT_REDIS_INGRESS_OPTIONS: Omit<RedisIngressOptions, 'prefix' | 'consumer'> = {
  group: 'herald',
  batchSize: 100,
  blockMs: 2000, // 2 seconds
  claimIdleMs: 30_000, // 30 seconds
  maxDeliveries: 5,
  leaderTtlMs: 10_000, // 10 seconds
  deadMaxLen: 100_000,
  housekeepingMs: 60_000, // 1 minute
  maxDataDepth: DEFAULT_PUSH_REQUEST_LIMITS.maxDataDepth,
};

/** An entry; a pending entry whose record was deleted from the stream comes back with null fields. */
type StreamEntry = [id: string, fields: string[] | null];

/** Renews the lock only if we still hold it. */
const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/** Releases the lock only if we hold it. */
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Entries acknowledged but kept for other tools are left alone: trimming stops at every group's position. */
const STALE_CONSUMER_MS = 3600_000; // 1 hour

export class RedisIngress {
  private readonly options: RedisIngressOptions;
  private readonly command: RedisClient;
  private readonly blocking: RedisClient;
  private subscriber: RedisClient | undefined;
  private leader = false;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readLoop: Promise<void> | undefined;
  private lastHousekeeping = 0;

  private readonly failedLogs: Record<'publish' | 'stream', ThrottledLog>;

  constructor(
    private readonly connection: RedisConnection,
    private readonly push: PushService,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    options: Pick<RedisIngressOptions, 'prefix' | 'consumer'> & Partial<RedisIngressOptions>,
    /** Dedupes entries that carry an `id`. */
    private readonly idempotency?: IdempotencyGate,
  ) {
    this.options = { ...DEFAULT_REDIS_INGRESS_OPTIONS, ...options };
    // One line per minute with a count: a store outage under PUBLISH load fails every push.
    this.failedLogs = {
      publish: new ThrottledLog(logger, 'warn', 'push from PUBLISH failed and was dropped (PUBLISH has no retry; use the stream for pushes that must survive this)'),
      stream: new ThrottledLog(logger, 'warn', 'push from the stream failed; the entry stays pending and will be retried'),
    };
    this.command = createRedisClient(connection, logger, { role: 'ingress' });
    this.blocking = createRedisClient(connection, logger, { role: 'ingress-stream', offlineQueue: true });
  }

  get streamKey(): string {
    return `${this.options.prefix}push:stream`;
  }
  get deadKey(): string {
    return `${this.options.prefix}push:dead`;
  }
  get channel(): string {
    return `${this.options.prefix}push`;
  }
  private get leaderKey(): string {
    return `${this.options.prefix}ingress:leader`;
  }

  start(): void {
    const every = (ms: number, fn: () => Promise<void>) => {
      const timer = setInterval(() => void fn().catch((err: Error) => this.logger.debug('ingress task failed', { error: err.message })), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(Math.max(500, Math.floor(this.options.leaderTtlMs / 3)), () => this.electLeader());
    every(Math.max(500, Math.floor(this.options.claimIdleMs / 2)), () => this.reclaim());
    void this.electLeader().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const log of Object.values(this.failedLogs)) log.close();
    if (this.leader) {
      await this.command.eval(RELEASE_SCRIPT, 1, this.leaderKey, this.options.consumer).catch(() => undefined);
    }
    this.blocking.disconnect();
    await this.readLoop?.catch(() => undefined);
    this.subscriber?.disconnect();
    this.command.disconnect();
  }

  /** Whether this worker currently leads the ingress (PUBLISH subscription and stream reader). */
  get isLeader(): boolean {
    return this.leader;
  }

  // ------------------------------------------------------------------------------------------
  // Stream consumer

  /** The leader's reading loop: what this consumer left pending, then others' stale entries, then new ones. */
  private async consume(): Promise<void> {
    await this.ensureGroup();
    await this.drain('0');
    await this.reclaim().catch((err: Error) => this.logger.debug('reclaim failed', { error: err.message }));
    await this.drain('>');
  }

  /**
   * Reads entries while leading: mode '0' walks this consumer's pending ones once, from the
   * oldest, moving past each (one that fails again stays pending for reclaim()); '>' reads new ones.
   */
  private async drain(mode: '0' | '>'): Promise<void> {
    let from: string = mode;
    while (!this.closed && this.leader) {
      let result: unknown;
      try {
        result = await this.blocking.xreadgroup(
          'GROUP',
          this.options.group,
          this.options.consumer,
          'COUNT',
          this.options.batchSize,
          'BLOCK',
          this.options.blockMs,
          'STREAMS',
          this.streamKey,
          from,
        );
      } catch (err) {
        if (this.closed) return;
        if (String((err as Error).message).includes('NOGROUP')) {
          await this.ensureGroup();
        } else {
          this.logger.debug('stream read failed; retrying', { error: (err as Error).message });
          await delay(1000);
        }
        continue;
      }
      const streams = result as [string, StreamEntry[]][] | null;
      let count = 0;
      for (const [, entries] of streams ?? []) {
        for (const [id, fields] of entries) {
          count++;
          if (mode === '0') from = id;
          if (fields === null) await this.command.xack(this.streamKey, this.options.group, id).catch(() => undefined);
          else await this.handleEntry(id, fields);
        }
      }
      // Pending history is read once: an empty answer means it is done.
      if (mode === '0' && count === 0) return;
    }
  }

  private async ensureGroup(): Promise<void> {
    while (!this.closed) {
      try {
        await this.blocking.xgroup('CREATE', this.streamKey, this.options.group, '0', 'MKSTREAM');
        return;
      } catch (err) {
        if (String((err as Error).message).includes('BUSYGROUP')) return;
        if (this.closed) return;
        await delay(1000);
      }
    }
  }

  private async handleEntry(id: string, fields: string[]): Promise<void> {
    const raw = fieldValue(fields, 'msg');
    const outcome = await this.accept(raw, 'stream');
    try {
      if (outcome.kind === 'ok') {
        await this.command.xack(this.streamKey, this.options.group, id);
      } else if (outcome.kind === 'invalid') {
        await this.deadLetter(raw ?? JSON.stringify(fields), outcome.reason, id);
      }
      // 'retry': stays pending; reclaim() tries again later.
    } catch (err) {
      this.logger.warn('stream acknowledgement failed; the entry will be retried', { id, error: (err as Error).message });
    }
  }

  private async reclaim(): Promise<void> {
    if (this.closed || !this.leader || this.command.status !== 'ready') return;
    const { group, consumer, claimIdleMs, batchSize, maxDeliveries } = this.options;
    const pending = (await this.command.xpending(this.streamKey, group, 'IDLE', claimIdleMs, '-', '+', batchSize)) as [string, string, number, number][];
    for (const [id, , , deliveries] of pending) {
      if (deliveries >= maxDeliveries) {
        const entries = (await this.command.xrange(this.streamKey, id, id)) as StreamEntry[];
        const raw = entries[0] !== undefined ? fieldValue(entries[0][1], 'msg') : undefined;
        await this.deadLetter(raw ?? '', `failed ${deliveries} times`, id);
        continue;
      }
      const claimed = (await this.command.xclaim(this.streamKey, group, consumer, claimIdleMs, id)) as StreamEntry[];
      for (const [claimedId, fields] of claimed) {
        if (fields === null) await this.command.xack(this.streamKey, group, claimedId);
        else await this.handleEntry(claimedId, fields);
      }
    }
    if (this.leader && Date.now() - this.lastHousekeeping > this.options.housekeepingMs) {
      this.lastHousekeeping = Date.now();
      await this.housekeeping();
    }
  }

  private async deadLetter(raw: string, reason: string, entryId: string): Promise<void> {
    this.metrics.ingress.inc({ source: entryId === 'publish' ? 'publish' : 'stream', result: 'dead' });
    this.logger.warn('push from Redis dead-lettered', { entry: entryId, reason });
    // Two keys, two commands (on a Redis Cluster they live on different shards; their names are
    // the contract's, so they cannot share a hash tag): the record first, then the ack. A crash
    // between the two leaves the entry pending, and it is dead-lettered again: at least once.
    await this.command.xadd(this.deadKey, 'MAXLEN', '~', this.options.deadMaxLen, '*', 'msg', raw, 'reason', reason, 'entry', entryId, 'at', String(Date.now()));
    if (entryId !== 'publish') await this.command.xack(this.streamKey, this.options.group, entryId);
  }

  /** Trims what every group has acknowledged; forgets consumers idle for an hour with nothing pending. */
  private async housekeeping(): Promise<void> {
    const groups = (await this.command.xinfo('GROUPS', this.streamKey)) as unknown[][];
    let minId: string | undefined;
    for (const raw of groups) {
      const info = pairs(raw);
      const candidates = [String(info['last-delivered-id'])];
      if (Number(info.pending) > 0) {
        const summary = (await this.command.xpending(this.streamKey, String(info.name))) as [number, string, string, unknown];
        candidates.push(summary[1]);
      }
      for (const id of candidates) if (minId === undefined || compareIds(id, minId) < 0) minId = id;
    }
    if (minId !== undefined && minId !== '0-0') await this.command.xtrim(this.streamKey, 'MINID', minId);
    const consumers = (await this.command.xinfo('CONSUMERS', this.streamKey, this.options.group)) as unknown[][];
    for (const raw of consumers) {
      const info = pairs(raw);
      if (Number(info.pending) === 0 && Number(info.idle) > STALE_CONSUMER_MS && info.name !== this.options.consumer) {
        await this.command.xgroup('DELCONSUMER', this.streamKey, this.options.group, String(info.name));
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // PUBLISH, through one leader per cluster

  private async electLeader(): Promise<void> {
    if (this.closed || this.command.status !== 'ready') return;
    const { consumer, leaderTtlMs } = this.options;
    if (this.leader) {
      const renewed = await this.command.eval(RENEW_SCRIPT, 1, this.leaderKey, consumer, String(leaderTtlMs));
      if (renewed !== 1) this.stepDown();
      return;
    }
    const acquired = await this.command.set(this.leaderKey, consumer, 'PX', leaderTtlMs, 'NX');
    if (acquired === 'OK') this.becomeLeader();
  }

  private becomeLeader(): void {
    this.leader = true;
    this.logger.info('this worker is the Redis ingress leader', { channel: this.channel, stream: this.streamKey });
    const subscriber = createRedisClient(this.subscriberConnection(), this.logger, { role: 'ingress-publish', offlineQueue: true, subscriber: true });
    this.subscriber = subscriber;
    const onMessage = (_channel: string, message: string) => {
      void this.accept(message, 'publish')
        .then((outcome) => {
          if (outcome.kind === 'invalid') return this.deadLetter(message, outcome.reason, 'publish');
          return undefined;
        })
        .catch((err: Error) => this.logger.warn('PUBLISH message dropped; it could not be dead-lettered', { error: err.message }));
    };
    // `PUBLISH <prefix>push` works everywhere (a cluster forwards it to every node); on a cluster
    // `SPUBLISH <prefix>push` costs less, reaching only the shard that owns the channel's slot.
    subscriber.on('message', onMessage);
    subscriber.on('smessage', onMessage);
    subscriber.subscribe(this.channel).catch((err: Error) => this.logger.warn('PUBLISH subscription failed', { error: err.message }));
    subscriber.ssubscribe(this.channel).catch((err: Error) => this.logger.warn('SPUBLISH subscription failed', { error: err.message }));
    const previous = this.readLoop ?? Promise.resolve();
    // A failed earlier loop must not keep this one from starting.
    this.readLoop = previous.catch(() => undefined).then(() => this.consume());
  }

  /**
   * On a cluster, the masters the command client knows now rather than the configured seeds.
   * ioredis puts the classic subscription on one node picked among its start nodes, and when
   * that node is a replica that leaves its pool at the first slot refresh before the SUBSCRIBE
   * is written, the subscription is silently gone (seen in about one start in three).
   */
  private subscriberConnection(): RedisConnection {
    if (this.connection.kind !== 'cluster' || !(this.command instanceof Cluster)) return this.connection;
    const masters = this.command.nodes('master').map((node) => ({ host: node.options.host ?? '127.0.0.1', port: node.options.port ?? 6379 }));
    return masters.length > 0 ? { ...this.connection, nodes: masters } : this.connection;
  }

  private stepDown(): void {
    this.leader = false;
    this.logger.info('this worker is no longer the Redis ingress leader');
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  // ------------------------------------------------------------------------------------------

  private async accept(raw: string | undefined, origin: Extract<PushOrigin, 'publish' | 'stream'>): Promise<Outcome> {
    if (raw === undefined) return this.invalid(origin, 'the entry has no msg field');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return this.invalid(origin, 'msg is not valid JSON');
    }
    // `id`: the entry's idempotency key (contract section 5), like the HTTP Idempotency-Key.
    const { id, body } = splitIngressId(json);
    const parsed = pushRequestChecker(this.options).safeParse(body);
    if (!parsed.success) return this.invalid(origin, describeZodError(parsed.error));
    try {
      if (id === undefined) await this.push.push(parsed.data, origin);
      else if (typeof id !== 'string') return this.invalid(origin, 'id: must be a string of 1-128 printable ASCII characters');
      else if (this.idempotency === undefined) return this.invalid(origin, 'id: needs the message store');
      else await this.idempotency.run(INGRESS_SCOPE, id, parsed.data, (ticket) => this.push.push(parsed.data, origin, ticket));
      this.metrics.ingress.inc({ source: origin, result: 'ok' });
      return { kind: 'ok' };
    } catch (err) {
      if (err instanceof HeraldError && (err.code === 'BAD_REQUEST' || err.code === 'IDEMPOTENCY_MISMATCH')) return this.invalid(origin, err.message);
      this.metrics.ingress.inc({ source: origin, result: 'retry' });
      this.failedLogs[origin].hit({ error: (err as Error).message });
      return { kind: 'retry' };
    }
  }

  private invalid(origin: string, reason: string): Outcome {
    this.metrics.ingress.inc({ source: origin, result: 'invalid' });
    return { kind: 'invalid', reason };
  }
}

/** The idempotency scope of every Redis ingress entry (HTTP keys are scoped per API key). */
const INGRESS_SCOPE = 'redis-ingress';

/** Takes `id` off an entry's JSON object; the rest is the push body. */
function splitIngressId(json: unknown): { id?: unknown; body: unknown } {
  if (json === null || typeof json !== 'object' || Array.isArray(json) || !Object.hasOwn(json, 'id')) return { body: json };
  const { id, ...body } = json as Record<string, unknown>;
  return { id, body };
}

type Outcome = { kind: 'ok' } | { kind: 'retry' } | { kind: 'invalid'; reason: string };

function fieldValue(fields: string[] | null, name: string): string | undefined {
  if (fields === null) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function pairs(raw: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i])] = raw[i + 1];
  return out;
}

/** Orders stream ids `ms-seq`. */
export function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
