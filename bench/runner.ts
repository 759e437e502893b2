/**
 * Runs the selected scenarios: first the shared ones (idle, fanout, latency) on each server in
 * turn — start it, measure it empty, connect N clients, run them, stop it — then the scenarios
 * that start their own servers. A failing scenario is recorded and the run goes on.
 */
import type { Cleanup } from './cleanup';
import { takeSnapshot } from './heap-census';
import { describeMachine } from './machine';
import type { BenchOptions } from './options';
import { loadAverage } from './proc-stats';
import type { Progress } from './progress';
import { evaluateGoals } from './report/goals';
import { summarizeProfiles } from './report/profile-summary';
import type { BenchRun } from './report/results';
import { SCENARIOS } from './scenarios';
import { BenchContext, started, type ServerSession } from './scenarios/context';
import type { OwnScenario, ScenarioResult, SharedScenario } from './scenarios/scenario';
import type { ServerKind } from './servers/bench-server';

function message(err: unknown): string {
  return (err as Error)?.message?.split('\n')[0] ?? String(err);
}

async function runShared(ctx: BenchContext, kind: ServerKind, scenarios: SharedScenario[]): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const t = started();
  let session: ServerSession | undefined;
  try {
    ctx.progress.phase(`${kind}: starting`);
    const server = await ctx.startServer(kind, 'shared');
    const empty = await ctx.memory(server);
    const fleet = ctx.startFleet(ctx.options.connections);
    session = { server, fleet, empty, connect: { ok: 0, failed: 0, ms: 0, status: fleet.status() } };
    const snapshotDir = ctx.heapSnapshotDir(`${kind}-shared`);
    if (snapshotDir !== undefined) {
      ctx.progress.phase(`${kind}: heap snapshots of the empty workers`);
      session.emptySnapshots = new Map();
      for (const worker of await server.workers()) session.emptySnapshots.set(worker.pid, await takeSnapshot(worker.pid, snapshotDir));
    }
    session.connect = await ctx.connect(fleet, server, ctx.options.connections, `${kind}: connecting ${ctx.options.connections} clients`);
    for (const scenario of scenarios) {
      const ts = started();
      try {
        const outcome = await scenario.run(session, ctx);
        results.push(
          ctx.result(scenario.name, kind, ts, outcome.skipped !== undefined ? { status: 'skipped', reason: outcome.skipped } : outcome),
        );
      } catch (err) {
        ctx.progress.log(`${scenario.name} · ${kind} failed: ${message(err)}`);
        results.push(ctx.result(scenario.name, kind, ts, { status: 'failed', reason: message(err) }));
      }
    }
  } catch (err) {
    ctx.progress.log(`${kind} failed: ${message(err)}`);
    for (const scenario of scenarios.filter((s) => !results.some((r) => r.scenario === s.name))) {
      results.push(ctx.result(scenario.name, kind, t, { status: 'failed', reason: message(err) }));
    }
  } finally {
    ctx.progress.finish();
    await session?.fleet.stop();
    await session?.server.stop();
  }
  return results;
}

export async function runScenarios(options: BenchOptions, progress: Progress, cleanup: Cleanup, command: string): Promise<BenchRun> {
  const ctx = new BenchContext(options, progress, cleanup);
  const machine = describeMachine();
  const startedAt = new Date();
  const selected = options.scenarios.map((name) => SCENARIOS[name]);
  const shared = selected.filter((s): s is SharedScenario => s.kind === 'shared');
  const own = selected.filter((s): s is OwnScenario => s.kind === 'own');
  const results: ScenarioResult[] = [];

  for (const kind of options.servers) {
    const here = shared.filter((s) => s.appliesTo === undefined || s.appliesTo.includes(kind));
    if (here.length > 0) results.push(...(await runShared(ctx, kind, here)));
  }
  for (const scenario of own) {
    const t = started();
    try {
      results.push(...(await scenario.run(ctx)));
    } catch (err) {
      progress.log(`${scenario.name} failed: ${message(err)}`);
      results.push(ctx.result(scenario.name, 'herald', t, { status: 'failed', reason: message(err) }));
    } finally {
      progress.finish();
      // Whatever the scenario left behind (it failed half-way) is stopped before the next one.
      await cleanup.run();
    }
  }

  const profileDir = ctx.profileDir('');
  return {
    version: 1,
    runId: ctx.runId,
    label: options.label,
    command,
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    machine,
    loadAverageAtEnd: loadAverage(),
    options,
    results,
    goals: evaluateGoals(results, options),
    profiles: profileDir !== undefined ? summarizeProfiles(profileDir) : [],
    profileDir: profileDir ?? null,
  };
}
