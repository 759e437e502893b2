/**
 * What a scenario produces: its metrics and one result per server. Apart from scenario.ts so the
 * run context (context.ts), which builds results, and the scenario shape, which takes a context,
 * do not import each other.
 */
import type { ScenarioName } from '../options';

export type Unit = 'bytes' | 'us' | 'ms' | 's' | 'per-s' | 'count' | 'ratio' | 'number' | 'mib' | 'percent';

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
