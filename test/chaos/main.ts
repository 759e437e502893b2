/**
 * `npm run chaos` — the fault suite (see docs/RELIABILITY.md):
 *   npm run chaos -- [--scenario kill9,redis,store,reload,verify] [--rate 100] [--duration 20] [--users 10] [--settle 20] [--batch 0] [--ephemeral]
 *   npm run chaos -- --fuzz [--seed N] [--cases 10000] [--target socket,engine,http,redis]
 *   npm run chaos -- --soak [--minutes 10] [--rate 50] [--users 50]
 * Prints one line per scenario and exits 1 when any scenario lost a push or delivered one out of
 * order (fuzz: any crash, 500 or unhandled rejection; soak: RSS still growing).
 */
import { killStragglers } from '../support/processes';
import { SCENARIOS } from './faults';
import { runFuzz, fuzzOptionsFrom, formatFuzz } from './fuzz/run-fuzz';
import { chaosOptionsFrom, parseFlags } from './options';
import { formatDetails, formatResult, runScenario } from './run-scenario';
import { ChaosServices } from './services';
import { formatSoak, runSoak, soakOptionsFrom } from './soak';

async function chaos(flags: Map<string, string>): Promise<number> {
  const options = chaosOptionsFrom(flags);
  const services = await ChaosServices.start();
  let failed = 0;
  try {
    for (const name of options.scenarios) {
      const scenario = SCENARIOS.find((s) => s.name === name);
      if (scenario === undefined) continue;
      const result = await runScenario(services, scenario, options);
      process.stdout.write(`${formatResult(result)}\n`);
      for (const line of formatDetails(result)) process.stdout.write(`${line}\n`);
      if (result.lost > 0 || result.outOfOrder > 0) failed++;
    }
  } finally {
    await services.close();
  }
  process.stdout.write(`chaos: ${options.scenarios.length - failed} of ${options.scenarios.length} scenarios met the bar (0 lost, 0 out of order)\n`);
  return failed > 0 ? 1 : 0;
}

const KNOWN_FLAGS = {
  chaos: ['scenario', 'scenarios', 'rate', 'duration', 'users', 'settle', 'max-in-flight', 'batch', 'ephemeral', 'quiet'],
  fuzz: ['fuzz', 'seed', 'cases', 'target', 'targets', 'case', 'max-crashes', 'host', 'max-depth', 'quiet'],
  soak: ['soak', 'minutes', 'rate', 'users', 'churn', 'sample-every', 'max-slope'],
};

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const mode = flags.get('fuzz') === 'true' ? 'fuzz' : flags.get('soak') === 'true' ? 'soak' : 'chaos';
  const unknown = [...flags.keys()].filter((name) => !KNOWN_FLAGS[mode].includes(name));
  if (unknown.length > 0) throw new Error(`unknown flag(s) for ${mode}: ${unknown.map((f) => `--${f}`).join(' ')} (see docs/RELIABILITY.md)`);
  if (flags.get('fuzz') === 'true') {
    const report = await runFuzz(fuzzOptionsFrom(flags));
    for (const line of formatFuzz(report)) process.stdout.write(`${line}\n`);
    return report.ok ? 0 : 1;
  }
  if (flags.get('soak') === 'true') {
    const report = await runSoak(soakOptionsFrom(flags));
    for (const line of formatSoak(report)) process.stdout.write(`${line}\n`);
    return report.ok ? 0 : 1;
  }
  return chaos(flags);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killStragglers();
    process.exit(130);
  });
}

main().then(
  (code) => {
    killStragglers();
    process.exit(code);
  },
  (err: unknown) => {
    // A flag mistake gets its one line; anything else its stack.
    const usage = /^(unknown flag|unexpected argument|--)/.test((err as Error)?.message ?? '');
    process.stderr.write(`chaos: ${usage ? (err as Error).message : ((err as Error)?.stack ?? String(err))}\n`);
    killStragglers();
    process.exit(2);
  },
);
