/**
 * RSS and CPU time of a whole process tree (a server's primary and its workers), read from
 * /proc: `stat` field 14/15 (utime/stime, clock ticks, every thread of the process) and 24 (RSS
 * pages). A process that exits between two samples takes its CPU time with it, so measure
 * windows in which the tree is stable.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  cpuTicks: number;
  /** stime alone: time in the kernel (system calls, and on loopback the receiver's TCP stack). */
  systemTicks: number;
  rssPages: number;
}

export interface TreeSample {
  pids: number[];
  rssBytes: number;
  /** utime + stime of every process of the tree, seconds. */
  cpuSeconds: number;
  /** stime alone, seconds. */
  systemSeconds: number;
  /** Wall clock, ms. */
  at: number;
}

let ticksPerSecond: number | undefined;
let pageBytes: number | undefined;

function sysconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

function clockTicks(): number {
  ticksPerSecond ??= sysconf('CLK_TCK', 100);
  return ticksPerSecond;
}

function pageSize(): number {
  pageBytes ??= sysconf('PAGESIZE', 4096);
  return pageBytes;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold spaces or parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state).
  return {
    pid,
    ppid: Number(fields[1]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    systemTicks: Number(fields[12]),
    rssPages: Number(fields[21]),
  };
}

function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}

function treeStats(stats: ProcStat[], roots: number[]): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  const byPid = new Map<number, ProcStat>();
  for (const s of stats) {
    byPid.set(s.pid, s);
    const list = children.get(s.ppid);
    if (list === undefined) children.set(s.ppid, [s]);
    else list.push(s);
  }
  const out: ProcStat[] = [];
  const queue = roots.map((pid) => byPid.get(pid)).filter((s): s is ProcStat => s !== undefined);
  const seen = new Set<number>();
  while (queue.length > 0) {
    const s = queue.shift() as ProcStat;
    if (seen.has(s.pid)) continue;
    seen.add(s.pid);
    out.push(s);
    for (const child of children.get(s.pid) ?? []) queue.push(child);
  }
  return out;
}

/** RSS and CPU of the trees under `roots` (e.g. one server, or two hosts), summed. */
export function sampleTree(...roots: number[]): TreeSample {
  const tree = treeStats(allStats(), roots);
  return {
    pids: tree.map((s) => s.pid),
    rssBytes: tree.reduce((a, s) => a + s.rssPages, 0) * pageSize(),
    cpuSeconds: tree.reduce((a, s) => a + s.cpuTicks, 0) / clockTicks(),
    systemSeconds: tree.reduce((a, s) => a + s.systemTicks, 0) / clockTicks(),
    at: Date.now(),
  };
}

/** CPU seconds spent between two samples (of the same tree). */
export function cpuBetween(before: TreeSample, after: TreeSample): number {
  return Math.max(0, after.cpuSeconds - before.cpuSeconds);
}

/** The share of the CPU time between two samples spent in the kernel, in percent; null without CPU time. */
export function systemShare(before: TreeSample, after: TreeSample): number | null {
  const total = cpuBetween(before, after);
  return total > 0 ? (Math.max(0, after.systemSeconds - before.systemSeconds) / total) * 100 : null;
}

/** The machine's 1-minute load average. */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}
