/**
 * The shapes children report to the primary and the primary aggregates (stats, presence), as
 * the control contract's results carry them. Types only: shared/ holds them so the contract, the
 * console and the server all name one definition (server/cluster/stats.ts and presence.ts build
 * and use them).
 */
import type { ChildRole } from '../process-roles';

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
  /**
   * Messages this process's Redis adapter received from Redis: broadcasts it must deliver or drop
   * (its own publishes on channels it listens to included). 0 without Redis. With per-user
   * channels a targeted push reaches only the processes holding the user.
   */
  adapterMessages: number;
}

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

export interface PresenceEntry {
  /** Socket.IO socket id; unique cluster-wide. */
  sid: string;
  uid: string;
  platform: string;
  device: string | null;
  /** The worker holding the socket: `<hostId>/<worker index>/<pid>`. */
  nodeId: string;
  /** Login time, ms since epoch; orders a user's connections for the per-user limit. */
  since: number;
}
