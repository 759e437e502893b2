/**
 * The fuzz run at CI size (docs/RELIABILITY.md): 500 seeded cases per target against a real host.
 * The seed is fixed so CI sees the same cases every time (HERALD_FUZZ_SEED picks another); every
 * finding prints the command that generates its case again.
 */
import { expect } from 'chai';
import { formatFuzz, runFuzz, DEFAULT_FUZZ_OPTIONS } from '../chaos/fuzz/run-fuzz';
import type { FuzzTargetName } from '../chaos/fuzz/target';
import { ChaosServices } from '../chaos/services';

const SEED = Number(process.env.HERALD_FUZZ_SEED ?? 20_261_206);
const CASES = 500;

describe(`fuzz, CI size (${CASES} cases per target, seed ${SEED})`, function () {
  this.timeout(180_000);
  let services: ChaosServices;

  before(async function () {
    services = await ChaosServices.start();
  });

  after(async function () {
    await services?.close();
  });

  const targets: [FuzzTargetName, string][] = [
    ['socket', 'random and malformed payloads to every client event: no crash, no INTERNAL answer, no unhandled rejection'],
    ['engine', 'raw Engine.IO packets over a raw websocket and long-polling: no crash, no 500, no unhandled rejection'],
    ['http', 'random methods, paths, headers and bodies on the HTTP API: no crash, no 500, no unhandled rejection'],
    ['redis', 'random PUBLISH and XADD entries on the Redis ingress: no crash, no unhandled rejection'],
  ];
  for (const [target, title] of targets) {
    it(title, async function () {
      const report = await runFuzz({ ...DEFAULT_FUZZ_OPTIONS, seed: SEED, cases: CASES, targets: [target], maxCrashes: 1, verbose: false }, services);
      expect(report.findings.length, formatFuzz(report).join('\n')).to.equal(0);
      expect(report.targets[0]?.unsent, formatFuzz(report).join('\n')).to.equal(0);
    });
  }
});
