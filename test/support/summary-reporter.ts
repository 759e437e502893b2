/**
 * Mocha's spec reporter plus a machine-readable summary: at the end of the run it writes
 * `{ passed, failed, pending }` to $HERALD_TEST_SUMMARY (when set). `.ci/run` sets one file per
 * run (Node 20, Node 24) and prints its closing `N passed, N failed` line, their sum, from those
 * files, not from mocha's own text.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Mocha from 'mocha';

const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    let pending = 0;
    runner.on(EVENT_TEST_PASS, () => passed++);
    runner.on(EVENT_TEST_FAIL, () => failed++); // hook failures arrive here too
    runner.on(EVENT_TEST_PENDING, () => pending++);
    runner.once(EVENT_RUN_END, () => {
      const file = process.env.HERALD_TEST_SUMMARY;
      if (file === undefined || file === '') return;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({ passed, failed, pending }) + '\n');
    });
  }
}

export = SummaryReporter;
