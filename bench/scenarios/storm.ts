/**
 * storm: N clients on a host; the worker holding the most of them (`--storm-kill all`: every
 * worker) is killed with SIGKILL, and its clients reconnect at once (no back-off: a storm) and log in again. The time from the kill
 * until every client is connected (and logged in, on Herald) again. Runs on Herald and on the
 * stock cluster recipe (the single process has no worker to lose). Handshakes that hang — the
 * sticky hand-off race, or a connection handed to a worker that is still starting — are counted
 * and retried after the handshake timeout.
 *
 * It also reports how the clients sit on the workers (issue 16: within ±10 % of the mean on each):
 * after the first burst of N connections, after the storm, and where the reconnects landed.
 */
import { formatSpread, spreadOf } from '../report/spread';
import type { BenchServer, ServerKind, WorkerInfo } from '../servers/bench-server';
import { connectionNotes, sleep, started, type BenchContext } from './context';
import type { OwnScenario, ScenarioResult } from './scenario';

async function stormOn(ctx: BenchContext, kind: ServerKind): Promise<ScenarioResult> {
  const t = started();
  const n = ctx.options.stormConnections;
  ctx.progress.phase(`storm · ${kind}: starting`);
  const server = await ctx.startServer(kind, 'storm');
  const fleet = ctx.startFleet(n);
  try {
    const connect = await ctx.connect(fleet, server, n, `storm · ${kind}: ${n} clients`);
    const want = (s: { open: number; loggedIn: number }): number => (server.login ? s.loggedIn : s.open);
    const held = want(connect.status);
    await fleet.policy(true, ctx.options.stormConcurrency);
    // Herald's stats come once a second: let them show every connection.
    await sleep(ctx.options.smoke ? 1100 : 1500);
    const workers = await settledWorkers(server, held, ctx.options.workers);
    const connectSpread = spreadOf(workers.map((w) => w.connections));
    ctx.progress.log(`storm · ${kind}: ${held} clients on ${workers.length} workers: ${formatSpread(connectSpread)}`);
    const byLoad = [...workers].sort((x, y) => y.connections - x.connections);
    const victims = ctx.options.stormKill === 'all' ? byLoad : byLoad.slice(0, 1);
    if (victims.length === 0) throw new Error('no worker to kill');
    const killed = victims.reduce((a, w) => a + w.connections, 0);
    await fleet.mark();
    ctx.progress.phase(`storm · ${kind}: killed ${victims.length === 1 ? 'worker' : 'workers'} ${victims.map((w) => w.pid).join(', ')} (${killed} clients)`, held);
    const killedAt = Date.now();
    for (const victim of victims) process.kill(victim.pid, 'SIGKILL');
    const timeoutMs = ctx.options.stormTimeout * 1000;
    // First the victims' clients notice (closes), then all of them must be back.
    const noticed = await fleet.waitFor((s) => s.closes >= killed, Math.min(5000, timeoutMs));
    const back = await fleet.waitFor(
      (s) => want(s) >= held,
      Math.max(0, timeoutMs - (Date.now() - killedAt)),
      (s) => ctx.progress.update(want(s), `${want(s)}/${held} back, ${s.reconnects} reconnects, ${s.hung} hung`),
      25,
    );
    const seconds = (Date.now() - killedAt) / 1000;
    ctx.progress.finish();
    const { status } = await fleet.collect();
    // Also when some clients are missing: where the others went is part of why.
    const after = await settledWorkers(server, want(status), ctx.options.workers);
    const stormSpread = after.length > 0 ? spreadOf(after.map((w) => w.connections)) : undefined;
    const notes = connectionNotes(status);
    notes.push(`split after connecting ${held} at once: ${formatSpread(connectSpread)}`);
    if (stormSpread !== undefined) {
      // A worker that was there before kept its clients; the rest of its count came back to it.
      const landed = after.map((w) => w.connections - (workers.find((b) => b.pid === w.pid)?.connections ?? 0));
      const split = `split after the storm: ${formatSpread(stormSpread)}; the reconnects landed ${landed.map((n) => n.toLocaleString('en-US')).join(' / ')}`;
      notes.push(split);
      ctx.progress.log(`storm · ${kind}: ${split}`);
    }
    if (!noticed) notes.push(`only ${status.closes} of the ${killed} clients of the killed workers saw their connection close within 5 s`);
    if (!back) notes.push(`only ${want(status)} of ${held} clients were back after ${ctx.options.stormTimeout} s`);
    if (!server.login) notes.push('no login on the stock server: "back" means connected');
    return ctx.result('storm', kind, t, {
      status: back ? 'ok' : 'failed',
      ...(back ? {} : { reason: `${held - want(status)} clients not back within ${ctx.options.stormTimeout} s` }),
      metrics: {
        clients: held,
        killed,
        recoverySeconds: back ? seconds : null,
        back: want(status),
        reconnects: status.reconnects,
        connectSpreadPercent: connectSpread.maxDeviationPercent,
        stormSpreadPercent: stormSpread?.maxDeviationPercent ?? null,
        hung: status.hung,
        connectErrors: status.connectErrors,
        loginFailures: status.loginFailures,
      },
      notes,
    });
  } finally {
    await fleet.stop();
    await server.stop();
  }
}

/**
 * The server's workers once their counts add up to `clients` (Herald reports once a second, and
 * a respawned worker appears when ready), at most 5 s; what they say then otherwise.
 */
async function settledWorkers(server: BenchServer, clients: number, workers: number): Promise<WorkerInfo[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const list = await server.workers();
    const sum = list.reduce((a, w) => a + w.connections, 0);
    if ((list.length >= workers && sum >= clients) || Date.now() >= deadline) return list;
    await sleep(250);
  }
}

export const stormScenario: OwnScenario = {
  kind: 'own',
  name: 'storm',
  title: 'storm: a worker killed, its clients reconnect at once',
  metrics: [
    { key: 'clients', label: 'clients (logged in on Herald)', unit: 'count' },
    { key: 'killed', label: 'clients on the killed worker(s)', unit: 'count' },
    { key: 'recoverySeconds', label: 'seconds until every client is back (and logged in)', unit: 's' },
    { key: 'back', label: 'clients back', unit: 'count' },
    { key: 'reconnects', label: 'reconnect attempts', unit: 'count' },
    { key: 'connectSpreadPercent', label: 'largest deviation of a worker from the mean, after connecting', unit: 'percent' },
    { key: 'stormSpreadPercent', label: 'largest deviation of a worker from the mean, after the storm', unit: 'percent' },
    { key: 'hung', label: 'handshakes that hung (retried after the timeout)', unit: 'count' },
    { key: 'connectErrors', label: 'connection errors', unit: 'count' },
    { key: 'loginFailures', label: 'failed logins', unit: 'count' },
  ],
  async run(ctx) {
    const results: ScenarioResult[] = [];
    for (const kind of ctx.options.servers.filter((k) => k !== 'stock-single')) {
      results.push(await stormOn(ctx, kind));
    }
    return results;
  },
};
