/**
 * fanout: K broadcasts to the N connected clients, sent as fast as the server takes them (a few
 * API calls in flight). Deliveries per second from the first call to the last receipt, and the
 * server's CPU time per delivery over its whole process tree, which a busy shared machine
 * disturbs least. The load clients' CPU per delivery is shown too, to prove they are light.
 */
import { benchData, preciseNow } from '../load/wire';
import { cpuBetween, sampleTree } from '../proc-stats';
import { connectionNotes } from './context';
import type { SharedScenario } from './scenario';

export const fanoutScenario: SharedScenario = {
  kind: 'shared',
  name: 'fanout',
  title: 'fanout: broadcast to every connection',
  metrics: [
    { key: 'deliveriesPerSec', label: 'deliveries per second', unit: 'per-s' },
    { key: 'cpuPerDeliveryUs', label: 'server CPU per delivery (whole tree)', unit: 'us' },
    { key: 'clientCpuPerDeliveryUs', label: 'load clients CPU per delivery', unit: 'us' },
    { key: 'broadcastsPerSec', label: 'broadcasts per second', unit: 'per-s' },
    { key: 'delivered', label: 'deliveries received', unit: 'count' },
    { key: 'expected', label: 'deliveries expected (K × N)', unit: 'count' },
  ],
  async run(session, ctx) {
    const { server, fleet } = session;
    const { fanoutMessages: k, fanoutInflight, messageBytes } = ctx.options;
    // Asked now, not the cached status (up to ~200 ms old): expected must count every receiver.
    const receivers = (await fleet.collect()).status.open;
    const expected = k * receivers;
    await fleet.measure('message', 'count');
    ctx.progress.phase(`fanout · ${server.kind}: ${k} broadcasts to ${receivers}`, expected);

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
    const senders = Promise.all(Array.from({ length: Math.max(1, fanoutInflight) }, sender));
    const sentAt = senders.then(() => Date.now());
    // Bounded: at least 30 s, or 20 µs per expected delivery.
    const timeoutMs = Math.max(30_000, expected * 0.02);
    const complete = await fleet.waitFor((s) => s.received >= expected, timeoutMs, (s) => ctx.progress.update(s.received, `${s.received} delivered`), 20);
    const cpu1 = sampleTree(server.rootPid);
    const clients1 = sampleTree(...fleet.pids);
    const apiDone = await sentAt;
    ctx.progress.finish();

    const { status } = await fleet.collect();
    const end = status.lastReceiveAt > 0 ? status.lastReceiveAt : Date.now();
    const seconds = Math.max(0.001, (end - t0) / 1000);
    const delivered = status.received;
    const notes = connectionNotes(status);
    if (!complete) notes.push(`only ${delivered} of ${expected} deliveries arrived within ${Math.round(timeoutMs / 1000)} s`);
    if (errors.length > 0) notes.push(`broadcast errors: ${errors.join('; ')}`);
    return {
      metrics: {
        deliveriesPerSec: delivered / seconds,
        cpuPerDeliveryUs: delivered > 0 ? (cpuBetween(cpu0, cpu1) / delivered) * 1e6 : null,
        clientCpuPerDeliveryUs: delivered > 0 ? (cpuBetween(clients0, clients1) / delivered) * 1e6 : null,
        broadcastsPerSec: k / Math.max(0.001, (apiDone - t0) / 1000),
        delivered,
        expected,
      },
      notes,
    };
  },
};
