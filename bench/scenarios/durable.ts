/**
 * durable: pushes to single users that Herald commits to its store before answering (contract
 * section 8), at a steady rate: p50/p99 from the API call to the client and of the API answer
 * (the commit), on the shared Herald with its N clients. A hook for the durable store: while `POST /api/v1/push` answers `stored: false`
 * for a uid push, the store is not wired in and the scenario is skipped with that reason.
 */
import { randomInt } from 'node:crypto';
import { Histogram } from '../histogram';
import { benchData, preciseNow } from '../load/wire';
import { pace, paceNotes } from '../pacer';
import { connectionNotes } from './context';
import type { Metrics, SharedScenario } from './scenario';
import type { HeraldServer } from '../servers/herald-server';

export const durableScenario: SharedScenario = {
  kind: 'shared',
  name: 'durable',
  appliesTo: ['herald'],
  title: 'durable: stored pushes to single users',
  metrics: [
    { key: 'rate', label: 'durable pushes per second achieved', unit: 'per-s' },
    { key: 'p50', label: 'p50, API call → client', unit: 'ms' },
    { key: 'p99', label: 'p99, API call → client', unit: 'ms' },
    { key: 'apiP50', label: 'p50, API answer (stored)', unit: 'ms' },
    { key: 'apiP99', label: 'p99, API answer (stored)', unit: 'ms' },
    { key: 'lost', label: 'pushes not received within 10 s of the last send', unit: 'count' },
  ],
  async run(session, ctx) {
    const server = session.server as HeraldServer;
    const fleet = session.fleet;
    const probe = await server.api.post('/api/v1/push', { to: { uid: 'u0' }, data: 'probe' });
    const stored = (probe.body as { stored?: unknown } | undefined)?.stored;
    if (probe.status !== 200 || stored !== true) {
      const reason =
        probe.status !== 200
          ? `POST /api/v1/push answered ${probe.status} for a uid push`
          : 'the durable store is not wired in yet: POST /api/v1/push answered stored:false for a uid push';
      ctx.progress.log(`durable: skipped (${reason})`);
      const none: Metrics = {};
      return { skipped: reason, metrics: none, notes: [] };
    }
    const users = (await fleet.collect()).status.loggedIn;
    const { durableRate, duration, messageBytes } = ctx.options;
    await fleet.measure('message', 'latency');
    ctx.progress.phase(`durable: ${durableRate} pushes/s for ${duration} s`, Math.round(durableRate * duration));
    const answers = new Histogram();
    const paced = await pace({
      rate: durableRate,
      durationMs: duration * 1000,
      maxInFlight: 256,
      send: async (dueAt) => {
        const answer = await server.api.post('/api/v1/push', { to: { uid: `u${randomInt(users)}` }, data: benchData(dueAt, messageBytes) });
        answers.record(preciseNow() - dueAt);
        if (answer.status !== 200) throw new Error(`push answered ${answer.status}`);
      },
      onTick: (sent, total) => ctx.progress.update(sent, `${sent}/${total} pushes`),
    });
    const accepted = paced.sent - paced.failed;
    await fleet.waitFor((s) => s.received >= accepted, 10_000);
    ctx.progress.finish();
    const { status, latency } = await fleet.collect();
    const s = latency.summary();
    const a = answers.summary();
    const notes = connectionNotes(status);
    notes.push(...paceNotes('durable pushes', paced));
    return {
      metrics: { rate: paced.achievedRate, p50: s.p50, p99: s.p99, apiP50: a.p50, apiP99: a.p99, lost: Math.max(0, accepted - status.received) },
      notes,
    };
  },
};
