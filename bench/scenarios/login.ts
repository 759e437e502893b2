/**
 * login: logins per second on a host, once with the jwt verifier and once with the http
 * verifier against a fake main site (in the bench process). The clients connect anonymously
 * first; then every one sends `login` (a few dozen in flight per load process) and the rate is
 * logins answered `ok` over the time from the first to the last answer.
 */
import { cpuBetween, sampleTree } from '../proc-stats';
import { FakeMainSite } from '../servers/fake-main-site';
import { JWT_LOGIN, connectionNotes, started, type BenchContext } from './context';
import type { OwnScenario, ScenarioResult } from './scenario';

async function loginRun(ctx: BenchContext, verifier: 'jwt' | 'http'): Promise<ScenarioResult> {
  const t = started();
  const column = `herald · ${verifier} verifier`;
  const n = ctx.options.loginConnections;
  const site = verifier === 'http' ? await new FakeMainSite().start() : undefined;
  const stopSite = site !== undefined ? ctx.cleanup.add('fake main site', () => site.stop()) : undefined;
  try {
    ctx.progress.phase(`login · ${verifier}: starting Herald`);
    const server = await ctx.startHerald(`login-${verifier}`, site !== undefined ? { verifier: { httpUrl: site.url } } : {});
    const fleet = ctx.startFleet(n);
    try {
      const connect = await ctx.connect(fleet, server, n, `login · ${verifier}: ${n} anonymous connections`, { login: null });
      ctx.progress.phase(`login · ${verifier}: ${connect.status.open} logins`, connect.status.open);
      const ticker = setInterval(() => ctx.progress.update(fleet.status().loggedIn, `${fleet.status().loggedIn} logged in`), 100);
      const cpu0 = sampleTree(server.rootPid);
      const result = await fleet
        .loginAll(verifier === 'jwt' ? JWT_LOGIN : { kind: 'ukey' }, ctx.options.loginConcurrency, Math.max(60_000, n * 20))
        .finally(() => clearInterval(ticker));
      const cpu1 = sampleTree(server.rootPid);
      ctx.progress.finish();
      const latency = result.histogram.summary();
      const { status } = await fleet.collect();
      const notes = connectionNotes(status);
      if (result.failed > 0) notes.push(`${result.failed} logins failed`);
      if (site !== undefined) notes.push(`the fake main site answered ${site.calls} verification requests`);
      return ctx.result('login', column, t, {
        status: result.ok > 0 ? 'ok' : 'failed',
        ...(result.ok > 0 ? {} : { reason: 'no login succeeded' }),
        metrics: {
          loginsPerSec: result.ok / Math.max(0.001, result.ms / 1000),
          p50: latency.p50,
          p99: latency.p99,
          cpuPerLoginUs: result.ok > 0 ? (cpuBetween(cpu0, cpu1) / result.ok) * 1e6 : null,
          ok: result.ok,
          failed: result.failed,
        },
        notes,
      });
    } finally {
      await fleet.stop();
      await server.stop();
    }
  } finally {
    await site?.stop();
    stopSite?.();
  }
}

export const loginScenario: OwnScenario = {
  kind: 'own',
  name: 'login',
  title: 'login: logins per second, jwt and http verifiers',
  metrics: [
    { key: 'loginsPerSec', label: 'logins per second', unit: 'per-s' },
    { key: 'p50', label: 'p50, login sent → answer', unit: 'ms' },
    { key: 'p99', label: 'p99, login sent → answer', unit: 'ms' },
    { key: 'cpuPerLoginUs', label: 'server CPU per login (whole tree)', unit: 'us' },
    { key: 'ok', label: 'logins ok', unit: 'count' },
    { key: 'failed', label: 'logins failed', unit: 'count' },
  ],
  async run(ctx) {
    return [await loginRun(ctx, 'jwt'), await loginRun(ctx, 'http')];
  },
};
