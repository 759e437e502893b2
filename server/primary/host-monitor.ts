/**
 * The primary's picture of its host: the latest report of each worker, the cumulative totals
 * (which survive worker restarts), per-second rates, the distinct users of the host, and a short
 * history of connections, users and rates for the dashboard's chart.
 */
import type { StatsSample } from '../cluster/ipc';
import { PresenceTable } from '../cluster/presence';
import { CHILD_ROLES, type ChildRole } from '../../shared/process-roles';
import { ZERO_COUNTERS, addCounters, type HostSnapshot, type Rates, type WorkerCounters, type WorkerReport, type WorkerSnapshot } from '../cluster/stats';

/** Seconds of history the rates are computed over. */
const RATE_WINDOW_MS = 5000;
/** Milliseconds between two history samples (5 s). */
const HISTORY_INTERVAL_MS = 5000;
/** History samples kept: 30 minutes at one per 5 s. */
const HISTORY_LENGTH = 360;

interface Sample {
  at: number;
  totals: WorkerCounters;
}

export interface HostIdentity {
  hostId: string;
  url?: string;
  env: string;
  adapter: 'cluster' | 'redis';
  expectedWorkers: number;
  startedAt: number;
}

export class HostMonitor {
  private readonly workers = new Map<string, WorkerSnapshot>();
  /** Totals of workers that are gone, so host totals never go backwards. */
  private retired: WorkerCounters = { ...ZERO_COUNTERS };
  private readonly samples: Sample[] = [];
  private readonly recent: StatsSample[] = [];
  /** This host's presence: authoritative without Redis, a counter of users with it. */
  readonly presence = new PresenceTable();

  constructor(private readonly identity: HostIdentity) {}

  onStarting(nodeId: string, role: ChildRole, index: number, pid: number, now: number): void {
    this.workers.set(nodeId, {
      role,
      nodeId,
      index,
      pid,
      startedAt: now,
      connections: 0,
      loggedIn: 0,
      memory: { rss: 0, heapUsed: 0, heapTotal: 0, external: 0 },
      counters: { ...ZERO_COUNTERS },
      at: now,
      peakRss: 0,
      state: 'starting',
    });
  }

  onReady(nodeId: string): void {
    const worker = this.workers.get(nodeId);
    if (worker !== undefined) worker.state = 'ready';
  }

  onStopping(nodeId: string): void {
    const worker = this.workers.get(nodeId);
    if (worker !== undefined) worker.state = 'stopping';
  }

  onReport(report: WorkerReport): void {
    const previous = this.workers.get(report.nodeId);
    const peakRss = Math.max(previous?.peakRss ?? 0, report.memory.rss);
    this.workers.set(report.nodeId, { ...report, peakRss, state: previous?.state === 'stopping' ? 'stopping' : 'ready' });
    this.sample(report.at);
    this.record(report.at);
  }

  /** Connections, users and rates every 5 s over the last 30 minutes, oldest first. */
  history(): StatsSample[] {
    return [...this.recent];
  }

  onExit(nodeId: string): void {
    const worker = this.workers.get(nodeId);
    if (worker === undefined) return;
    this.retired = addCounters(this.retired, worker.counters);
    this.workers.delete(nodeId);
    this.presence.dropNode(nodeId);
  }

  /** Socket.IO workers that are ready. */
  get readyWorkers(): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.role === 'worker' && w.state === 'ready') n++;
    return n;
  }

  /** Every child's latest snapshot, by role (in the role table's order) then index; `role` to keep one group. */
  children(role?: ChildRole): WorkerSnapshot[] {
    const order = (r: ChildRole): number => CHILD_ROLES.indexOf(r);
    return [...this.workers.values()]
      .filter((w) => role === undefined || w.role === role)
      .sort((a, b) => order(a.role) - order(b.role) || a.index - b.index || a.startedAt - b.startedAt);
  }

  snapshot(now: number): HostSnapshot {
    const workers = this.children('worker');
    const totals = this.totals();
    let connections = 0;
    for (const w of workers) connections += w.connections;
    return {
      hostId: this.identity.hostId,
      ...(this.identity.url !== undefined ? { url: this.identity.url } : {}),
      pid: process.pid,
      env: this.identity.env,
      adapter: this.identity.adapter,
      startedAt: this.identity.startedAt,
      updatedAt: now,
      expectedWorkers: this.identity.expectedWorkers,
      connections,
      users: this.presence.users,
      totals,
      rates: this.rates(now, totals),
      workers,
    };
  }

  private totals(): WorkerCounters {
    let totals = this.retired;
    for (const w of this.workers.values()) totals = addCounters(totals, w.counters);
    return totals;
  }

  private sample(now: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && now - last.at < 500) return;
    this.samples.push({ at: now, totals: this.totals() });
    while (this.samples.length > 2 && now - (this.samples[1] as Sample).at > RATE_WINDOW_MS) this.samples.shift();
  }

  /** Children report every second; every fifth second or so becomes a history sample. */
  private record(now: number): void {
    const last = this.recent[this.recent.length - 1];
    if (last !== undefined && now - last.at < HISTORY_INTERVAL_MS) return;
    const host = this.snapshot(now);
    this.recent.push({ at: now, connections: host.connections, users: host.users, rates: host.rates });
    if (this.recent.length > HISTORY_LENGTH) this.recent.splice(0, this.recent.length - HISTORY_LENGTH);
  }

  private rates(now: number, totals: WorkerCounters): Rates {
    const first = this.samples[0];
    if (first === undefined || now - first.at < 500) return { pushes: 0, deliveries: 0, logins: 0 };
    const seconds = (now - first.at) / 1000;
    const per = (a: number, b: number) => Math.max(0, Math.round(((a - b) / seconds) * 10) / 10);
    return {
      pushes: per(totals.pushes, first.totals.pushes),
      deliveries: per(totals.deliveries, first.totals.deliveries),
      logins: per(totals.logins, first.totals.logins),
    };
  }
}
