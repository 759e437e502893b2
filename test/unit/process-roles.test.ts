/**
 * The process-role table (shared/process-roles.ts): the names operators see and type, the node ids
 * presence uses, the count each role takes from the configuration, and an entry file the primary
 * can fork for every role, and the Node options each role is forked with.
 */
import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { loadConfig, type HeraldConfig } from '../../shared/config';
import { CHILD_ROLES, childExecArgv, entryPath, nodeIdOf, parseGroup, processName, ROLES } from '../../shared/process-roles';

describe('process roles', function () {
  it('lists the Socket.IO workers, the task processes and the cron process, in start order', function () {
    expect(CHILD_ROLES).to.deep.equal(['worker', 'task', 'cron']);
  });

  it('names processes as EasySwoole did', function () {
    expect([processName('primary', 0), processName('worker', 2), processName('task', 1), processName('cron', 0)]).to.deep.equal([
      'herald.Primary',
      'herald.Worker.2',
      'herald.TaskWorker.1',
      'herald.Crontab',
    ]);
  });

  it('reads a group as operators type it, in any case', function () {
    expect(['master', 'herald.Worker', 'Workers', 'TaskWorker', 'herald.crontab', 'cron'].map(parseGroup)).to.deep.equal(['primary', 'worker', 'worker', 'task', 'cron', 'cron']);
    expect(parseGroup('webhook')).to.equal(undefined);
  });

  it('gives each child a node id with its slot', function () {
    expect([nodeIdOf('h1', 'worker', 3, 10), nodeIdOf('h1', 'task', 0, 11), nodeIdOf('h1', 'cron', 0, 12)]).to.deep.equal(['h1/3/10', 'h1/task-0/11', 'h1/cron/12']);
  });

  it('takes each role\'s count from the configuration', function () {
    const base = loadConfig({ env: {} });
    const config: HeraldConfig = { ...base, workers: 3, tasks: { ...base.tasks, processes: 2 }, cron: { ...base.cron, enabled: false } };
    expect(CHILD_ROLES.map((role) => ROLES[role].count(config))).to.deep.equal([3, 2, 0]);
    expect(ROLES.cron.count({ ...config, cron: { ...base.cron, enabled: true } })).to.equal(1);
  });

  it('forks every role from its own built entry file under workers/', function () {
    for (const role of CHILD_ROLES) {
      expect(ROLES[role].entry, role).to.match(/^workers\/[a-z]+\/entry\.js$/);
      expect(existsSync(entryPath(role)), entryPath(role)).to.equal(true);
    }
    expect(new Set(CHILD_ROLES.map((role) => ROLES[role].entry)).size).to.equal(CHILD_ROLES.length);
  });

  describe('Node options of a forked child', function () {
    const base = loadConfig({ env: {} });

    it('gives the Socket.IO workers a 4 MB semi-space by default, after the primary\'s own options', function () {
      expect(base.workerSemiSpaceMb).to.equal(4);
      expect(childExecArgv('worker', base, ['--enable-source-maps'], '')).to.deep.equal(['--enable-source-maps', '--max-semi-space-size=4']);
    });

    it('leaves the task and cron processes on V8\'s default', function () {
      expect(childExecArgv('task', base, ['--enable-source-maps'], '')).to.deep.equal(['--enable-source-maps']);
      expect(childExecArgv('cron', base, [], '')).to.deep.equal([]);
    });

    it('takes the size from the configuration; 0 keeps V8\'s default', function () {
      expect(childExecArgv('worker', loadConfig({ env: { HERALD_WORKER_SEMI_SPACE_MB: '8' } }), [], '')).to.deep.equal(['--max-semi-space-size=8']);
      expect(childExecArgv('worker', loadConfig({ env: { HERALD_WORKER_SEMI_SPACE_MB: '0' } }), [], '')).to.deep.equal([]);
    });

    it('lets the operator\'s own setting win, in NODE_OPTIONS or the primary\'s command line, spelled either way', function () {
      expect(childExecArgv('worker', base, [], '--max-old-space-size=4096 --max-semi-space-size=16')).to.deep.equal([]);
      expect(childExecArgv('worker', base, ['--max_semi_space_size=2'], '')).to.deep.equal(['--max_semi_space_size=2']);
      expect(childExecArgv('worker', base, [], '--max-old-space-size=4096')).to.deep.equal(['--max-semi-space-size=4']);
    });

    it('refuses a size V8 cannot take', function () {
      for (const value of ['-1', '257', '1.5', 'big']) {
        expect(() => loadConfig({ env: { HERALD_WORKER_SEMI_SPACE_MB: value } }), value).to.throw(/workerSemiSpaceMb|HERALD_WORKER_SEMI_SPACE_MB/);
      }
    });
  });
});
