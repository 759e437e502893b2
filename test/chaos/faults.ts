/**
 * The five faults of the chaos suite, one table entry each: how many hosts the scenario needs and
 * the script that injects the fault while pushes flow. A script returns the fault windows it made
 * (absolute ms), from which the runner measures the time to recover.
 */
import { herald } from '../support/cli';
import type { HeraldHost } from '../support/herald-host';
import type { ChaosDevice } from './device';
import type { ChaosServices } from './services';

export type ScenarioName = 'kill9' | 'redis' | 'store' | 'reload' | 'verify';

/** The soak (test/chaos/soak.ts) runs through the same runner with churn as its "fault". */
export type RunName = ScenarioName | 'soak';

export interface FaultWindow {
  /** What happened, for the report (`kill -9 worker 1234`). */
  what: string;
  start: number;
  end: number;
}

export interface FaultContext {
  services: ChaosServices;
  hosts: HeraldHost[];
  devices: ChaosDevice[];
  /** Run start (ms since epoch): fault times are counted from it. */
  t0: number;
  /** Planned length of the push phase, in ms. */
  durationMs: number;
  /** Resolves at t0 + ms. */
  at(ms: number): Promise<void>;
  log(line: string): void;
}

export interface FaultScenario {
  name: RunName;
  /** One line for the report and docs/RELIABILITY.md. */
  title: string;
  hosts: 1 | 2;
  inject(ctx: FaultContext): Promise<FaultWindow[]>;
}

/** Seconds after the start before the first fault: pushes flow and devices are settled. */
const FIRST_FAULT_MS = 3_000;

export const SCENARIOS: readonly FaultScenario[] = [
  {
    name: 'kill9',
    title: 'a worker is killed with SIGKILL every 10 s (round robin over the ready workers)',
    hosts: 1,
    async inject(ctx) {
      const windows: FaultWindow[] = [];
      let turn = 0;
      for (let t = FIRST_FAULT_MS; t < ctx.durationMs - 2_000; t += 10_000) {
        await ctx.at(t);
        const host = ctx.hosts[0] as HeraldHost;
        const pids = await host.workerPids().catch(() => [] as number[]);
        const victim = pids.sort((a, b) => a - b)[turn++ % Math.max(1, pids.length)];
        if (victim === undefined) {
          ctx.log(`kill9: no ready worker at ${t} ms`);
          continue;
        }
        const now = Date.now();
        process.kill(victim, 'SIGKILL');
        windows.push({ what: `kill -9 worker ${victim}`, start: now, end: now });
      }
      return windows;
    },
  },
  {
    name: 'redis',
    title: 'Redis is down for 5 s under two hosts (each user has one device on each host)',
    hosts: 2,
    async inject(ctx) {
      await ctx.at(FIRST_FAULT_MS + 2_000);
      const start = Date.now();
      await ctx.services.redis.stop();
      await ctx.at(FIRST_FAULT_MS + 7_000);
      await ctx.services.redis.start();
      return [{ what: 'Redis down', start, end: Date.now() }];
    },
  },
  {
    name: 'store',
    title: 'the store (MariaDB) is down for 10 s (clean shutdown, then started on the same port)',
    hosts: 1,
    async inject(ctx) {
      await ctx.at(FIRST_FAULT_MS);
      const start = Date.now();
      await ctx.services.mariadb.stop();
      await ctx.at(FIRST_FAULT_MS + 10_000);
      await ctx.services.mariadb.start();
      return [{ what: 'MariaDB down', start, end: Date.now() }];
    },
  },
  {
    name: 'reload',
    title: '`herald server reload` runs twice (through the CLI and the control socket)',
    hosts: 1,
    async inject(ctx) {
      const windows: FaultWindow[] = [];
      const host = ctx.hosts[0] as HeraldHost;
      for (const t of [FIRST_FAULT_MS, FIRST_FAULT_MS + 3_000]) {
        await ctx.at(Math.max(t, Date.now() - ctx.t0));
        const start = Date.now();
        const result = await herald(['server', 'reload'], ctx.services.cliEnv(host), 120_000);
        if (result.code !== 0) ctx.log(`reload failed (${result.code}): ${result.stderr.trim()}`);
        windows.push({ what: `server reload (${((Date.now() - start) / 1000).toFixed(1)} s)`, start, end: Date.now() });
      }
      return windows;
    },
  },
  {
    name: 'verify',
    title: "the main site's verify API answers 500 for 20 s; every user's second device reconnects in it",
    hosts: 1,
    async inject(ctx) {
      await ctx.at(FIRST_FAULT_MS);
      const start = Date.now();
      ctx.services.mainSite.mode = 'down';
      // Logins happen during the outage: the second device of every user starts again.
      for (const device of ctx.devices) if (device.device.endsWith('-d2')) device.restart();
      await ctx.at(FIRST_FAULT_MS + 20_000);
      ctx.services.mainSite.mode = 'normal';
      return [{ what: 'verify API down', start, end: Date.now() }];
    },
  },
];

/** The shortest push phase that holds the scenario's faults, with 2 s after the last. */
export function minimumDurationMs(name: RunName): number {
  switch (name) {
    case 'soak':
      return 0;
    case 'kill9':
      return FIRST_FAULT_MS + 10_000 + 2_500; // two kills
    case 'redis':
      return FIRST_FAULT_MS + 9_000;
    case 'store':
      return FIRST_FAULT_MS + 12_000;
    case 'reload':
      return FIRST_FAULT_MS + 5_000;
    case 'verify':
      return FIRST_FAULT_MS + 22_000;
  }
}
