/** A whole run as JSON under bench/results/, and the markdown appended to docs/BENCHMARKS.md. */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MachineInfo } from '../machine';
import type { BenchOptions } from '../options';
import type { ScenarioResult } from '../scenarios/scenario';
import type { GoalResult } from './goals';
import type { ProfileSummary } from './profile-summary';

export interface BenchRun {
  version: 1;
  runId: string;
  label: string;
  command: string;
  startedAt: string;
  durationSeconds: number;
  machine: MachineInfo;
  /** The machine's 1-minute load average at the end (the start is in `machine`). */
  loadAverageAtEnd: number;
  options: BenchOptions;
  results: ScenarioResult[];
  goals: GoalResult[];
  profiles: ProfileSummary[];
  /** Where `--profile` left the .cpuprofile files (open them in Chrome DevTools or speedscope). */
  profileDir: string | null;
}

export function writeResults(path: string, run: BenchRun): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(run, null, 2)}\n`);
}

export function appendToDoc(path: string, markdown: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const lead = existsSync(path) ? '\n' : '# Benchmarks\n\n';
  appendFileSync(path, `${lead}${markdown}`);
}
