/**
 * idle: N connections (logged in on Herald) doing nothing. Server memory per connection is the
 * difference to the empty server: RSS over the whole process tree (/proc), heap summed over
 * the Socket.IO workers (Herald's `/api/v1/stats`, the baselines' memory report).
 */
import { cpuBetween, sampleTree } from '../proc-stats';
import { connectionNotes } from './context';
import type { SharedScenario } from './scenario';

export const idleScenario: SharedScenario = {
  kind: 'shared',
  name: 'idle',
  title: 'idle: memory per connection',
  metrics: [
    { key: 'connections', label: 'connections held (logged in on Herald)', unit: 'count' },
    { key: 'rssPerConnection', label: 'server RSS per connection (whole tree)', unit: 'bytes' },
    { key: 'heapPerConnection', label: 'server heap per connection (workers)', unit: 'bytes' },
    { key: 'rssTotal', label: 'server RSS with N connections', unit: 'mib' },
    { key: 'rssEmpty', label: 'server RSS empty', unit: 'mib' },
    { key: 'idleCpuPercent', label: 'server CPU while idle with N connections (% of one core)', unit: 'percent' },
    { key: 'connectRate', label: 'connections (+ logins) per second while connecting', unit: 'per-s' },
    { key: 'hung', label: 'handshakes that hung', unit: 'count' },
  ],
  async run(session, ctx) {
    const { server, empty, connect } = session;
    ctx.progress.phase(`idle · ${server.kind}: measuring memory`);
    const cpu0 = sampleTree(server.rootPid);
    const loaded = await ctx.memory(server);
    const cpu1 = sampleTree(server.rootPid);
    ctx.progress.finish();
    const held = server.login ? connect.status.loggedIn : connect.status.open;
    const per = (a: number | null, b: number | null): number | null => (a === null || b === null || held === 0 ? null : (a - b) / held);
    return {
      metrics: {
        connections: held,
        rssPerConnection: per(loaded.rssBytes, empty.rssBytes),
        heapPerConnection: per(loaded.heapBytes, empty.heapBytes),
        rssTotal: loaded.rssBytes,
        rssEmpty: empty.rssBytes,
        // Background work (timers, reports, heartbeats from the clients) that every other figure includes.
        idleCpuPercent: cpu1.at > cpu0.at ? (cpuBetween(cpu0, cpu1) / ((cpu1.at - cpu0.at) / 1000)) * 100 : null,
        connectRate: connect.ms > 0 ? held / (connect.ms / 1000) : null,
        hung: connect.status.hung,
      },
      notes: connectionNotes(connect.status),
    };
  },
};
