import { ZERO_COUNTERS, type WorkerReport } from './stats';
import type { ChildRole } from '../../shared/process-roles';

/** The part of a report every child sends alike: identity and memory. */
export function baseReport(role: ChildRole, nodeId: string, index: number, startedAt: number): WorkerReport {
  const memory = process.memoryUsage();
  return {
    role,
    nodeId,
    index,
    pid: process.pid,
    startedAt,
    connections: 0,
    loggedIn: 0,
    memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external },
    counters: { ...ZERO_COUNTERS },
    at: Date.now(),
  };
}
