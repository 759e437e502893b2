/** The bench's public surface: what bench/main.js and the tests use. */
export { parseBenchArgs, runBench } from './cli';
export { DEFAULT_BENCH_OPTIONS, SCENARIO_NAMES, SMOKE_OPTIONS } from './options';
export type { BenchOptions, ScenarioName } from './options';
export type { BenchRun } from './report/results';
export type { GoalResult } from './report/goals';
export type { ScenarioResult } from './scenarios/scenario';
