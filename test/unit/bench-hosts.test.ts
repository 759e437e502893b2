/**
 * The hosts bench scenario's flags and targets (issue 14): host counts and the Redis kind parse
 * and are checked, and the three targets are judged at 8 hosts against 1 host, never on a run
 * that did not measure both.
 */
import { expect } from 'chai';
import { quietly } from '../support/quietly';
import { DEFAULT_BENCH_OPTIONS, parseBenchArgs, type BenchOptions, type GoalResult, type ScenarioResult } from '../../bench';
import { evaluateGoals } from '../../bench/report/goals';


function hostsResult(server: string, metrics: Record<string, number | null>): ScenarioResult {
  return { scenario: 'hosts', server, status: 'ok', metrics, notes: [], durationMs: 1, load: [0, 0] };
}

function goal(goals: GoalResult[], id: string): GoalResult {
  const found = goals.find((g) => g.id === id);
  expect(found, id).to.not.equal(undefined);
  return found as GoalResult;
}

describe('bench hosts scenario', function () {
  describe('flags', function () {
    it('defaults to 1, 2, 4 and 8 hosts on a private Redis Cluster', function () {
      const options = parseBenchArgs(['--scenario', 'hosts']);
      expect(options.scenarios).to.deep.equal(['hosts']);
      expect(options.hostCounts).to.deep.equal([1, 2, 4, 8]);
      expect(options.hostsRedis).to.equal('cluster');
    });

    it('takes host counts as a list, sorted and without repeats, and the Redis kind', function () {
      const options = parseBenchArgs(['--scenario', 'hosts', '--hosts', '8,1,2,2', '--hosts-redis', 'single', '--hosts-connections', '500', '--hosts-rate', '250']);
      expect(options.hostCounts).to.deep.equal([1, 2, 8]);
      expect(options.hostsRedis).to.equal('single');
      expect(options.hostsConnections).to.equal(500);
      expect(options.hostsPushRate).to.equal(250);
    });

    it('refuses a host count that is not a positive integer and an unknown Redis kind', function () {
      expect(() => quietly(() => parseBenchArgs(['--hosts', '1,0']))).to.throw();
      expect(() => quietly(() => parseBenchArgs(['--hosts', '1,two']))).to.throw();
      expect(() => quietly(() => parseBenchArgs(['--hosts-redis', 'sentinel']))).to.throw(/--hosts-redis must be cluster or single/);
    });

    it('runs 1 and 2 hosts on the single Redis in the smoke preset', function () {
      const options = parseBenchArgs(['--smoke']);
      expect(options.scenarios).to.include('hosts');
      expect(options.hostCounts).to.deep.equal([1, 2]);
      expect(options.hostsRedis).to.equal('single');
    });
  });

  describe('targets', function () {
    const options: BenchOptions = { ...DEFAULT_BENCH_OPTIONS, scenarios: ['hosts'] };

    it('judges 8 hosts against 1: CPU ratios at most 1.2×, online p99 at most 5 ms', function () {
      const results = [
        hostsResult('1 host', { pushCpuRatio: 1, broadcastCpuRatio: 1, onlineP99: 1.2 }),
        hostsResult('8 hosts', { pushCpuRatio: 1.1, broadcastCpuRatio: 1.5, onlineP99: 7 }),
      ];
      const goals = evaluateGoals(results, options);
      expect(goal(goals, 'hosts-targeted-cpu')).to.include({ met: true, herald: 1.1 });
      const broadcast = goal(goals, 'hosts-broadcast-cpu');
      expect(broadcast.met).to.equal(false);
      expect(broadcast.gap).to.match(/^missed: 1\.50×; needs 20% less CPU per delivery$/);
      expect(goal(goals, 'hosts-online')).to.include({ met: false, herald: 7 });
    });

    it('judges the same-rate-per-host ratio and the messages a bystander host receives per push', function () {
      const results = [
        hostsResult('1 host', { pushCpuRatio: 1, pushCpuNetPerHostRate: 900 }),
        hostsResult('8 hosts', { pushCpuRatio: 3, pushCpuRatioPerHostRate: 1.15, bystanderMessages: 0 }),
      ];
      const goals = evaluateGoals(results, options);
      expect(goal(goals, 'hosts-targeted-cpu-per-host-rate')).to.include({ met: true, herald: 1.15 });
      expect(goal(goals, 'hosts-bystander-messages')).to.include({ met: true, herald: 0 });
      const leaky = evaluateGoals([results[0] as ScenarioResult, hostsResult('8 hosts', { pushCpuRatioPerHostRate: 1.6, bystanderMessages: 1 })], options);
      expect(goal(leaky, 'hosts-targeted-cpu-per-host-rate').gap).to.equal('missed: 1.60×; needs 25% less CPU per push');
      expect(goal(leaky, 'hosts-bystander-messages')).to.include({ met: false, gap: 'missed: 1.00; a host that takes no part should receive none' });
    });

    it('says "not measured" when 8 hosts did not run, and judges nothing of a run without the scenario', function () {
      const short = evaluateGoals([hostsResult('1 host', { pushCpuRatio: 1 }), hostsResult('2 hosts', { pushCpuRatio: 1 })], { ...options, hostCounts: [1, 2] });
      expect(goal(short, 'hosts-targeted-cpu')).to.include({ met: null, gap: 'judged at 1 and 8 hosts; ran 1, 2' });
      const none = evaluateGoals([], { ...options, scenarios: ['idle'] });
      for (const id of ['hosts-targeted-cpu', 'hosts-broadcast-cpu', 'hosts-online']) expect(goal(none, id)).to.include({ met: null, gap: 'not measured' });
    });

    it('does not judge a few clients', function () {
      const results = [hostsResult('1 host', { pushCpuRatio: 1 }), hostsResult('8 hosts', { pushCpuRatio: 3 })];
      const goals = evaluateGoals(results, { ...options, hostsConnections: 40 });
      expect(goal(goals, 'hosts-targeted-cpu').met).to.equal(null);
    });
  });
});
