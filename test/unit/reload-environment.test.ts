/**
 * `HERALD_PORT=… herald server reload`: the reload runs in the primary with the primary's own
 * environment, so the CLI names the HERALD_* variables of its shell that the reload ignores —
 * only those that differ from the primary's when its environment can be read.
 */
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { ignoredByReload, processEnvironment, reloadWarning } from '../../server/cli/reload-environment';
import { trackChild } from '../support/processes';
import { waitFor } from '../support/wait';

describe('reload and the CLI environment', function () {
  const cli = { PATH: '/usr/bin', PUSH_ENV: 'local', HERALD_PORT: '9999', HERALD_WORKERS: '2', HERALD_DATA_DIR: '/srv/herald', HERALD_LOG_LEVEL: '', HERALD_JWT_SECRET: 's'.repeat(40) };

  it('names every HERALD_* variable set in the shell when the primary environment is unknown, but not HERALD_DATA_DIR', function () {
    expect(ignoredByReload(cli, undefined)).to.deep.equal({ names: ['HERALD_JWT_SECRET', 'HERALD_PORT', 'HERALD_WORKERS'], compared: false });
  });

  it('names only the variables whose value differs from the primary environment', function () {
    const primary = { PUSH_ENV: 'local', HERALD_PORT: '9501', HERALD_WORKERS: '2', HERALD_DATA_DIR: '/srv/herald' };
    expect(ignoredByReload(cli, primary)).to.deep.equal({ names: ['HERALD_JWT_SECRET', 'HERALD_PORT'], compared: true });
    expect(ignoredByReload({ HERALD_WORKERS: '2' }, primary)).to.deep.equal({ names: [], compared: true });
  });

  it('says nothing when nothing is ignored, and names variables but never values', function () {
    expect(reloadWarning({ names: [], compared: true }, 42)).to.equal(undefined);
    const line = reloadWarning(ignoredByReload(cli, undefined), 42) ?? '';
    expect(line).to.match(/^herald: warning: HERALD_JWT_SECRET, HERALD_PORT, HERALD_WORKERS in this shell are ignored: the running primary \(pid 42\) re-reads/);
    expect(line).to.not.include('ssss');
    expect(line).to.not.include('9999');
    expect(reloadWarning({ names: ['HERALD_PORT'], compared: true }, 42)).to.include('HERALD_PORT in this shell differs from the primary\'s and is ignored');
  });

  it('reads the environment another process was started with', async function () {
    const child = trackChild(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { env: { HERALD_PORT: '1234', OTHER: 'a=b' }, stdio: 'ignore' }));
    try {
      const env = await waitFor(() => processEnvironment(child.pid as number)?.HERALD_PORT !== undefined && processEnvironment(child.pid as number), 5000, 'the child environment');
      expect(env).to.include({ HERALD_PORT: '1234', OTHER: 'a=b' });
      expect(processEnvironment(2 ** 22 + 17)).to.equal(undefined);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  });
});
