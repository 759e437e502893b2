/**
 * The push path, whatever the origin (HTTP API, Redis PUBLISH, Redis stream):
 *   validate limits → prepare (id, rooms, payload) → [durable lane: commit to the store] →
 *   deliver through the adapter (every worker of every host) → count who was online.
 * The durable lane is optional here: without a store every push is ephemeral (`stored: false`).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/clock';
import type { HeraldConfig } from '../../shared/config';
import { HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { routeTarget, type BulkDelivery, type PushRequest, type TargetKind } from '../../shared/protocol';
import type { Presence } from '../cluster/presence';
import type { Metrics } from '../metrics';
import { TARGET_ROOMS } from '../socket/rooms';
import type { HeraldServer } from '../socket/types';
import type { IdempotencyTicket } from './idempotency';
import { emitPush } from './push-payload';

export type PushOrigin = 'api' | 'publish' | 'stream' | 'cron';

export interface PushResult {
  id: string;
  /** Whether the push was committed to the durable store before this answer. */
  stored: boolean;
  /** Connections of the targeted users online when the push was accepted; null when the target names no users (topic, all). */
  online: number | null;
}

/** A validated push, ready for the store and for delivery. */
export interface PreparedPush {
  id: string;
  event: string;
  ts: number;
  kind: TargetKind;
  /** The users the target names, each once (shared/protocol/push-targets.ts); empty for topic and all pushes. */
  uids: string[];
  topic?: string;
  platform?: string;
  data: unknown;
  /** `data` as JSON text, made once: its size was checked against the limit, and the store keeps it. */
  dataJson: string;
  /** Whether the push should be stored (contract section 8 defaults applied). */
  durable: boolean;
  /** Seconds a stored push stays replayable, when given. */
  ttl?: number;
  /** Rooms to deliver to; empty means every connection. When `uids` is not empty, one per uid, in order. */
  rooms: string[];
  /** The push's Idempotency-Key claim: its answer is committed with the push's messages. */
  idempotency?: IdempotencyTicket;
}

/** Where a stored push goes: the recipient's rooms, with the recipient's seq. */
export interface SeqTarget {
  rooms: string[];
  seq: number;
}

/** Delivery functions the durable lane calls once the push is stored. */
export interface Deliverer {
  /** To `rooms` without a seq (anonymous subscribers). */
  deliver(push: PreparedPush, rooms: string[]): void;
  /** To each target with its own seq. */
  deliverWithSeqs(push: PreparedPush, targets: SeqTarget[]): void;
}

/** Stores durable pushes and delivers them with their per-user seq (push/durable-lane.ts). */
export interface DurableLane {
  /** Commits the push (rejects with STORE_UNAVAILABLE when it cannot), then delivers it. */
  storeAndDeliver(push: PreparedPush, deliverer: Deliverer): Promise<void>;
  /**
   * Commits the pushes in one transaction (all or none; rejects with STORE_UNAVAILABLE) and
   * resolves with one function per push that sends its live copies, to be run in order.
   */
  commit(pushes: readonly PreparedPush[], deliverer: Deliverer): Promise<(() => void)[]>;
}

/** One push of a batch (push-batch.ts): the validated request and its Idempotency-Key claim. */
export interface BatchPush {
  request: PushRequest;
  idempotency?: IdempotencyTicket;
}

/** One push's outcome within a batch: its answer, or the error that failed it alone. */
export type BatchOutcome = { ok: true; result: PushResult } | { ok: false; error: unknown };

/**
 * Above this many recipients, a durable push crosses the cluster as one bulk message (the data
 * once, [room, seq] pairs) instead of one adapter broadcast per recipient.
 */
const BULK_THRESHOLD = 16;

/**
 * Runs a push somewhere else (a task process); resolves undefined when nobody can take it, and
 * the push then runs here.
 */
export type Offload = (request: PushRequest, origin: PushOrigin) => Promise<PushResult | undefined>;

export interface PushServiceDeps {
  io: HeraldServer;
  config: HeraldConfig;
  presence: Presence;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  durable?: DurableLane;
  /** Where pushes to more than `tasks.fanoutThreshold` uids go. */
  offload?: Offload;
}

export class PushService {
  constructor(private readonly deps: PushServiceDeps) {}

  async push(request: PushRequest, origin: PushOrigin, idempotency?: IdempotencyTicket): Promise<PushResult> {
    const push = this.prepare(request);
    if (idempotency !== undefined) push.idempotency = idempotency;
    const { offload } = this.deps;
    if (offload !== undefined && push.uids.length > this.deps.config.tasks.fanoutThreshold) {
      const result = await offload(request, origin);
      if (result !== undefined) return result;
    }
    const { durable } = this.deps;
    let stored = false;
    if (push.durable && durable !== undefined) {
      await durable.storeAndDeliver(push, this);
      stored = true;
    } else {
      this.deliver(push, push.rooms);
    }
    this.deps.metrics.pushes.inc({ target: push.kind, origin });
    this.deps.metrics.counters.pushes++;
    // Only the HTTP API answers with the count; Redis ingress and cron have nobody to tell.
    const online = push.uids.length > 0 && origin === 'api' ? await this.countOnline(push) : null;
    return { id: push.id, stored, online };
  }

