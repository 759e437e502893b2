/**
 * Every child process a test starts is registered here, so the root hook can kill stragglers
 * and fail the run when a test left one behind.
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
