import { Writable } from 'node:stream';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { loadConfig } from '../../shared/config';
import { HeraldError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';
import { ApiKeyGate } from '../../server/http/api-keys';
import { Metrics } from '../../server/metrics';
import { createFakeClock } from '../support/fake-clock';

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof HeraldError ? err.code : `not a HeraldError: ${String(err)}`;
  }
}

describe('API key gate', function () {
  const good = 'Bearer local-development-api-key';

  function makeGate() {
    const clock = createFakeClock(0);
    let text = '';
    const logger = createLogger({ level: 'info', format: 'json', stream: new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }) });
    const config = loadConfig({ env: { PUSH_ENV: 'local' } });
    const gate = new ApiKeyGate(config, clock, new Metrics({ registry: new Registry() }), logger);
    const lines = () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    return { clock, gate, lines };
  }

  it('throttles wrong keys per address: after 20, every call from it is 429, even with the right key, until it refills', async function () {
    const { clock, gate } = makeGate();
    for (let i = 0; i < 20; i++) expect(codeOf(() => gate.admit(`Bearer guess-${i}-0123456789`, '203.0.113.9'))).to.equal('UNAUTHORIZED');
    expect(codeOf(() => gate.admit('Bearer guess-x-0123456789', '203.0.113.9'))).to.equal('RATE_LIMITED');
    // A right guess cannot be told from a wrong one while throttled.
    expect(codeOf(() => gate.admit(good, '203.0.113.9'))).to.equal('RATE_LIMITED');
    // Other addresses are not affected.
    expect(codeOf(() => gate.admit(good, '198.51.100.1'))).to.equal('ok');
    await clock.tick(1000);
    expect(codeOf(() => gate.admit(good, '203.0.113.9'))).to.equal('ok');
    expect(codeOf(() => gate.admit(undefined, '203.0.113.9'))).to.equal('UNAUTHORIZED');
    expect(codeOf(() => gate.admit(undefined, '203.0.113.9'))).to.equal('RATE_LIMITED');
  });

  it('logs refused keys once a minute with a count, never the key', async function () {
    const { clock, gate, lines } = makeGate();
    for (let i = 0; i < 15; i++) codeOf(() => gate.admit(`Bearer secret-guess-${i}-abcdef`, `192.0.2.${i}`));
    expect(lines().map((l) => [l.message, l.count])).to.deep.equal([['API calls refused: missing or wrong API key', 1]]);
    await clock.tick(60_000);
    expect(lines().map((l) => l.count)).to.deep.equal([1, 14]);
    expect(lines()[1]?.ip).to.equal('192.0.2.14');
    expect(JSON.stringify(lines())).to.not.contain('secret-guess');
  });

  it('counts every push of a batch: charge takes them all or none, and refuses past the budget', async function () {
    const { clock, gate } = makeGate();
    // The local budget: 5,000 a second, bursts of 10,000.
    const key = gate.admit(good, '198.51.100.7');
    gate.charge(key, 999);
    for (let i = 0; i < 8; i++) gate.charge(key, 1000);
    // 9,000 taken, 1,000 left: a batch of 1,001 is refused whole and takes nothing.
    expect(codeOf(() => gate.charge(key, 1001))).to.equal('RATE_LIMITED');
    expect(codeOf(() => gate.charge(key, 1000))).to.equal('ok');
    expect(codeOf(() => gate.admit(good, '198.51.100.7'))).to.equal('RATE_LIMITED');
    await clock.tick(200);
    expect(codeOf(() => gate.charge(key, 999))).to.equal('ok');
  });
});
