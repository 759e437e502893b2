import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../shared/logger';
import { ThrottledLog } from '../../shared/throttled-log';
import { createFakeClock } from '../support/fake-clock';

function capture(): { lines: () => Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  let text = '';
  const logger = createLogger({ level: 'debug', format: 'json', stream: new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }) });
  return { logger, lines: () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('throttled log', function () {
  it('writes one line per minute for 5,000 failures in 20 s, with the count of the rest', async function () {
    const clock = createFakeClock(0);
    const { logger, lines } = capture();
    const log = new ThrottledLog(logger, 'warn', 'login verification failed', { clock, intervalMs: 60_000 });
    for (let i = 0; i < 5000; i++) {
      log.hit({ reason: 'verify API down' });
      if (i % 250 === 0) await clock.tick(1000);
    }
    expect(lines().map((l) => l.count)).to.deep.equal([1]);
    await clock.tick(60_000);
    expect(lines().map((l) => [l.message, l.count, l.level])).to.deep.equal([
      ['login verification failed', 1, 'warn'],
      ['login verification failed', 4999, 'warn'],
    ]);
    // A quiet interval ends the flood; the next failure is logged at once.
    await clock.tick(60_000);
    expect(lines()).to.have.length(2);
    log.hit({ reason: 'again' });
    expect(lines().map((l) => l.count)).to.deep.equal([1, 4999, 1]);
    expect(lines()[2]?.reason).to.equal('again');
  });

  it('keeps folding while the flood lasts, one line per interval, and close() writes the rest', async function () {
    const clock = createFakeClock(0);
    const { logger, lines } = capture();
    const log = new ThrottledLog(logger, 'info', 'flood', { clock, intervalMs: 10_000 });
    for (let s = 0; s < 25; s++) {
      log.hit();
      log.hit();
      await clock.tick(1000);
    }
    // 50 hits over 25 s: first at once, then 19 at 10 s, 20 at 20 s; 10 still folded.
    expect(lines().map((l) => l.count)).to.deep.equal([1, 19, 20]);
    log.close();
    log.close();
    expect(lines().map((l) => l.count)).to.deep.equal([1, 19, 20, 10]);
    expect(lines()[0]?.intervalSeconds).to.equal(10);
  });
});
