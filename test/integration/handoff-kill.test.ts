/**
 * A worker killed with SIGKILL while connections are being handed to it: every request the
 * primary accepted is answered or its connection closed at once — none hangs until the client's
 * own timeout (the primary's copy of a socket whose hand-off the dead worker never acknowledged
 * kept it open; before the fix, about one `kill -9` run in three left calls hanging 8 s).
 */
import { request } from 'node:http';
import { expect } from 'chai';
import { startHost, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { sleep } from '../support/wait';

/** One request on a fresh connection; resolves 'answered', 'closed', or 'hung' after `ms`. */
function probe(url: string, ms: number): Promise<'answered' | 'closed' | 'hung'> {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve('answered'));
      res.on('error', () => resolve('closed'));
    });
    req.setTimeout(ms, () => {
      resolve('hung');
      req.destroy();
    });
    req.on('error', () => resolve('closed'));
    req.end();
  });
}

describe('a worker killed while connections are handed to it', function () {
  this.timeout(90_000);
  let host: HeraldHost;

  before(async function () {
    host = await startHost();
    await waitForWorkers(host, 2);
  });
  after(async function () {
    await host?.stop();
  });

  it('leaves no request hanging: each is answered or closed at once', async function () {
    const outcomes = { answered: 0, closed: 0, hung: 0 };
    for (let round = 0; round < 6; round++) {
      const pids = await waitForWorkers(host, 2);
      const probes: Promise<'answered' | 'closed' | 'hung'>[] = [];
      for (let i = 0; i < 60; i++) {
        probes.push(probe(host.url, 4000));
        if (i === 30) process.kill(pids[round % 2] as number, 'SIGKILL');
        if (i % 10 === 0) await sleep(1);
      }
      for (const outcome of await Promise.all(probes)) outcomes[outcome]++;
    }
    console.log(`      (${outcomes.answered} answered, ${outcomes.closed} closed, ${outcomes.hung} hung)`);
    expect(outcomes.hung, 'requests left hanging').to.equal(0);
    expect(outcomes.answered).to.be.greaterThan(0);
  });
});
