/**
 * targeted: pushes to single users at a steady rate, through the HTTP API (one push per call, and
 * `--targeted-batch` pushes per `POST /api/v1/push/batch` call) and through Redis PUBLISH, with two Herald hosts on one Redis: every client is connected to host A, so host B
 * holds none of the targeted users' sockets. p50/p99/max from the moment the push was due to
 * the client's receipt, and the CPU each host spends per push (B's is what a push costs a host
 * that has nothing to deliver).
 */
import { randomInt } from 'node:crypto';
import Redis from 'ioredis';
import { benchData } from '../load/wire';
import { pace, paceNotes, type PaceResult } from '../pacer';
import { cpuBetween, helperShare, sampleTree, systemShare } from '../proc-stats';
import type { HeraldServer } from '../servers/herald-server';
import { connectionNotes, sleep, started, type BenchContext } from './context';
import type { Metrics, OwnScenario, ScenarioResult } from './scenario';

/** How long each phase pushes at its rate before it starts counting. */
const WARMUP_MS = 2000;

interface PhaseOutcome {
  paced: PaceResult;
  metrics: Metrics;
  notes: string[];
}

/**
 * One measured way of pushing. `perCall` pushes go out per call (1, or a batch's size); the calls
 * are paced at rate / perCall and every push of a call is stamped with the call's due time, so
 * the latency runs from the call to the client.
 */
async function phase(
  ctx: BenchContext,
  label: string,
  hosts: { a: HeraldServer; b: HeraldServer },
  fleet: import('../load/fleet').Fleet,
  perCall: number,
  sendOne: (pushes: { uid: string; data: string }[]) => Promise<void>,
): Promise<PhaseOutcome> {
  const { targetedRate, duration, messageBytes } = ctx.options;
  const users = (await fleet.collect()).status.loggedIn;
  const callRate = targetedRate / perCall;
  const send = (dueAt: number): Promise<void> =>
    sendOne(Array.from({ length: perCall }, () => ({ uid: `u${randomInt(users)}`, data: benchData(dueAt, messageBytes) })));
  // Warm-up, not counted: the same rate for WARMUP_MS, so the caller's keep-alive pool is open and
  // the push path compiled, as in a backend that has been pushing for a while. Its pushes are
  // counted in a round of their own and waited for, so none lands in the measured round.
  ctx.progress.phase(`targeted · ${label}: warm-up, ${WARMUP_MS / 1000} s at ${targetedRate} pushes/s (not counted)`);
  await fleet.measure('message', 'count');
  const warm = await pace({ rate: callRate, durationMs: WARMUP_MS, maxInFlight: 256, send });
  await fleet.waitFor((s) => s.received >= (warm.sent - warm.failed) * perCall, 10_000);
  ctx.progress.finish();
  await fleet.measure('message', 'latency');
  ctx.progress.phase(`targeted · ${label}: ${targetedRate} pushes/s for ${duration} s`, Math.round(targetedRate * duration));
  const a0 = sampleTree(hosts.a.rootPid);
  const b0 = sampleTree(hosts.b.rootPid);
  const paced = await pace({
    rate: callRate,
    durationMs: duration * 1000,
    maxInFlight: 256,
    send,
    onTick: (sent, total) => ctx.progress.update(sent * perCall, `${sent * perCall}/${total * perCall} pushes`),
  });
  const accepted = (paced.sent - paced.failed) * perCall;
  await fleet.waitFor((s) => s.received >= accepted, 10_000);
  const a1 = sampleTree(hosts.a.rootPid);
  const b1 = sampleTree(hosts.b.rootPid);
  ctx.progress.finish();
  const { status, latency } = await fleet.collect();
  const s = latency.summary();
  const perPushA = accepted > 0 ? (cpuBetween(a0, a1) / accepted) * 1e6 : null;
  const perPushB = accepted > 0 ? (cpuBetween(b0, b1) / accepted) * 1e6 : null;
  const notes = connectionNotes(status);
  notes.push(...paceNotes(`${label} pushes`, paced));
  return {
    paced,
    metrics: {
      rate: paced.achievedRate * perCall,
      p50: s.p50,
      p99: s.p99,
      max: s.max,
      lost: Math.max(0, accepted - status.received),
      cpuA: perPushA,
      cpuB: perPushB,
      kernelA: systemShare(a0, a1),
      helpersA: helperShare(a0, a1),
      ratio: perPushA !== null && perPushB !== null && perPushA > 0 ? perPushB / perPushA : null,
    },
    notes,
  };
}

function prefixed(prefix: string, metrics: Metrics): Metrics {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`${prefix}${k[0]?.toUpperCase()}${k.slice(1)}`, v]));
}

