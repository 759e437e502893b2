/**
 * fanout: K broadcasts to the N connected clients, measured twice on the same connections:
 * - lone: one API call in flight, so each broadcast is written on its own (what a site sending one
 *   announcement at a time pays; per-turn corking cannot merge anything);
 * - coalesced: `--fanout-inflight` calls in flight (default 4), as fast as the server takes them,
 *   so broadcasts meet in one event-loop turn and leave in one write per socket.
 * Each phase: deliveries per second from its first call to its last receipt, and the server's CPU
 * time per delivery over its whole process tree, which a busy shared machine disturbs least. The
 * load clients' CPU per delivery is shown too, to prove they are light. With `--fanout-inflight 1`
 * only the lone phase runs (the coalesced figures are then absent).
 */
import { benchData, preciseNow } from '../load/wire';
import { cpuBetween, helperShare, sampleTree, systemShare } from '../proc-stats';
import { connectionNotes, type BenchContext, type ServerSession } from './context';
import type { Metrics, SharedScenario } from './scenario';

interface PhaseResult {
  metrics: Metrics;
  notes: string[];
}

/** K broadcasts with `inflight` calls in flight, counted from a fresh measure round. */
async function phase(session: ServerSession, ctx: BenchContext, name: string, inflight: number): Promise<PhaseResult> {
  const { server, fleet } = session;
  const { fanoutMessages: k, messageBytes } = ctx.options;
  await fleet.measure('message', 'count');
  // Asked now, not the cached status (up to ~200 ms old): expected must count every receiver.
  const receivers = (await fleet.collect()).status.open;
  const expected = k * receivers;
  ctx.progress.phase(`fanout ${name} · ${server.kind}: ${k} broadcasts to ${receivers}, ${inflight} in flight`, expected);

  const cpu0 = sampleTree(server.rootPid);
  const clients0 = sampleTree(...fleet.pids);
  const t0 = Date.now();
  let next = 0;
  const errors: string[] = [];
  const sender = async (): Promise<void> => {
    while (next < k) {
      next++;
      await server.broadcast(benchData(preciseNow(), messageBytes)).catch((err: Error) => {
        if (errors.length < 3) errors.push(err.message);
      });
    }
  };
  const senders = Promise.all(Array.from({ length: Math.max(1, inflight) }, sender));
  const sentAt = senders.then(() => Date.now());
  // Bounded: at least 30 s, or 100 µs per expected delivery (a lone broadcast on a busy machine
  // runs at ~30,000 deliveries/s: a late phase would leak its deliveries into the next one's count).
  const timeoutMs = Math.max(30_000, expected * 0.1);
  const complete = await fleet.waitFor((s) => s.received >= expected, timeoutMs, (s) => ctx.progress.update(s.received, `${s.received} delivered`), 20);
  const cpu1 = sampleTree(server.rootPid);
  const clients1 = sampleTree(...fleet.pids);
  const apiDone = await sentAt;
  ctx.progress.finish();

  const { status } = await fleet.collect();
  const end = status.lastReceiveAt > 0 ? status.lastReceiveAt : Date.now();
  const seconds = Math.max(0.001, (end - t0) / 1000);
  const delivered = status.received;
  const notes: string[] = [];
  if (!complete) notes.push(`${name}: only ${delivered} of ${expected} deliveries arrived within ${Math.round(timeoutMs / 1000)} s`);
  if (errors.length > 0) notes.push(`${name}: broadcast errors: ${errors.join('; ')}`);
  return {
    metrics: {
      deliveriesPerSec: delivered / seconds,
      cpuPerDeliveryUs: delivered > 0 ? (cpuBetween(cpu0, cpu1) / delivered) * 1e6 : null,
      kernelShare: systemShare(cpu0, cpu1),
      helperShare: helperShare(cpu0, cpu1),
      clientCpuPerDeliveryUs: delivered > 0 ? (cpuBetween(clients0, clients1) / delivered) * 1e6 : null,
      broadcastsPerSec: k / Math.max(0.001, (apiDone - t0) / 1000),
      delivered,
      expected,
    },
    notes,
  };
}

/** `loneCpuPerDeliveryUs` from `cpuPerDeliveryUs`. */
function lone(metrics: Metrics): Metrics {
  const out: Metrics = {};
  for (const [key, value] of Object.entries(metrics)) out[`lone${key[0]?.toUpperCase() ?? ''}${key.slice(1)}`] = value;
  return out;
}

export const fanoutScenario: SharedScenario = {
  kind: 'shared',
  name: 'fanout',
  title: 'fanout: broadcast to every connection, one at a time (lone) and several in flight (coalesced)',
  metrics: [
    { key: 'loneDeliveriesPerSec', label: 'lone (1 in flight): deliveries per second', unit: 'per-s' },
    { key: 'loneCpuPerDeliveryUs', label: 'lone (1 in flight): server CPU per delivery (whole tree)', unit: 'us' },
    { key: 'loneKernelShare', label: 'lone (1 in flight): share of that CPU in the kernel', unit: 'percent' },
    { key: 'loneHelperShare', label: "lone (1 in flight): share of that CPU off the JavaScript threads (V8's GC and compiler helpers)", unit: 'percent' },
    { key: 'loneClientCpuPerDeliveryUs', label: 'lone (1 in flight): load clients CPU per delivery', unit: 'us' },
    { key: 'loneBroadcastsPerSec', label: 'lone (1 in flight): broadcasts per second', unit: 'per-s' },
    { key: 'loneDelivered', label: 'lone (1 in flight): deliveries received', unit: 'count' },
    { key: 'deliveriesPerSec', label: 'coalesced: deliveries per second', unit: 'per-s' },
    { key: 'cpuPerDeliveryUs', label: 'coalesced: server CPU per delivery (whole tree)', unit: 'us' },
    { key: 'kernelShare', label: 'coalesced: share of that CPU in the kernel', unit: 'percent' },
    { key: 'helperShare', label: 'coalesced: share of that CPU off the JavaScript threads', unit: 'percent' },
    { key: 'clientCpuPerDeliveryUs', label: 'coalesced: load clients CPU per delivery', unit: 'us' },
    { key: 'broadcastsPerSec', label: 'coalesced: broadcasts per second', unit: 'per-s' },
    { key: 'delivered', label: 'coalesced: deliveries received', unit: 'count' },
    { key: 'expected', label: 'deliveries expected per phase (K × N)', unit: 'count' },
  ],
  async run(session, ctx) {
    const { fleet } = session;
    const { fanoutInflight } = ctx.options;
    const alone = await phase(session, ctx, 'lone', 1);
    const metrics: Metrics = { ...lone(alone.metrics), expected: alone.metrics.expected ?? null };
    const notes = [...alone.notes];
    if (fanoutInflight > 1) {
      const together = await phase(session, ctx, 'coalesced', fanoutInflight);
      Object.assign(metrics, together.metrics);
      notes.push(...together.notes);
      notes.push(`coalesced: ${fanoutInflight} broadcast calls in flight`);
    } else {
      notes.push('--fanout-inflight 1: the coalesced phase did not run');
    }
    const { status } = await fleet.collect();
    notes.unshift(...connectionNotes(status));
    return { metrics, notes };
  },
};
