/**
 * RSS and CPU time of a whole process tree (a server's primary and its workers), read from
 * /proc: `stat` field 14/15 (utime/stime, clock ticks, every thread of the process) and 24 (RSS
 * pages), and the same CPU fields of each thread (`task/<tid>/stat`) to tell the JavaScript
 * thread (tid = pid) from the others: V8's garbage-collector and compiler helpers and libuv's
 * pool, which a V8 CPU profile does not show. A process that exits between two samples takes its
 * CPU time with it, and a thread that ends leaves its time to its process's total only, so measure
 * windows in which the tree is stable (V8's and libuv's threads live as long as the process).
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

/** The CPU fields of one `stat` line (a process or a thread): utime + stime, and stime, in ticks. */
function cpuFields(text: string): { cpuTicks: number; systemTicks: number; fields: string[] } {
  // The command name is in parentheses and may itself hold spaces or parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state).
  return { cpuTicks: Number(fields[11]) + Number(fields[12]), systemTicks: Number(fields[12]), fields };
}

export interface TreeSample {
  pids: number[];
  rssBytes: number;
  /** utime + stime of every process of the tree, seconds. */
  cpuSeconds: number;
  /** stime alone, seconds. */
  systemSeconds: number;
  /** utime + stime of every thread but each process's JavaScript thread, seconds. */
  helperSeconds: number;
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
  const { cpuTicks, systemTicks, fields } = cpuFields(text);
  return { pid, ppid: Number(fields[1]), cpuTicks, systemTicks, rssPages: Number(fields[21]) };
}

/** CPU ticks of every thread of `pid` but its first (the JavaScript thread of a Node process). */
function helperTicks(pid: number): number {
  let ticks = 0;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tids) {
    if (Number(tid) === pid) continue;
    try {
      ticks += cpuFields(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')).cpuTicks;
    } catch {
      // The thread ended between the listing and the read; its time is counted with the process.
    }
  }
  return ticks;
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
    helperSeconds: tree.reduce((a, s) => a + helperTicks(s.pid), 0) / clockTicks(),
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

/**
 * The share of the CPU time between two samples spent on threads other than the JavaScript
 * threads (V8's parallel and concurrent garbage collection and compilation, libuv's pool), in
 * percent; null without CPU time.
 */
export function helperShare(before: TreeSample, after: TreeSample): number | null {
  const total = cpuBetween(before, after);
  return total > 0 ? (Math.max(0, after.helperSeconds - before.helperSeconds) / total) * 100 : null;
}

/** The machine's 1-minute load average. */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}
