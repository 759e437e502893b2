/** The machine a run measured on: CPU model and count, memory, kernel, Node, load. */
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { loadAverage } from './proc-stats';

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** `ulimit -n` as this process sees it. */
  openFilesLimit: number | null;
  loadAverageAtStart: number;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function openFilesLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isFinite(soft) ? soft : null;
  } catch {
    return null;
  }
}

export function describeMachine(): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cpus: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    openFilesLimit: openFilesLimit(),
    loadAverageAtStart: loadAverage(),
  };
}
