/**
 * Presence in Redis, shared by every host:
 *   <prefix>presence:<uid>  hash  sid → "nodeId \t platform \t device \t since"
 *   <prefix>node:<nodeId>   set   "uid \t sid" (what to purge when that worker dies)
 *   <prefix>nodes           zset  nodeId → last heartbeat (ms)
 * Entries of a worker whose heartbeat is older than `nodeTimeout` are ignored when read and
 * purged by whichever worker notices first; the primary purges a worker it saw die at once.
 * Each worker keeps its own entries in memory too, and writes them back after a Redis outage.
 *
 * Every command touches one key: on a Redis Cluster a user's hash and a node's set live on
 * different shards, so nothing here is a MULTI across keys. Commands of one tick still go in one
 * write per server (the client auto-pipelines), and the commands on one key keep their order.
 */
import type { RedisClient } from '../../shared/redis';
import { systemClock, unrefTimer, type Clock, type TimerHandle } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { byLoginTime, type Presence, type PresenceEntry } from './presence';

export interface RedisPresenceOptions {
  /** Key prefix, e.g. `herald:`. */
  prefix: string;
  /** This worker's node id. */
  nodeId: string;
  /** Milliseconds between node heartbeats. @default 5000 */
  heartbeatMs: number;
  /** Milliseconds after which a silent node counts as dead. @default 15000 */
  nodeTimeoutMs: number;
  /** Milliseconds the list of live nodes is cached. @default 1000 */
  liveNodesCacheMs: number;
}

export const DEFAULT_REDIS_PRESENCE_OPTIONS: Omit<RedisPresenceOptions, 'prefix' | 'nodeId'> = {
  heartbeatMs: 5000, // 5 seconds
  nodeTimeoutMs: 15_000, // 15 seconds
  liveNodesCacheMs: 1000,
};

const SEP = '\t';

export function presenceKey(prefix: string, uid: string): string {
  return `${prefix}presence:${uid}`;
}
function nodeKey(prefix: string, nodeId: string): string {
  return `${prefix}node:${nodeId}`;
}
function nodesKey(prefix: string): string {
  return `${prefix}nodes`;
}

function encode(entry: PresenceEntry): string {
  return [entry.nodeId, entry.platform, entry.device ?? '', String(entry.since)].join(SEP);
}

function decode(uid: string, sid: string, value: string): PresenceEntry | undefined {
  const [nodeId, platform, device, since] = value.split(SEP);
  if (nodeId === undefined || platform === undefined || device === undefined || since === undefined) return undefined;
  return { sid, uid, nodeId, platform, device: device === '' ? null : device, since: Number(since) };
}

/** Removes every presence entry a node left behind, and the node itself. Safe to run twice. */
export async function purgePresenceNode(redis: RedisClient, prefix: string, nodeId: string): Promise<number> {
  const members = await redis.smembers(nodeKey(prefix, nodeId));
  await inChunks(members, (member) => {
    const [uid, sid] = member.split(SEP);
    return uid !== undefined && sid !== undefined ? redis.hdel(presenceKey(prefix, uid), sid) : undefined;
  });
  // The node's own keys last: a purge cut short is found and finished by the next one.
  await Promise.all([redis.del(nodeKey(prefix, nodeId)), redis.zrem(nodesKey(prefix), nodeId)]);
  return members.length;
}

/** Runs one single-key command per item, at most 1,000 at a time; the first failure rejects. */
async function inChunks<T>(items: readonly T[], command: (item: T) => Promise<unknown> | undefined): Promise<void> {
  for (let i = 0; i < items.length; i += 1000) await Promise.all(items.slice(i, i + 1000).map(command));
}

