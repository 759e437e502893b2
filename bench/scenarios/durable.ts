/**
 * durable: how many durable uid pushes a second Herald commits before answering (contract section
 * 8) while the API's p99 stays ≤ 50 ms. The offered rate ramps (durableRate, ×1.5 a step, up to
 * durableMaxRate, durableStep seconds each) until the API p99 of a step passes 50 ms, a push
 * fails, or the sender falls behind, twice in a row (a step that misses runs once more: one
 * stall of a shared machine does not end the ramp); the highest rate held is the figure. Measured into MariaDB
 * (a scratch database on `--mysql`) and into the embedded SQLite store, each through the single
 * push API and through the batch API (durableBatch pushes per call), with N clients logged in
 * that receive every push (call → client p99 at the held rate, and nothing lost).
 *
 * Beside it, in the same run, the naive writer Herald's store replaces: one autocommitted INSERT
 * per push into a copy of the same table, from a pool of connections (MariaDB) or one file
 * (SQLite), ramped the same way; its "API p99" is the INSERT's, from the moment it was due.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import Database from 'better-sqlite3';
import { createConnection, createPool } from 'mysql2/promise';
import { INSERT_MESSAGE_COLUMNS, messageValues } from '../../shared/store/queries';
import { SqliteMessageStore } from '../../shared/store';
import { Histogram } from '../histogram';
import type { Fleet } from '../load/fleet';
import { benchData, preciseNow } from '../load/wire';
import { pace, paceNotes } from '../pacer';
import { cpuBetween, sampleTree } from '../proc-stats';
import type { HeraldServer } from '../servers/herald-server';
import { connectionNotes, sleep, started, type BenchContext } from './context';
import type { Metrics, OwnScenario, ScenarioResult } from './scenario';

/** A step holds when its API p99 is at most this. */
const P99_BOUND_MS = 50;
/** Growth of the offered rate from one step to the next. */
const RAMP_FACTOR = 1.5;
/** Pause between steps, so one step's queue does not spill into the next. */
const STEP_PAUSE_MS = 500;
/** Longest warm-up before a ramp, at its first rate, not counted: connections opened, the path compiled. */
const WARMUP_MS = 2000;

interface Step {
  offered: number;
  achieved: number;
  apiP99: number;
  deliveryP99: number | null;
  failed: number;
  held: boolean;
}

interface RampOutcome {
  steps: Step[];
  /** Pushes answered 200 over the whole ramp (its warm-up excluded). */
  accepted: number;
  /** The held step with the highest achieved rate. */
  best: Step | undefined;
  lost: number;
  notes: string[];
}

/** The offered rates of the ramp. */
export function rampRates(start: number, max: number): number[] {
  const rates: number[] = [];
  for (let rate = start; rate <= max * 1.0001; rate *= RAMP_FACTOR) rates.push(Math.round(rate));
  return rates.length > 0 ? rates : [Math.round(start)];
}

/**
 * Ramps `send` (one call of `perCall` pushes, due at `dueAt`) until a step misses; with a fleet,
 * also counts what the clients received and their latency per step.
 */
