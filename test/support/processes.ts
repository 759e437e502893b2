/**
 * Every child process a test starts is registered here, so the root hook can kill stragglers
 * and fail the run when a test left one behind. Herald hosts' output is also watched: a line
 * saying a Herald process had an unhandled rejection or an uncaught exception fails the test
 * it happened in, as the same in the test process itself does (hooks.ts).
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();

export function trackChild(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Children still running; each is killed (SIGKILL, whole process group when detached). */
export function killStragglers(): number[] {
  const pids: number[] = [];
  for (const child of live) {
    if (child.pid === undefined) continue;
    pids.push(child.pid);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  live.clear();
  return pids;
}

/** What a Herald process logs when something escaped (server/cluster/child-runtime.ts, server/primary/run.ts). */
const CRASH_LINE = /unhandled rejection|uncaught exception/i;

const crashLines: string[] = [];

/**
 * Watches a Herald host's stdout and stderr, line by line, for unhandled rejections and uncaught
 * exceptions; each one is kept for the root hook's afterEach.
 */
export function watchHeraldOutput(child: ChildProcess, label: string): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null || stream === undefined) continue;
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (CRASH_LINE.test(line)) crashLines.push(`${label}: ${line.slice(0, 2000)}`);
    });
  }
}

/** Crash lines seen since the last call (the root hook empties them after each test). */
export function takeHeraldCrashLines(): string[] {
  return crashLines.splice(0);
}
