/**
 * The soak (`npm run chaos -- --soak`, not in CI): one host on Redis and MariaDB, SDK devices that
 * churn (a share of them drop their connection and come back every second), durable pushes at a
 * steady rate, for `minutes` (10 by default). Every 10 s it samples the resident memory of every
 * Herald process; at the end it fits a line through the last half of each process's samples and
 * says whether memory levelled off. Delivery is checked as in the chaos scenarios.
 */
import { heraldJson } from '../support/cli';
import type { HeraldHost } from '../support/herald-host';
import type { FaultScenario } from './faults';
import { DEFAULT_CHAOS_OPTIONS, positiveNumber } from './options';
import { processTree, rssMb } from './proc';
import { formatDetails, formatResult, runScenario, type ScenarioResult } from './run-scenario';
import { ChaosServices } from './services';

export interface SoakOptions {
  /** Length of the push phase, in minutes. @default 10 */
  minutes: number;
  /** Durable pushes per second. @default 50 */
  rate: number;
  /** Users (two devices each). @default 50 */
  users: number;
  /** Share of the devices that reconnect every second. @default 0.02 */
  churn: number;
  /** Seconds between memory samples. @default 10 */
  sampleEvery: number;
  /** A process levelled off when its last-half slope is under this, in MB per minute. @default 1 */
  maxSlope: number;
}

export const DEFAULT_SOAK_OPTIONS: SoakOptions = {
  minutes: 10,
  rate: 50,
  users: 50,
  churn: 0.02,
  sampleEvery: 10,
  maxSlope: 1,
};

export interface ProcessMemory {
  name: string;
  pid: number;
  /** [seconds since start, RSS MB]. */
  samples: [number, number][];
  firstMb: number;
  lastMb: number;
  /** Least-squares slope of the last half of the samples, MB per minute. */
  slopeMbPerMin: number;
  levelled: boolean;
}

export interface SoakReport {
  delivery: ScenarioResult;
  memory: ProcessMemory[];
  options: SoakOptions;
  ok: boolean;
}

export function soakOptionsFrom(flags: Map<string, string>): SoakOptions {
  return {
    minutes: positiveNumber(flags, 'minutes', DEFAULT_SOAK_OPTIONS.minutes),
    rate: positiveNumber(flags, 'rate', DEFAULT_SOAK_OPTIONS.rate),
    users: Math.round(positiveNumber(flags, 'users', DEFAULT_SOAK_OPTIONS.users)),
    churn: positiveNumber(flags, 'churn', DEFAULT_SOAK_OPTIONS.churn),
    sampleEvery: positiveNumber(flags, 'sample-every', DEFAULT_SOAK_OPTIONS.sampleEvery),
    maxSlope: positiveNumber(flags, 'max-slope', DEFAULT_SOAK_OPTIONS.maxSlope),
  };
}

/** Least-squares slope of y over x. */
export function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const services = await ChaosServices.start();
  const byPid = new Map<number, { name: string; samples: [number, number][] }>();
  const scenario: FaultScenario = {
    name: 'soak',
    title: 'churn and pushes; memory sampled every 10 s',
    hosts: 1,
    async inject(ctx) {
      const host = ctx.hosts[0] as HeraldHost;
      let names = new Map<number, string>();
      const sample = async (): Promise<void> => {
        const rows = await heraldJson<{ pid: number; name: string }[]>(['process', 'show'], services.cliEnv(host)).catch(() => []);
        if (rows.length > 0) names = new Map(rows.map((r) => [r.pid, r.name]));
        const at = (Date.now() - ctx.t0) / 1000;
        for (const pid of processTree(host.pid)) {
          const mb = rssMb(pid);
          if (mb === undefined) continue;
          const entry = byPid.get(pid) ?? { name: names.get(pid) ?? `pid ${pid}`, samples: [] };
          entry.samples.push([at, mb]);
          byPid.set(pid, entry);
        }
      };
      let nextSample = 0;
      for (let s = 0; s * 1000 < ctx.durationMs; s++) {
        await ctx.at(s * 1000);
        if (s * 1000 >= nextSample) {
          await sample();
          nextSample += options.sampleEvery * 1000;
        }
        const churners = Math.max(1, Math.round(ctx.devices.length * options.churn));
        for (let i = 0; i < churners; i++) ctx.devices[(s * churners + i) % ctx.devices.length]?.restart();
      }
      await sample();
      return [];
    },
  };
  let delivery: ScenarioResult;
  try {
    delivery = await runScenario(services, scenario, {
      ...DEFAULT_CHAOS_OPTIONS,
      rate: options.rate,
      users: options.users,
      duration: options.minutes * 60,
      settle: 30,
    });
  } finally {
    await services.close();
  }
  const memory: ProcessMemory[] = [];
  for (const [pid, { name, samples }] of byPid) {
    if (samples.length < 3) continue; // a process that lived only a moment
    const lastHalf = samples.slice(Math.floor(samples.length / 2));
    const slopeMbPerMin = slope(lastHalf) * 60;
    memory.push({
      name,
      pid,
      samples,
      firstMb: (samples[0] as [number, number])[1],
      lastMb: (samples[samples.length - 1] as [number, number])[1],
      slopeMbPerMin,
      levelled: slopeMbPerMin < options.maxSlope,
    });
  }
  const ok = delivery.lost === 0 && delivery.outOfOrder === 0 && memory.every((m) => m.levelled);
  return { delivery, memory, options, ok };
}

export function formatSoak(report: SoakReport): string[] {
  const lines = [formatResult(report.delivery), ...formatDetails(report.delivery)];
  for (const m of report.memory) {
    lines.push(
      `soak rss ${m.name.padEnd(22)} pid ${String(m.pid).padEnd(7)} ${m.firstMb.toFixed(1)} → ${m.lastMb.toFixed(1)} MB, ` +
        `last-half slope ${m.slopeMbPerMin >= 0 ? '+' : ''}${m.slopeMbPerMin.toFixed(2)} MB/min: ${m.levelled ? 'levelled off' : 'STILL GROWING'} (${m.samples.length} samples)`,
    );
  }
  lines.push(`soak: ${report.options.minutes} min, ${report.ok ? 'ok' : 'FAIL'} (bar: 0 lost, 0 out of order, every process under ${report.options.maxSlope} MB/min in the last half)`);
  return lines;
}
