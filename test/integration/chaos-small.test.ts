/**
 * The chaos suite at CI size (docs/RELIABILITY.md): each fault of `npm run chaos` with 5 users
 * (two SDK devices each) and 40 durable pushes a second from a keep-alive caller that retries with
 * the same Idempotency-Key. The bar: every push answered 200 reaches both devices, and no device
 * gets a seq after a higher one on the same connection. Then the redis fault with ephemeral pushes
 * (`--ephemeral`), and the same pushes in batches of 10 (`--batch 10`) under kill9 and store.
 */
import { expect } from 'chai';
import { SCENARIOS, type ScenarioName } from '../chaos/faults';
import { DEFAULT_CHAOS_OPTIONS, type ChaosOptions } from '../chaos/options';
import { formatDetails, formatResult, runScenario } from '../chaos/run-scenario';
import { ChaosServices } from '../chaos/services';

const SMALL: ChaosOptions = { ...DEFAULT_CHAOS_OPTIONS, rate: 40, users: 5, duration: 1, settle: 15, maxInFlight: 100, verbose: false };

describe('chaos suite, CI size (npm run chaos at 40 pushes/s, 5 users × 2 devices)', function () {
  this.timeout(240_000);
  let services: ChaosServices;

  before(async function () {
    services = await ChaosServices.start();
  });

  after(async function () {
    await services?.close();
  });

  const cases: [ScenarioName, string][] = [
    ['kill9', 'loses no answered push and keeps seq order while a worker is killed with SIGKILL every 10 s'],
    ['redis', 'loses no answered push and keeps seq order while Redis is down for 5 s under two hosts'],
    ['store', 'loses no answered push and keeps seq order while the store is down for 10 s'],
    ['reload', 'loses no answered push and keeps seq order through two server reloads'],
    ['verify', "loses no answered push and keeps seq order while the main site's verify API is down for 20 s"],
  ];
  for (const [name, title] of cases) {
    it(title, async function () {
      const scenario = SCENARIOS.find((s) => s.name === name);
      if (scenario === undefined) throw new Error(`no scenario ${name}`);
      const result = await runScenario(services, scenario, SMALL);
      const summary = [formatResult(result), ...formatDetails(result)].join('\n');
      expect(result.answered, summary).to.be.greaterThan(100);
      expect(result.lost, summary).to.equal(0);
      expect(result.outOfOrder, summary).to.equal(0);
      expect(result.processErrors, summary).to.deep.equal([]);
    });
  }

  // Ephemeral pushes (`npm run chaos -- --ephemeral --scenario redis`): no store, no seq, so the
  // outage buffer alone carries them through the Redis kill, and what it sends again after the
  // restart (what Redis confirmed just before it died) reaches the app once, by push id.
  it('loses no ephemeral push answered 200 while Redis is down for 5 s, and the SDK hands each to the app once', async function () {
    const scenario = SCENARIOS.find((s) => s.name === 'redis');
    if (scenario === undefined) throw new Error('no scenario redis');
    const result = await runScenario(services, scenario, { ...SMALL, ephemeral: true });
    const summary = [formatResult(result), ...formatDetails(result)].join('\n');
    expect(result.answered, summary).to.be.greaterThan(100);
    expect(result.lost, summary).to.equal(0);
    expect(result.appDuplicates, summary).to.equal(0);
    expect(result.processErrors, summary).to.deep.equal([]);
  });

  // The same pushes through POST /api/v1/push/batch, 10 per call (`npm run chaos -- --batch 10`):
  // an item counts only when the call is 200 and its own result ok; failed items are retried with
  // the same idempotencyKey. The two faults that fail batch items: a killed worker (the call cut)
  // and the store down (every durable item of a batch STORE_UNAVAILABLE in its group commit).
  it('loses no push answered ok in a 10-push batch and keeps seq order while a worker is killed (kill9), then while the store is down (store)', async function () {
    for (const name of ['kill9', 'store'] as const) {
      const scenario = SCENARIOS.find((s) => s.name === name);
      if (scenario === undefined) throw new Error(`no scenario ${name}`);
      const result = await runScenario(services, scenario, { ...SMALL, batch: 10 });
      const summary = [formatResult(result), ...formatDetails(result)].join('\n');
      expect(result.batch, summary).to.equal(10);
      expect(result.answered, summary).to.be.greaterThan(100);
      expect(result.lost, summary).to.equal(0);
      expect(result.outOfOrder, summary).to.equal(0);
      expect(result.appDuplicates, summary).to.equal(0);
      expect(result.processErrors, summary).to.deep.equal([]);
      if (name === 'store') expect(result.failureKinds['item STORE_UNAVAILABLE'] ?? 0, summary).to.be.greaterThan(0);
    }
  });
});
