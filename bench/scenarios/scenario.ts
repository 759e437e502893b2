/** What a scenario is and what it produces. */
import type { ScenarioName } from '../options';
import type { ServerKind } from '../servers/bench-server';
import type { BenchContext, ServerSession } from './context';

export type Unit = 'bytes' | 'us' | 'ms' | 's' | 'per-s' | 'count' | 'ratio' | 'mib' | 'percent';

export interface MetricSpec {
  key: string;
  label: string;
  unit: Unit;
}

export type Metrics = Record<string, number | null>;

export interface ScenarioResult {
  scenario: ScenarioName;
  /** The column: `herald`, `stock-cluster`, `stock-single`, or a variant (`herald · http verifier`). */
  server: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  reason?: string;
  metrics: Metrics;
  notes: string[];
  durationMs: number;
  /** The machine's 1-minute load average before and after. */
  load: [number, number];
}

/** A scenario that runs on a server the runner started and connected N clients to (idle, fanout, latency, durable). */
export interface SharedScenario {
  kind: 'shared';
  name: ScenarioName;
  title: string;
  metrics: MetricSpec[];
  /** The servers it means something on; default every one. */
  appliesTo?: readonly ServerKind[];
  /** `skipped`: the reason this server cannot run it (the scenario's numbers are then absent). */
  run(session: ServerSession, ctx: BenchContext): Promise<{ metrics: Metrics; notes: string[]; skipped?: string }>;
}

/** A scenario that starts its own servers and clients. */
export interface OwnScenario {
  kind: 'own';
  name: ScenarioName;
  title: string;
  metrics: MetricSpec[];
  run(ctx: BenchContext): Promise<ScenarioResult[]>;
}

export type Scenario = SharedScenario | OwnScenario;