async function ramp(ctx: BenchContext, label: string, perCall: number, send: (dueAt: number) => Promise<void>, fleet?: Fleet): Promise<RampOutcome> {
  const { durableRate, durableMaxRate, durableStep } = ctx.options;
  const steps: Step[] = [];
  const notes: string[] = [];
  let lost = 0;
  let accepted = 0;
  ctx.progress.phase(`durable · ${label}: warm-up at ${durableRate} pushes/s (not counted)`);
  if (fleet !== undefined) await fleet.measure('message', 'count');
  const warm = await pace({ rate: durableRate / perCall, durationMs: Math.min(WARMUP_MS, durableStep * 1000), maxInFlight: 512, send });
  if (fleet !== undefined) await fleet.waitFor((s) => s.received >= (warm.sent - warm.failed) * perCall, 10_000);
  ctx.progress.finish();
  await sleep(STEP_PAUSE_MS);
  const rates = rampRates(durableRate, durableMaxRate);
  for (let i = 0; i < rates.length; i++) {
    const offered = rates[i] as number;
    if (fleet !== undefined) await fleet.measure('message', 'latency');
    const answers = new Histogram();
    ctx.progress.phase(`durable · ${label}: ${offered} pushes/s for ${durableStep} s`, Math.round(offered * durableStep));
    const paced = await pace({
      rate: offered / perCall,
      durationMs: durableStep * 1000,
      maxInFlight: 512,
      send: async (dueAt) => {
        await send(dueAt);
        answers.record(preciseNow() - dueAt);
      },
      onTick: (sent, total) => ctx.progress.update(sent * perCall, `${sent * perCall}/${total * perCall} pushes`),
    });
    let deliveryP99: number | null = null;
    if (fleet !== undefined) {
      const accepted = (paced.sent - paced.failed) * perCall;
      await fleet.waitFor((s) => s.received >= accepted, 10_000);
      const { status, latency } = await fleet.collect();
      deliveryP99 = latency.summary().p99;
      lost += Math.max(0, accepted - status.received);
    }
    ctx.progress.finish();
    const apiP99 = answers.summary().p99 ?? Infinity;
    const achieved = paced.achievedRate * perCall;
    accepted += (paced.sent - paced.failed) * perCall;
    const held = paced.failed === 0 && apiP99 <= P99_BOUND_MS && achieved >= 0.95 * offered;
    steps.push({ offered, achieved, apiP99, deliveryP99, failed: paced.failed, held });
    if (paced.failed > 0) notes.push(...paceNotes(`${label} pushes at ${offered}/s`, paced));
    await sleep(STEP_PAUSE_MS);
    if (held) continue;
    const previous = steps[steps.length - 2];
    if (previous !== undefined && !previous.held && previous.offered === offered) break;
    i--; // once more at this rate
  }
  const best = steps.filter((s) => s.held).sort((a, b) => b.achieved - a.achieved)[0];
  const last = steps[steps.length - 1];
  notes.push(
    `${label}: ${steps.map((s) => `${s.offered}/s → p99 ${Number.isFinite(s.apiP99) ? s.apiP99.toFixed(1) : '–'} ms${s.held ? '' : ' ✗'}`).join(', ')}` +
      (last?.held === true ? ' (stopped at the ramp’s top, --durable-max-rate)' : ''),
  );
  return { steps, accepted, best, lost, notes };
}

/** The metrics of a ramp under `prefix` (single, batch). */
function rampMetrics(prefix: 'single' | 'batch', outcome: RampOutcome | undefined, cpuSeconds?: number): Metrics {
  const best = outcome?.best;
  return {
    [`${prefix}Cpu`]: cpuSeconds !== undefined && outcome !== undefined && outcome.accepted > 0 ? (cpuSeconds / outcome.accepted) * 1e6 : null,
    [`${prefix}Held`]: best?.achieved ?? (outcome !== undefined ? 0 : null),
    [`${prefix}P99`]: best?.apiP99 ?? null,
    [`${prefix}DeliveryP99`]: best?.deliveryP99 ?? null,
  };
}