export const targetedScenario: OwnScenario = {
  kind: 'own',
  name: 'targeted',
  title: 'targeted: pushes to single users, two hosts on Redis',
  metrics: [
    { key: 'apiRate', label: 'API: pushes per second achieved', unit: 'per-s' },
    { key: 'apiP50', label: 'API: p50, call → client', unit: 'ms' },
    { key: 'apiP99', label: 'API: p99, call → client', unit: 'ms' },
    { key: 'apiMax', label: 'API: max, call → client', unit: 'ms' },
    { key: 'apiLost', label: 'API: pushes not received within 10 s of the last send', unit: 'count' },
    { key: 'apiCpuA', label: 'API: CPU per push, host A (holds the sockets, takes the API call)', unit: 'us' },
    { key: 'apiCpuB', label: 'API: CPU per push, host B (holds none)', unit: 'us' },
    { key: 'apiKernelA', label: "API: share of host A's CPU in the kernel", unit: 'percent' },
    { key: 'apiHelpersA', label: "API: share of host A's CPU off the JavaScript threads (V8's GC and compiler helpers)", unit: 'percent' },
    { key: 'apiRatio', label: 'API: host B / host A CPU per push', unit: 'ratio' },
    { key: 'batchRate', label: 'batch API: pushes per second achieved', unit: 'per-s' },
    { key: 'batchP50', label: 'batch API: p50, call → client', unit: 'ms' },
    { key: 'batchP99', label: 'batch API: p99, call → client', unit: 'ms' },
    { key: 'batchMax', label: 'batch API: max, call → client', unit: 'ms' },
    { key: 'batchLost', label: 'batch API: pushes not received within 10 s of the last send', unit: 'count' },
    { key: 'batchCpuA', label: 'batch API: CPU per push, host A', unit: 'us' },
    { key: 'batchCpuB', label: 'batch API: CPU per push, host B', unit: 'us' },
    { key: 'batchKernelA', label: "batch API: share of host A's CPU in the kernel", unit: 'percent' },
    { key: 'batchHelpersA', label: "batch API: share of host A's CPU off the JavaScript threads (V8's GC and compiler helpers)", unit: 'percent' },
    { key: 'publishRate', label: 'PUBLISH: pushes per second achieved', unit: 'per-s' },
    { key: 'publishP50', label: 'PUBLISH: p50, publish → client', unit: 'ms' },
    { key: 'publishP99', label: 'PUBLISH: p99, publish → client', unit: 'ms' },
    { key: 'publishMax', label: 'PUBLISH: max, publish → client', unit: 'ms' },
    { key: 'publishLost', label: 'PUBLISH: pushes not received within 10 s of the last send', unit: 'count' },
    { key: 'publishCpuA', label: 'PUBLISH: CPU per push, host A', unit: 'us' },
    { key: 'publishCpuB', label: 'PUBLISH: CPU per push, host B', unit: 'us' },
    { key: 'publishKernelA', label: "PUBLISH: share of host A's CPU in the kernel", unit: 'percent' },
    { key: 'publishHelpersA', label: "PUBLISH: share of host A's CPU off the JavaScript threads (V8's GC and compiler helpers)", unit: 'percent' },
  ],
  async run(ctx): Promise<ScenarioResult[]> {
    const t = started();
    if (ctx.options.heraldAdapter !== 'redis') {
      return [ctx.result('targeted', 'herald', t, { status: 'skipped', reason: 'needs Redis (--herald-adapter redis)' })];
    }
    const redisPrefix = ctx.redisPrefix('targeted');
    const redis = { url: ctx.options.redisUrl, prefix: redisPrefix };
    ctx.progress.phase('targeted: starting two Herald hosts on Redis');
    const a = await ctx.startHerald('targeted-a', { redis });
    const b = await ctx.startHerald('targeted-b', { redis });
    ctx.progress.finish();
    const publisher = new Redis(ctx.options.redisUrl, { maxRetriesPerRequest: 1 });
    publisher.on('error', () => undefined);
    const fleet = ctx.startFleet(ctx.options.connections);
    try {
      const connect = await ctx.connect(fleet, a, ctx.options.connections, `targeted: ${ctx.options.connections} clients → host A`);
      // The ingress leader must hold the PUBLISH subscription before anything is published.
      const channel = `${redisPrefix}push`;
      for (let i = 0; i < 100; i++) {
        const [, subscribers] = (await publisher.pubsub('NUMSUB', channel)) as [string, number];
        if (Number(subscribers) > 0) break;
        await sleep(100);
      }
      const api = await phase(ctx, 'API', { a, b }, fleet, 1, async ([push]) => {
        const { uid, data } = push as { uid: string; data: string };
        const answer = await a.api.post('/api/v1/push', { to: { uid }, data, durable: false });
        if (answer.status !== 200) throw new Error(`push answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
      });
      // The same pushes through POST /api/v1/push/batch, targetedBatch per call.
      const perBatch = ctx.options.targetedBatch;
      const batched =
        perBatch > 0
          ? await phase(ctx, `batch API (${perBatch} per call)`, { a, b }, fleet, perBatch, async (pushes) => {
              const answer = await a.api.post('/api/v1/push/batch', { pushes: pushes.map(({ uid, data }) => ({ to: { uid }, data, durable: false })) });
              const failed = (answer.body as { results?: { ok: boolean }[] } | undefined)?.results?.filter((r) => !r.ok).length;
              if (answer.status !== 200 || failed !== 0) throw new Error(`batch answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
            })
          : undefined;
      const published = await phase(ctx, 'PUBLISH', { a, b }, fleet, 1, async ([push]) => {
        const { uid, data } = push as { uid: string; data: string };
        await publisher.publish(channel, JSON.stringify({ to: { uid }, data, durable: false }));
      });
      const metrics: Metrics = { ...prefixed('api', api.metrics), ...(batched ? prefixed('batch', batched.metrics) : {}), ...prefixed('publish', published.metrics) };
      delete metrics.publishRatio;
      delete metrics.batchRatio;
      const notes = [...new Set([...connectionNotes(connect.status), ...api.notes, ...(batched?.notes ?? []), ...published.notes])];
      notes.push('host A takes the API calls and holds every socket; the PUBLISH ingress leader is whichever worker holds the lock');
      return [ctx.result('targeted', 'herald', t, { metrics, notes })];
    } finally {
      publisher.disconnect();
      await fleet.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
  },
};
