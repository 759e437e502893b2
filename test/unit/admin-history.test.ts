/**
 * The short history behind the dashboard's chart: the primary's host monitor turns its children's
 * reports (one a second each) into a sample every 5 s, and keeps 30 minutes of them.
 */
import { expect } from 'chai';
import { ZERO_COUNTERS, type WorkerReport } from '../../server/cluster/stats';
import { HostMonitor } from '../../server/primary/host-monitor';

const START = 1_800_000_000_000;

function report(index: number, at: number, connections: number, pushes: number): WorkerReport {
  return {
    role: 'worker',
    nodeId: `h/${index}/${100 + index}`,
    pid: 100 + index,
    index,
    startedAt: START,
    connections,
    loggedIn: connections,
    memory: { rss: 1, heapUsed: 1, heapTotal: 1, external: 1 },
    counters: { ...ZERO_COUNTERS, pushes },
    at,
  };
}

describe('stats history (dashboard chart)', function () {
  it('samples the host every 5 s from its workers\' reports: connections, users and rates', function () {
    const monitor = new HostMonitor({ hostId: 'h', env: 'local', adapter: 'cluster', expectedWorkers: 2, startedAt: START });
    monitor.presence.add({ sid: 's1', uid: 'u1', platform: 'web', device: null, nodeId: 'h/0/100', since: START });
    for (let second = 0; second <= 20; second++) {
      const at = START + second * 1000;
      monitor.onReport(report(0, at, 3, second * 10)); // 10 pushes a second
      monitor.onReport(report(1, at + 100, 2, 0));
    }
    const history = monitor.history();
    expect(history.map((s) => (s.at - START) / 1000)).to.deep.equal([0, 5, 10, 15, 20]);
    expect(history.map((s) => s.connections)).to.deep.equal([3, 5, 5, 5, 5]);
    expect(history.every((s) => s.users === 1)).to.equal(true);
    expect(history[history.length - 1]?.rates.pushes).to.equal(10);
  });

  it('keeps 30 minutes, oldest first, and ignores a report from the past', function () {
    const monitor = new HostMonitor({ hostId: 'h', env: 'local', adapter: 'cluster', expectedWorkers: 1, startedAt: START });
    for (let second = 0; second <= 3600; second += 5) monitor.onReport(report(0, START + second * 1000, 1, 0));
    monitor.onReport(report(0, START, 1, 0));
    const history = monitor.history();
    expect(history).to.have.length(360);
    expect(history[0]?.at).to.equal(START + (3600 - 359 * 5) * 1000);
    expect(history[359]?.at).to.equal(START + 3600 * 1000);
  });
});
