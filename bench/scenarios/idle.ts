/**
 * idle: N connections (logged in on Herald) doing nothing. Server memory per connection is the
 * difference to the empty server: RSS over the whole process tree (/proc), heap summed over
 * the Socket.IO workers (Herald's `/api/v1/stats`, the baselines' memory report).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { censusOf, diffCensus, renderCensus, takeSnapshot, type CensusDiff } from '../heap-census';
import { cpuBetween, sampleTree } from '../proc-stats';
import { connectionNotes, sleep, type BenchContext, type MemorySample, type ServerSession } from './context';
import type { SharedScenario } from './scenario';

export const idleScenario: SharedScenario = {
  kind: 'shared',
  name: 'idle',
  title: 'idle: memory per connection',
  metrics: [
    { key: 'connections', label: 'connections held (logged in on Herald)', unit: 'count' },
    { key: 'rssPerConnection', label: 'server RSS per connection (whole tree)', unit: 'bytes' },
    { key: 'heapPerConnection', label: 'server heap per connection (workers)', unit: 'bytes' },
    { key: 'rssPerConnectionSettled', label: 'server RSS per connection, settled (after --idle-settle s idle)', unit: 'bytes' },
    { key: 'heapPerConnectionSettled', label: 'server heap per connection, settled', unit: 'bytes' },
    { key: 'heapRetainedPerConnection', label: 'heap retained per connection (snapshot of the busiest worker; --heap-snapshots)', unit: 'bytes' },
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
    // The first reading comes seconds after the last connection, with the connecting's garbage and
    // grown young generation still counted; a server idle for a while is what holds connections.
    const settled = ctx.options.idleSettle > 0 ? await settle(server, ctx) : undefined;
    const census = session.emptySnapshots !== undefined ? await snapshotCensus(session, ctx) : undefined;
    ctx.progress.finish();
    const held = server.login ? connect.status.loggedIn : connect.status.open;
    const per = (a: number | null, b: number | null): number | null => (a === null || b === null || held === 0 ? null : (a - b) / held);
    return {
      metrics: {
        connections: held,
        rssPerConnection: per(loaded.rssBytes, empty.rssBytes),
        heapPerConnection: per(loaded.heapBytes, empty.heapBytes),
        rssPerConnectionSettled: settled === undefined ? null : per(settled.rssBytes, empty.rssBytes),
        heapPerConnectionSettled: settled === undefined ? null : per(settled.heapBytes, empty.heapBytes),
        heapRetainedPerConnection: census?.totalPerConnection ?? null,
        rssTotal: loaded.rssBytes,
        rssEmpty: empty.rssBytes,
        // Background work (timers, reports, heartbeats from the clients) that every other figure includes.
        idleCpuPercent: cpu1.at > cpu0.at ? (cpuBetween(cpu0, cpu1) / ((cpu1.at - cpu0.at) / 1000)) * 100 : null,
        connectRate: connect.ms > 0 ? held / (connect.ms / 1000) : null,
        hung: connect.status.hung,
      },
      notes: [...connectionNotes(connect.status), ...(census !== undefined ? [`heap census of one worker: ${census.file}`] : [])],
    };
  },
};

/** Memory again after `--idle-settle` seconds with the connections idle. */
async function settle(server: ServerSession['server'], ctx: BenchContext): Promise<MemorySample> {
  const seconds = ctx.options.idleSettle;
  for (let left = seconds; left > 0; left -= Math.min(left, 5)) {
    ctx.progress.phase(`idle · ${server.kind}: settling, ${Math.ceil(left)} s left`);
    await sleep(Math.min(left, 5) * 1000);
  }
  return ctx.memory(server);
}

/** Snapshots the worker holding the most connections and diffs it against its empty snapshot. */
async function snapshotCensus(session: ServerSession, ctx: BenchContext): Promise<(CensusDiff & { file: string }) | undefined> {
  const { server, emptySnapshots } = session;
  const workers = (await server.workers()).filter((w) => emptySnapshots?.has(w.pid) === true);
  const busiest = workers.sort((a, b) => b.connections - a.connections)[0];
  const emptyFile = busiest !== undefined ? emptySnapshots?.get(busiest.pid) : undefined;
  if (busiest === undefined || emptyFile === undefined || busiest.connections === 0) return undefined;
  ctx.progress.phase(`idle · ${server.kind}: heap snapshot of worker ${busiest.pid} (${busiest.connections} connections)`);
  const loadedFile = await takeSnapshot(busiest.pid, dirname(emptyFile));
  const diff = diffCensus(censusOf(emptyFile), censusOf(loadedFile), busiest.connections);
  const file = join(dirname(emptyFile), `census-${server.kind}.md`);
  writeFileSync(file, `${renderCensus(`${server.kind}, worker ${busiest.pid}`, diff)}\n`);
  return { ...diff, file };
}
