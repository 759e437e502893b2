/**
 * `HERALD_WORKERS=3 herald server reload` against a host started with one worker: the reload is
 * done by the running primary with its own environment, so the host keeps one worker, and the
 * CLI says on stderr which variable of its shell was ignored (only the one that differs).
 */
import { expect } from 'chai';
import { herald } from '../support/cli';
import { startHost, waitForWorkers, type HeraldHost } from '../support/herald-host';

describe('herald server reload with HERALD_* variables in the CLI environment', function () {
  this.timeout(120_000);
  let host: HeraldHost;

  before(async function () {
    host = await startHost({ env: { HERALD_WORKERS: '1' } });
    await waitForWorkers(host, 1);
  });
  after(async function () {
    await host?.stop();
  });

  it('warns naming the ignored variable, reloads, and keeps the primary settings', async function () {
    const reload = await herald(['server', 'reload'], { PUSH_ENV: 'local', HERALD_DATA_DIR: host.dataDir, HERALD_WORKERS: '3', HERALD_HOST: '127.0.0.1' }, 90_000);
    expect(reload.code, reload.stderr).to.equal(0);
    expect(reload.stdout).to.match(/reload done in [\d.]+ s/);
    const lines = reload.stderr.trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.equal(
      `herald: warning: HERALD_WORKERS in this shell differs from the primary's and is ignored: the running primary (pid ${host.pid}) re-reads config/<env>/*.json with the environment it was started with. To change it, stop the host and start it with the new value.`,
    );
    expect(await waitForWorkers(host, 1)).to.have.length(1);
  });

  it('says nothing when the shell holds the same values as the primary', async function () {
    const reload = await herald(['server', 'reload'], { PUSH_ENV: 'local', HERALD_DATA_DIR: host.dataDir, HERALD_WORKERS: '1' }, 90_000);
    expect(reload.code, reload.stderr).to.equal(0);
    expect(reload.stderr).to.equal('');
  });
});