export class RedisPresence implements Presence {
  private readonly options: RedisPresenceOptions;
  private readonly own = new Map<string, PresenceEntry>();
  private liveNodes: Set<string> | undefined;
  private liveNodesAt = 0;
  private heartbeatTimer: TimerHandle | undefined;
  private needsResync = false;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly logger: Logger,
    options: Pick<RedisPresenceOptions, 'prefix' | 'nodeId'> & Partial<RedisPresenceOptions>,
    private readonly clock: Clock = systemClock,
  ) {
    this.options = { ...DEFAULT_REDIS_PRESENCE_OPTIONS, ...options };
    this.redis.on('ready', this.onReady);
    this.redis.on('close', this.onClose);
  }

  /** Starts the node heartbeat (and the purge of dead nodes that rides on it). */
  start(): void {
    if (this.heartbeatTimer !== undefined) return;
    this.heartbeatTimer = this.clock.setInterval(() => void this.heartbeat(), this.options.heartbeatMs);
    unrefTimer(this.heartbeatTimer);
    if (this.redis.status === 'ready') void this.heartbeat();
  }

  async add(entry: PresenceEntry): Promise<PresenceEntry[]> {
    this.own.set(entry.sid, entry);
    const { prefix } = this.options;
    const key = presenceKey(prefix, entry.uid);
    // The hash read after the write: same key, same connection, so it sees it.
    const [, , all] = await Promise.all([
      this.redis.hset(key, entry.sid, encode(entry)),
      this.redis.sadd(nodeKey(prefix, entry.nodeId), `${entry.uid}${SEP}${entry.sid}`),
      this.redis.hgetall(key),
    ]);
    return this.liveEntries(entry.uid, all);
  }

  async remove(uid: string, sid: string): Promise<void> {
    const entry = this.own.get(sid);
    this.own.delete(sid);
    const { prefix, nodeId } = this.options;
    try {
      await Promise.all([this.redis.hdel(presenceKey(prefix, uid), sid), this.redis.srem(nodeKey(prefix, entry?.nodeId ?? nodeId), `${uid}${SEP}${sid}`)]);
    } catch (err) {
      // Redis is down: the entry already left `own`, so the resync after the outage deletes it.
      this.needsResync = true;
      this.logger.debug('presence remove deferred', { error: (err as Error).message });
    }
  }

  async list(uid: string): Promise<PresenceEntry[]> {
    const all = await this.redis.hgetall(presenceKey(this.options.prefix, uid));
    return this.liveEntries(uid, all);
  }

  async countConnections(uids: readonly string[], platform?: string): Promise<number> {
    const unique = [...new Set(uids)];
    let count = 0;
    for (let i = 0; i < unique.length; i += 1000) {
      const chunk = unique.slice(i, i + 1000);
      const results = await Promise.all(chunk.map((uid) => this.redis.hgetall(presenceKey(this.options.prefix, uid))));
      for (let j = 0; j < chunk.length; j++) {
        const all = results[j] ?? {};
        for (const entry of await this.liveEntries(chunk[j] as string, all)) {
          if (platform === undefined || entry.platform === platform) count++;
        }
      }
    }
    return count;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer !== undefined) this.clock.clearInterval(this.heartbeatTimer);
    this.redis.off('ready', this.onReady);
    this.redis.off('close', this.onClose);
    if (this.redis.status === 'ready') {
      await purgePresenceNode(this.redis, this.options.prefix, this.options.nodeId).catch(() => undefined);
    }
    this.own.clear();
  }

  private async liveEntries(uid: string, all: Record<string, string>): Promise<PresenceEntry[]> {
    const live = await this.getLiveNodes();
    const entries: PresenceEntry[] = [];
    for (const [sid, value] of Object.entries(all)) {
      const entry = decode(uid, sid, value);
      if (entry !== undefined && live.has(entry.nodeId)) entries.push(entry);
    }
    return entries.sort(byLoginTime);
  }

  private async getLiveNodes(): Promise<Set<string>> {
    const now = this.clock.now();
    if (this.liveNodes === undefined || now - this.liveNodesAt > this.options.liveNodesCacheMs) {
      const ids = await this.redis.zrangebyscore(nodesKey(this.options.prefix), now - this.options.nodeTimeoutMs, '+inf');
      this.liveNodes = new Set(ids);
      this.liveNodes.add(this.options.nodeId);
      this.liveNodesAt = now;
    }
    return this.liveNodes;
  }

  private async heartbeat(): Promise<void> {
    if (this.closed || this.redis.status !== 'ready') return;
    const { prefix, nodeId, nodeTimeoutMs } = this.options;
    const now = this.clock.now();
    try {
      await this.redis.zadd(nodesKey(prefix), now, nodeId);
      const dead = await this.redis.zrangebyscore(nodesKey(prefix), '-inf', now - nodeTimeoutMs);
      for (const id of dead) {
        const purged = await purgePresenceNode(this.redis, prefix, id);
        this.logger.info('purged presence of a dead worker', { node: id, entries: purged });
      }
      if (this.needsResync) await this.resync();
    } catch (err) {
      this.logger.debug('presence heartbeat failed', { error: (err as Error).message });
    }
  }

  /** Rewrites this node's entries from memory: after an outage Redis may have lost or kept stale ones. */
  private async resync(): Promise<void> {
    const { prefix, nodeId } = this.options;
    const stale = await this.redis.smembers(nodeKey(prefix, nodeId));
    await inChunks(stale, (member) => {
      const [uid, sid] = member.split(SEP);
      if (uid === undefined || sid === undefined || this.own.has(sid)) return undefined;
      return Promise.all([this.redis.hdel(presenceKey(prefix, uid), sid), this.redis.srem(nodeKey(prefix, nodeId), member)]);
    });
    await inChunks([...this.own.values()], (entry) =>
      Promise.all([this.redis.hset(presenceKey(prefix, entry.uid), entry.sid, encode(entry)), this.redis.sadd(nodeKey(prefix, nodeId), `${entry.uid}${SEP}${entry.sid}`)]),
    );
    await this.redis.zadd(nodesKey(prefix), this.clock.now(), nodeId);
    this.needsResync = false;
    this.logger.info('presence resynced after a Redis outage', { entries: this.own.size });
  }

  private readonly onClose = (): void => {
    if (!this.closed) this.needsResync = true;
  };

  /** On every (re)connection: announce this node at once, and resync after an outage. */
  private readonly onReady = (): void => {
    if (this.heartbeatTimer !== undefined) void this.heartbeat();
  };
}
