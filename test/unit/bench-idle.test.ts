/**
 * The bench's idle and tuning flags: the settled memory reading and Node options for Herald's
 * processes only (checked before anything starts, and named in the run's header).
 */
import { expect } from 'chai';
import { quietly } from '../support/quietly';
import { parseBenchArgs } from '../../bench';
import { renderRun } from '../../bench/report/markdown';
import type { BenchRun } from '../../bench/report/results';

describe('bench: idle settle and Herald node options', function () {
  it('settles 30 s by default, none in the smoke preset, and takes 0 or more seconds', function () {
    expect(parseBenchArgs([]).idleSettle).to.equal(30);
    expect(parseBenchArgs(['--smoke']).idleSettle).to.equal(0);
    expect(parseBenchArgs(['--idle-settle', '0']).idleSettle).to.equal(0);
    expect(parseBenchArgs(['--idle-settle', '12.5']).idleSettle).to.equal(12.5);
    expect(() => quietly(() => parseBenchArgs(['--idle-settle', '-1']))).to.throw(/must be a number ≥ 0/);
  });

  it('passes Node options to Herald only as flags, never a word that would run as a script', function () {
    expect(parseBenchArgs([]).heraldNodeOptions).to.deep.equal([]);
    expect(parseBenchArgs(['--herald-node-options', ' --max-semi-space-size=4  --trace-gc ']).heraldNodeOptions).to.deep.equal(['--max-semi-space-size=4', '--trace-gc']);
    expect(() => quietly(() => parseBenchArgs(['--herald-node-options', '--max-semi-space-size=4 evil.js']))).to.throw(/"evil.js" is not a Node option/);
  });

  it("names the options in the run's header, so a tuned run cannot pass for the default", function () {
    const options = parseBenchArgs(['--scenario', 'idle', '--herald-node-options', '--max-semi-space-size=4']);
    const run = {
      runId: 'x',
      label: '',
      startedAt: '2026-12-07T12:00:00.000Z',
      command: 'npm run bench',
      durationSeconds: 1,
      loadAverageAtEnd: 0,
      machine: { cpus: 2, cpuModel: 'cpu', memoryGiB: 1, kernel: 'k', node: 'v20', loadAverageAtStart: 0 },
      options,
      results: [],
      goals: [],
      profiles: [],
      profileDir: null,
    } as unknown as BenchRun;
    const header = renderRun(run);
    expect(header).to.include("Herald's processes run with `--max-semi-space-size=4`");
    expect(header).to.include('idle settles 30 s');
    expect(renderRun({ ...run, options: parseBenchArgs(['--scenario', 'idle']) })).not.to.include("Herald's processes run with");
  });
});