  /**
   * A batch of pushes (POST /api/v1/push/batch): each prepared alone (a bad one fails alone), the
   * durable ones committed in ONE store call (one group commit: one transaction), then every push
   * handed to the adapter in the batch's order, so each user receives them in that order. The
   * ephemeral ones of a batch that stores anything wait for its commit, for that order. Pushes
   * to many uids are not offloaded to a task process here: the batch caps its recipients.
   */
  async pushMany(batch: readonly BatchPush[], origin: PushOrigin): Promise<BatchOutcome[]> {
    const outcomes: (BatchOutcome | undefined)[] = new Array(batch.length);
    const prepared: (PreparedPush | undefined)[] = batch.map((item, i) => {
      try {
        const push = this.prepare(item.request);
        if (item.idempotency !== undefined) push.idempotency = item.idempotency;
        return push;
      } catch (error) {
        outcomes[i] = { ok: false, error };
        return undefined;
      }
    });
    const { durable } = this.deps;
    const stored = new Map<PreparedPush, () => void>();
    const toStore = durable === undefined ? [] : prepared.filter((p): p is PreparedPush => p !== undefined && p.durable);
    if (durable !== undefined && toStore.length > 0) {
      try {
        const deliveries = await durable.commit(toStore, this);
        toStore.forEach((push, i) => stored.set(push, deliveries[i] as () => void));
      } catch (error) {
        prepared.forEach((push, i) => {
          if (push !== undefined && push.durable) outcomes[i] = { ok: false, error };
        });
      }
    }
    prepared.forEach((push, i) => {
      if (push === undefined || outcomes[i] !== undefined) return;
      const deliverStored = stored.get(push);
      try {
        if (deliverStored !== undefined) deliverStored();
        else this.deliver(push, push.rooms);
      } catch (error) {
        // Ephemeral only (a stored push's copies never throw): Redis away with its buffer full.
        outcomes[i] = { ok: false, error };
        return;
      }
      this.deps.metrics.pushes.inc({ target: push.kind, origin });
      this.deps.metrics.counters.pushes++;
      outcomes[i] = { ok: true, result: { id: push.id, stored: deliverStored !== undefined, online: null } };
    });
    if (origin === 'api') {
      await Promise.all(
        prepared.map(async (push, i) => {
          const outcome = outcomes[i];
          if (push === undefined || push.uids.length === 0 || outcome?.ok !== true) return;
          outcome.result.online = await this.countOnline(push);
        }),
      );
    }
    return outcomes as BatchOutcome[];
  }

  prepare(request: PushRequest): PreparedPush {
    const { config, clock } = this.deps;
    const dataJson = JSON.stringify(request.data);
    const dataBytes = Buffer.byteLength(dataJson);
    if (dataBytes > config.push.maxDataBytes) {
      throw new HeraldError('BAD_REQUEST', `data: at most ${config.push.maxDataBytes} bytes of JSON (got ${dataBytes})`);
    }
    const platform = request.platform;
    const { kind, spec, route } = routeTarget(request.to, platform, TARGET_ROOMS);
    if (route.users.length > config.push.maxUids) {
      throw new HeraldError('BAD_REQUEST', `to.${kind}: at most ${config.push.maxUids} uids per push`);
    }
    return {
      id: randomUUID(),
      event: request.event ?? config.push.defaultEvent,
      ts: clock.now(),
      kind,
      uids: route.users,
      topic: route.topic,
      platform,
      data: request.data,
      dataJson,
      durable: request.durable ?? spec.durableByDefault,
      ttl: request.ttl,
      rooms: route.rooms,
    };
  }

  /**
   * Hands the push to the adapter: every socket in `rooms` (all sockets when empty) on every
   * worker of every host.
   */
  deliver(push: PreparedPush, rooms: string[], seq?: number): void {
    emitPush(rooms.length > 0 ? this.deps.io.to(rooms) : this.deps.io, push.event, push.id, push.data, push.ts, push.topic, seq);
  }

  /** Each target its own seq: a few through the adapter one by one, many as one bulk message. */
  deliverWithSeqs(push: PreparedPush, targets: SeqTarget[]): void {
    if (targets.length <= BULK_THRESHOLD) {
      for (const t of targets) this.deliver(push, t.rooms, t.seq);
      return;
    }
    const bulk: BulkDelivery = { event: push.event, id: push.id, data: push.data, ts: push.ts, targets: [] };
    if (push.topic !== undefined) bulk.topic = push.topic;
    for (const t of targets) for (const room of t.rooms) bulk.targets.push([room, t.seq]);
    this.deps.io.serverSideEmit('herald:bulk', bulk);
    deliverBulkLocally(this.deps.io, bulk);
  }

  private async countOnline(push: PreparedPush): Promise<number | null> {
    try {
      return await this.deps.presence.countConnections(push.uids, push.platform);
    } catch (err) {
      this.deps.logger.warn('presence unavailable; push answered without an online count', { error: (err as Error).message });
      return null;
    }
  }
}

/** This server's part of a bulk delivery: a local emit for each target room it holds. */
export function deliverBulkLocally(io: HeraldServer, bulk: BulkDelivery): void {
  const rooms = io.of('/').adapter.rooms;
  for (const [room, seq] of bulk.targets) {
    if (!rooms.has(room)) continue;
    emitPush(io.local.to(room), bulk.event, bulk.id, bulk.data, bulk.ts, bulk.topic, seq);
  }
}
