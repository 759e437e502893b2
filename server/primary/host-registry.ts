/**
 * Hosts that share a Redis find each other here: every primary writes its snapshot to
 * `<prefix>hosts` every `publishMs`; a host not heard from for `hostTimeoutMs` is dead, dropped,
 * and its workers' presence purged. Stats and the endpoint's least-loaded choice read it.
 */
import type { RedisClient } from '../../shared/redis';
import type { Logger } from '../../shared/logger';
import { purgePresenceNode } from '../cluster/redis-presence';
import type { HostSnapshot } from '../cluster/stats';

export interface HostRegistryOptions {
  prefix: string;
  /** Milliseconds between snapshot writes. @default 2000 */
  publishMs: number;
  /** Milliseconds after which a silent host is dead. @default 15000 */
  hostTimeoutMs: number;
}

export const DEFAULT_HOST_REGISTRY_OPTIONS: Omit<HostRegistryOptions, 'prefix'> = {
  publishMs: 2000,
  hostTimeoutMs: 15_000,
};

export class HostRegistry {
  private readonly options: HostRegistryOptions;
  private timer: NodeJS.Timeout | undefined;
  private others: HostSnapshot[] = [];

  constructor(
    private readonly redis: RedisClient,
    private readonly logger: Logger,
    private readonly own: () => HostSnapshot,
    options: Pick<HostRegistryOptions, 'prefix'> & Partial<HostRegistryOptions>,
  ) {
    this.options = { ...DEFAULT_HOST_REGISTRY_OPTIONS, ...options };
  }

  private get key(): string {
    return `${this.options.prefix}hosts`;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick(), this.options.publishMs);
    this.timer.unref();
    void this.tick();
  }

  get redisReady(): boolean {
    return this.redis.status === 'ready';
  }

  /** Every live host, this one first (as of now). */
  hosts(): HostSnapshot[] {
    return [this.own(), ...this.others];
  }

  /** The URL of the live host with the fewest connections among those advertising one. */
  leastLoadedUrl(): string | undefined {
    let best: HostSnapshot | undefined;
    for (const host of this.hosts()) {
      if (host.url === undefined || !host.workers.some((w) => w.state === 'ready')) continue;
      if (best === undefined || host.connections < best.connections) best = host;
    }
    return best?.url;
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.redis.status === 'ready') await this.redis.hdel(this.key, this.own().hostId).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    const own = this.own();
    try {
      await this.redis.hset(this.key, own.hostId, JSON.stringify(own));
      const all = await this.redis.hgetall(this.key);
      const now = Date.now();
      const others: HostSnapshot[] = [];
      for (const [hostId, json] of Object.entries(all)) {
        if (hostId === own.hostId) continue;
        let host: HostSnapshot;
        try {
          host = JSON.parse(json) as HostSnapshot;
        } catch {
          await this.redis.hdel(this.key, hostId);
          continue;
        }
        if (now - host.updatedAt > this.options.hostTimeoutMs) {
          await this.dropDeadHost(host);
          continue;
        }
        others.push(host);
      }
      this.others = others.sort((a, b) => a.hostId.localeCompare(b.hostId));
    } catch (err) {
      this.logger.debug('host registry update failed', { error: (err as Error).message });
    }
  }

  private async dropDeadHost(host: HostSnapshot): Promise<void> {
    this.logger.warn('a host stopped reporting; dropping it', { host: host.hostId });
    for (const worker of host.workers) await purgePresenceNode(this.redis, this.options.prefix, worker.nodeId);
    await this.redis.hdel(this.key, host.hostId);
  }
}
