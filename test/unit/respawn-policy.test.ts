import { expect } from 'chai';
import { RespawnPolicy } from '../../server/primary/respawn-policy';

describe('worker respawn back-off', function () {
  it('doubles the wait for each quick death, up to 30 s', function () {
    const policy = new RespawnPolicy();
    const delays = Array.from({ length: 9 }, () => policy.delayAfterExit(0, 100));
    expect(delays).to.deep.equal([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(policy.failuresOf(0)).to.equal(9);
  });

  it('restarts at once after a long run, and resets the count', function () {
    const policy = new RespawnPolicy();
    policy.delayAfterExit(1, 100);
    policy.delayAfterExit(1, 100);
    expect(policy.delayAfterExit(1, 60_000)).to.equal(0);
    expect(policy.failuresOf(1)).to.equal(0);
    expect(policy.delayAfterExit(1, 100)).to.equal(500);
  });

  it('counts each worker slot separately', function () {
    const policy = new RespawnPolicy();
    policy.delayAfterExit(0, 10);
    policy.delayAfterExit(0, 10);
    expect(policy.delayAfterExit(1, 10)).to.equal(500);
  });
});
