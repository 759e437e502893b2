/**
 * latency: broadcasts at a steady rate below saturation (deliveries/s = rate; broadcasts/s =
 * rate / N). Latency from the moment the API call was due to the client's receipt (the send
 * moment travels in `data`), and from the server's `ts` to receipt; p50/p99/max.
 */
import { benchData } from '../load/wire';
import { pace, paceNotes } from '../pacer';
import { cpuBetween, sampleTree } from '../proc-stats';
import { connectionNotes } from './context';
import type { SharedScenario } from './scenario';

export const latencyScenario: SharedScenario = {
  kind: 'shared',
  name: 'latency',
  title: 'latency: broadcasts at a steady rate',
  metrics: [
    { key: 'deliveriesPerSec', label: 'deliveries per second (steady)', unit: 'per-s' },
    { key: 'p50', label: 'p50, API call → client', unit: 'ms' },
    { key: 'p99', label: 'p99, API call → client', unit: 'ms' },
    { key: 'max', label: 'max, API call → client', unit: 'ms' },
    { key: 'serverP50', label: 'p50, server ts → client', unit: 'ms' },
    { key: 'serverP99', label: 'p99, server ts → client', unit: 'ms' },
    { key: 'cpuPerDeliveryUs', label: 'server CPU per delivery at this rate', unit: 'us' },
    { key: 'lost', label: 'deliveries missing 10 s after the last broadcast', unit: 'count' },
  ],
  async run(session, ctx) {
    const { server, fleet } = session;
    const { latencyRate, duration, messageBytes } = ctx.options;
    // Asked now, not the cached status (up to ~200 ms old): expected must count every receiver.
    const receivers = (await fleet.collect()).status.open;
    const broadcastRate = Math.max(0.5, latencyRate / Math.max(1, receivers));
    await fleet.measure('message', 'latency');
    ctx.progress.phase(`latency · ${server.kind}: ${broadcastRate.toFixed(1)} broadcasts/s to ${receivers} for ${duration} s`, 0);
    const cpu0 = sampleTree(server.rootPid);
    const t0 = Date.now();
    const paced = await pace({
      rate: broadcastRate,
      durationMs: duration * 1000,
      maxInFlight: 8,
      send: (dueAt) => server.broadcast(benchData(dueAt, messageBytes)),
      onTick: (sent, total) => ctx.progress.update(sent, `${sent}/${total} broadcasts`),
    });
    const expected = (paced.sent - paced.failed) * receivers;
    await fleet.waitFor((s) => s.received >= expected, 10_000);
    const cpu1 = sampleTree(server.rootPid);
    ctx.progress.finish();
    const { status, latency, serverLatency } = await fleet.collect();
    const seconds = Math.max(0.001, ((status.lastReceiveAt > 0 ? status.lastReceiveAt : Date.now()) - t0) / 1000);
    const notes = connectionNotes(status);
    notes.push(...paceNotes('broadcast calls', paced));
    if (latency.negatives > 0) notes.push(`${latency.negatives} samples below 0 ms (clock disagreement), counted as 0`);
    const s = latency.summary();
    const ss = serverLatency.summary();
    return {
      metrics: {
        deliveriesPerSec: status.received / seconds,
        p50: s.p50,
        p99: s.p99,
        max: s.max,
        serverP50: ss.p50,
        serverP99: ss.p99,
        cpuPerDeliveryUs: status.received > 0 ? (cpuBetween(cpu0, cpu1) / status.received) * 1e6 : null,
        lost: Math.max(0, expected - status.received),
      },
      notes,
    };
  },
};