/** A scratch database on the MariaDB server, or why there is none. */
async function scratchDatabase(url: string, name: string): Promise<{ url: string; drop: () => Promise<void> } | { missing: string }> {
  try {
    const conn = await createConnection({ uri: url, connectTimeout: 2000 });
    await conn.query(`CREATE DATABASE \`${name}\``);
    await conn.end();
  } catch (err) {
    return { missing: `no MariaDB at ${url} (${(err as Error).message})` };
  }
  return {
    url: `${url.replace(/\/+$/, '')}/${name}`,
    drop: async () => {
      const conn = await createConnection({ uri: url, connectTimeout: 2000 });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

/** One stored push's row for the naive writers: the next seq of its uid, counted here. */
function naiveRow(seqs: Map<string, number>, uid: string, data: string): (string | number | null)[] {
  const seq = (seqs.get(uid) ?? 0) + 1;
  seqs.set(uid, seq);
  const now = Date.now();
  return messageValues({ id: `naive-${uid}-${seq}`, uid, event: 'message', data, topic: null, platform: null, createdAt: now, expiresAt: now + 86_400_000 }, seq);
}

/** Herald on one store: a host, N clients logged in, the single and the batch API ramps. */
async function heraldRamps(ctx: BenchContext, store: 'mariadb' | 'sqlite', env: Record<string, string>): Promise<ScenarioResult> {
  const t = started();
  const server = `herald · ${store}`;
  let host: HeraldServer | undefined;
  let fleet: Fleet | undefined;
  try {
    ctx.progress.phase(`durable: starting Herald on ${store}`);
    host = await ctx.startHerald(`durable-${store}`, { env });
    ctx.progress.finish();
    const probe = await host.api.post('/api/v1/push', { to: { uid: 'u0' }, data: 'probe' });
    if (probe.status !== 200 || (probe.body as { stored?: unknown }).stored !== true) {
      return ctx.result('durable', server, t, { status: 'failed', reason: `a uid push was not stored: ${probe.status} ${JSON.stringify(probe.body).slice(0, 200)}` });
    }
    fleet = ctx.startFleet(ctx.options.connections);
    const connect = await ctx.connect(fleet, host, ctx.options.connections, `durable · ${store}: ${ctx.options.connections} clients`);
    const users = connect.status.loggedIn;
    const api = host.api;
    const bytes = ctx.options.messageBytes;
    const cpu = async <T>(run: () => Promise<T>): Promise<{ value: T; seconds: number }> => {
      const before = sampleTree((host as HeraldServer).rootPid);
      const value = await run();
      return { value, seconds: cpuBetween(before, sampleTree((host as HeraldServer).rootPid)) };
    };
    const { value: single, seconds: singleCpu } = await cpu(() => ramp(ctx, `${store} · single API`, 1, async (dueAt) => {
      const answer = await api.post('/api/v1/push', { to: { uid: `u${randomInt(users)}` }, data: benchData(dueAt, bytes) });
      if (answer.status !== 200) throw new Error(`push answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
    }, fleet));
    const perBatch = ctx.options.durableBatch;
    const { value: batch, seconds: batchCpu } =
      perBatch > 0
        ? await cpu(() => ramp(ctx, `${store} · batch API (${perBatch} per call)`, perBatch, async (dueAt) => {
            const pushes = Array.from({ length: perBatch }, () => ({ to: { uid: `u${randomInt(users)}` }, data: benchData(dueAt, bytes) }));
            const answer = await api.post('/api/v1/push/batch', { pushes });
            const results = (answer.body as { results?: { ok: boolean; stored?: boolean }[] } | undefined)?.results;
            if (answer.status !== 200 || results === undefined || results.some((r) => r.ok !== true || r.stored !== true)) {
              throw new Error(`batch answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
            }
          }, fleet))
        : { value: undefined, seconds: undefined };
    const notes = [...connectionNotes(connect.status), ...single.notes, ...(batch?.notes ?? [])];
    return ctx.result('durable', server, t, {
      metrics: { ...rampMetrics('single', single, singleCpu), ...rampMetrics('batch', batch, batchCpu), lost: single.lost + (batch?.lost ?? 0) },
      notes,
    });
  } finally {
    ctx.progress.finish();
    await fleet?.stop();
    await host?.stop();
  }
}

/** The naive MariaDB writer: one autocommitted INSERT per push, 16 connections. */
async function naiveMysql(ctx: BenchContext, url: string): Promise<ScenarioResult> {
  const t = started();
  const pool = createPool({ uri: url, connectionLimit: 16, charset: 'utf8mb4_general_ci' });
  try {
    await pool.query('CREATE TABLE naive_message LIKE herald_message');
    const seqs = new Map<string, number>();
    const users = ctx.options.connections;
    const sql = `INSERT INTO naive_message ${INSERT_MESSAGE_COLUMNS} VALUES (?)`;
    const outcome = await ramp(ctx, 'mariadb · one INSERT per push', 1, async (dueAt) => {
      await pool.query(sql, [naiveRow(seqs, `u${randomInt(users)}`, JSON.stringify(benchData(dueAt, ctx.options.messageBytes)))]);
    });
    return ctx.result('durable', 'one INSERT per push · mariadb', t, { metrics: rampMetrics('single', outcome), notes: outcome.notes });
  } finally {
    await pool.end();
  }
}

/** The naive SQLite writer: one INSERT per push into Herald's schema, in its own transaction (WAL, synchronous FULL, as Herald's store). */
async function naiveSqlite(ctx: BenchContext): Promise<ScenarioResult> {
  const t = started();
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-naive-'));
  try {
    const path = join(dir, 'naive.sqlite');
    const schema = new SqliteMessageStore({ path });
    await schema.migrate();
    await schema.close();
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const insert = db.prepare(`INSERT INTO herald_message ${INSERT_MESSAGE_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const seqs = new Map<string, number>();
    const users = ctx.options.connections;
    try {
      const outcome = await ramp(ctx, 'sqlite · one INSERT per push', 1, async (dueAt) => {
        insert.run(...naiveRow(seqs, `u${randomInt(users)}`, JSON.stringify(benchData(dueAt, ctx.options.messageBytes))));
      });
      return ctx.result('durable', 'one INSERT per push · sqlite', t, { metrics: rampMetrics('single', outcome), notes: outcome.notes });
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const durableScenario: OwnScenario = {
  kind: 'own',
  name: 'durable',
  title: `durable: stored uid pushes, the offered rate ramped until the API p99 passes ${P99_BOUND_MS} ms`,
  metrics: [
    { key: 'singleHeld', label: `single push API: highest rate held (API p99 ≤ ${P99_BOUND_MS} ms)`, unit: 'per-s' },
    { key: 'singleP99', label: 'single push API: API p99 at that rate', unit: 'ms' },
    { key: 'singleDeliveryP99', label: 'single push API: p99 call → client at that rate', unit: 'ms' },
    { key: 'singleCpu', label: 'single push API: Herald host CPU over the ramp ÷ its pushes (idle load included; the database excluded)', unit: 'us' },
    { key: 'batchHeld', label: `batch API: highest rate held (API p99 ≤ ${P99_BOUND_MS} ms)`, unit: 'per-s' },
    { key: 'batchP99', label: 'batch API: API p99 at that rate', unit: 'ms' },
    { key: 'batchDeliveryP99', label: 'batch API: p99 call → client at that rate', unit: 'ms' },
    { key: 'batchCpu', label: 'batch API: Herald host CPU over the ramp ÷ its pushes', unit: 'us' },
    { key: 'lost', label: 'stored pushes not received within 10 s of their step', unit: 'count' },
  ],
  async run(ctx): Promise<ScenarioResult[]> {
    const results: ScenarioResult[] = [];
    const attempt = async (server: string, run: () => Promise<ScenarioResult>): Promise<void> => {
      const t = started();
      try {
        results.push(await run());
      } catch (err) {
        const reason = (err as Error)?.message?.split('\n')[0] ?? String(err);
        ctx.progress.log(`durable · ${server} failed: ${reason}`);
        results.push(ctx.result('durable', server, t, { status: 'failed', reason }));
      }
    };
    const scratch = await scratchDatabase(ctx.options.mysqlUrl, `hbench_${ctx.runId}_durable`);
    if ('missing' in scratch) {
      const t = started();
      for (const server of ['herald · mariadb', 'one INSERT per push · mariadb']) results.push(ctx.result('durable', server, t, { status: 'skipped', reason: scratch.missing }));
    } else {
      try {
        await attempt('herald · mariadb', () => heraldRamps(ctx, 'mariadb', { HERALD_MYSQL_URL: scratch.url }));
        await attempt('one INSERT per push · mariadb', () => naiveMysql(ctx, scratch.url));
      } finally {
        await scratch.drop().catch(() => undefined);
      }
    }
    await attempt('herald · sqlite', () => heraldRamps(ctx, 'sqlite', {}));
    await attempt('one INSERT per push · sqlite', () => naiveSqlite(ctx));
    return results;
  },
};
