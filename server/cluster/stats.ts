/** Snapshots of workers and hosts, as the primary aggregates them for stats and `process show`. */
import type { ChildRole } from '../../shared/process-roles';


/** Cumulative counters a worker keeps since it started. */
export interface WorkerCounters {
  /** Connections accepted. */
  accepted: number;
  /** Connections closed. */
  closed: number;
  /** Pushes accepted by this worker (API, Redis ingress). */
  pushes: number;
  /** Push deliveries written to sockets of this worker. */
  deliveries: number;
  logins: number;
  loginFailures: number;
  kicks: number;
}

export const ZERO_COUNTERS: Readonly<WorkerCounters> = Object.freeze({
  accepted: 0,
  closed: 0,
  pushes: 0,
  deliveries: 0,
  logins: 0,
  loginFailures: 0,
  kicks: 0,
});

/** What a task process has done (task processes only). */
export interface TaskCounters {
  /** Jobs running now. */
  running: number;
  /** Jobs finished successfully. */
  done: number;
  failed: number;
  /** Jobs waiting in this process. */
  queued: number;
  /** Mean duration of finished jobs, ms. */
  averageMs: number;
}

/** What a child process tells the primary every second. */
export interface WorkerReport {
  role: ChildRole;
  nodeId: string;
  pid: number;
  index: number;
  startedAt: number;
  connections: number;
  /** Logged-in connections. */
  loggedIn: number;
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number };
  counters: WorkerCounters;
  tasks?: TaskCounters;
  at: number;
}

export interface WorkerSnapshot extends WorkerReport {
  /** Highest RSS seen, bytes. */
  peakRss: number;
  state: 'starting' | 'ready' | 'stopping';
}

export interface Rates {
  /** Per second, over the last few seconds. */
  pushes: number;
  deliveries: number;
  logins: number;
}

export interface HostSnapshot {
  hostId: string;
  /** URL clients can reach this host at, when known. */
  url?: string;
  pid: number;
  env: string;
  adapter: 'cluster' | 'redis';
  startedAt: number;
  updatedAt: number;
  /** Workers configured. */
  expectedWorkers: number;
  connections: number;
  /** Distinct logged-in users on this host. */
  users: number;
  totals: WorkerCounters;
  rates: Rates;
  workers: WorkerSnapshot[];
}

export interface ClusterStats {
  hosts: HostSnapshot[];
  totals: {
    hosts: number;
    workers: number;
    connections: number;
    /** Sum of each host's distinct users; a user on two hosts counts twice. */
    users: number;
    rates: Rates;
  };
}

export function summarize(hosts: HostSnapshot[]): ClusterStats {
  const totals = { hosts: hosts.length, workers: 0, connections: 0, users: 0, rates: { pushes: 0, deliveries: 0, logins: 0 } };
  for (const host of hosts) {
    totals.workers += host.workers.length;
    totals.connections += host.connections;
    totals.users += host.users;
    totals.rates.pushes += host.rates.pushes;
    totals.rates.deliveries += host.rates.deliveries;
    totals.rates.logins += host.rates.logins;
  }
  return { hosts, totals };
}

export function addCounters(a: WorkerCounters, b: WorkerCounters): WorkerCounters {
  return {
    accepted: a.accepted + b.accepted,
    closed: a.closed + b.closed,
    pushes: a.pushes + b.pushes,
    deliveries: a.deliveries + b.deliveries,
    logins: a.logins + b.logins,
    loginFailures: a.loginFailures + b.loginFailures,
    kicks: a.kicks + b.kicks,
  };
}
