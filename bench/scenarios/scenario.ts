/** What a scenario is: what it runs on and how (what it produces is in result.ts). */
import type { ScenarioName } from '../options';
import type { ServerKind } from '../servers/bench-server';
import type { BenchContext, ServerSession } from './context';
import type { MetricSpec, Metrics, ScenarioResult } from './result';

export type { MetricSpec, Metrics, ScenarioResult, Unit } from './result';

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
