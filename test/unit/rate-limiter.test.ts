import { expect } from 'chai';
import { KeyedRateLimiter, TokenBucket } from '../../shared/rate-limiter';
import { createFakeClock } from '../support/fake-clock';

describe('rate limits', function () {
  it('allows a burst, then the rate, and says when to retry', function () {
    const bucket = new TokenBucket({ rate: 2, burst: 3 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)].every((r) => r.ok)).to.equal(true);
    const refused = bucket.take(0);
    expect(refused.ok).to.equal(false);
    expect(refused.retryAfter).to.be.closeTo(0.5, 1e-9);
    expect(bucket.take(499).ok).to.equal(false);
    expect(bucket.take(500).ok).to.equal(true);
    expect(bucket.take(500).ok).to.equal(false);
    expect(bucket.isFull(10_000)).to.equal(true);
  });

  it('keeps one bucket per key and forgets full ones', async function () {
    const clock = createFakeClock(0);
    const limiter = new KeyedRateLimiter({ rate: 1, burst: 1 }, clock, 3);
    expect(limiter.take('a').ok).to.equal(true);
    expect(limiter.take('a').ok).to.equal(false);
    expect(limiter.take('b').ok).to.equal(true);
    await clock.tick(61_000);
    expect(limiter.take('c').ok).to.equal(true);
    expect(limiter.size).to.equal(1);
  });

  it('never grows past its key cap', function () {
    const clock = createFakeClock(0);
    const limiter = new KeyedRateLimiter({ rate: 1, burst: 1 }, clock, 100);
    for (let i = 0; i < 1000; i++) limiter.take(`ip-${i}`);
    expect(limiter.size).to.be.at.most(100);
  });
});
