/** Snapshots of workers and hosts, as the primary aggregates them for stats and `process show`. */
import type { ClusterStats, HostSnapshot, WorkerCounters } from '../../shared/control/reports';

export type { ClusterStats, HostSnapshot, Rates, TaskCounters, WorkerCounters, WorkerReport, WorkerSnapshot } from '../../shared/control/reports';

/** All counters at zero: a worker's start, and the sum's seed. */
export const ZERO_COUNTERS: Readonly<WorkerCounters> = Object.freeze({
  accepted: 0,
  closed: 0,
  pushes: 0,
  deliveries: 0,
  logins: 0,
  loginFailures: 0,
  kicks: 0,
  adapterMessages: 0,
});

/** The cluster's totals over every host's snapshot. */
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
    adapterMessages: a.adapterMessages + b.adapterMessages,
  };
}
