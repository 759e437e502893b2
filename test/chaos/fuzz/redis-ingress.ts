/**
 * Fuzz target `redis`: what an internal service may put into Herald's Redis ingress — PUBLISH on
 * `<prefix>push` and XADD on `<prefix>push:stream`, with valid, mutated and hostile bodies, missing
 * and extra fields. Findings are crashes and unhandled rejections (there is no answer to check);
 * at the end the run reports what was dead-lettered and what is still pending.
 */
import Redis from 'ioredis';
import { pushBodyText, show } from './inputs';
import type { Rng } from './rng';
import type { CaseResult, FuzzContext, FuzzTarget } from './target';

export class RedisIngressTarget implements FuzzTarget {
  readonly name = 'redis' as const;
  private redis: Redis | undefined;

  async open(ctx: FuzzContext): Promise<void> {
    await this.close();
    this.redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false });
    this.redis.on('error', () => undefined);
  }

  async run(rng: Rng, ctx: FuzzContext): Promise<CaseResult> {
    const redis = this.redis as Redis;
    const body = rng.chance(0.05) ? rng.bytes(rng.int(0, 100)) : pushBodyText(rng, ctx.uids);
    if (rng.chance(0.5)) {
      const channel = `${ctx.prefix}push`;
      await redis.publish(channel, body).catch(() => undefined);
      await settle();
      return { input: `PUBLISH ${channel} ${show(body)}` };
    }
    const fields: (string | Buffer)[] = [];
    const shape = rng.int(0, 9);
    if (shape <= 6) fields.push('msg', body);
    else if (shape === 7) fields.push(rng.pick(['Msg', 'message', 'id', '']), body);
    else fields.push('msg', body, rng.pick(['id', 'msg', 'extra', '__proto__']), rng.pick(['1', 'x'.repeat(200), '', rng.string(20)]));
    if (rng.chance(0.1)) fields.unshift('id', rng.pick(['k1', '', 'x'.repeat(129), rng.string(10)]));
    const stream = `${ctx.prefix}push:stream`;
    await redis.xadd(stream, '*', ...fields).catch(() => undefined);
    await settle();
    return { input: `XADD ${stream} * ${fields.map((f) => show(f, 200)).join(' ')}` };
  }

  /** Entries dead-lettered, and entries read but not acknowledged yet. */
  async streamState(ctx: FuzzContext): Promise<{ dead: number; pending: number }> {
    const redis = this.redis as Redis;
    const dead = await redis.xlen(`${ctx.prefix}push:dead`).catch(() => -1);
    const groups = (await redis.xinfo('GROUPS', `${ctx.prefix}push:stream`).catch(() => [])) as unknown[][];
    let pending = 0;
    for (const group of groups) {
      const at = group.indexOf('pending');
      if (at >= 0) pending += Number(group[at + 1]);
    }
    return { dead, pending };
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
    this.redis = undefined;
  }
}

/** A moment for the ingress to take the entry, so a log line points near its case. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}
