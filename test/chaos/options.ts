/** The chaos suite's flags (`npm run chaos -- --rate 100 --duration 20 --users 10`). */
import type { ScenarioName } from './faults';

export interface ChaosOptions {
  /** Logical durable pushes started per second. @default 100 */
  rate: number;
  /** Push phase per scenario, in seconds (stretched to hold the scenario's faults). @default 20 */
  duration: number;
  /** Users; each has two devices. @default 10 */
  users: number;
  /** How long the run waits for every answered push to reach every device, in seconds. @default 20 */
  settle: number;
  /** Scenarios to run, in order. @default all five */
  scenarios: ScenarioName[];
  /** Pushes in flight at most (a slower server slows the caller, as a real one would). @default 200 */
  maxInFlight: number;
  /**
   * 0: every logical push is its own `POST /api/v1/push`. n > 0: the pushes, in the order they are
   * started, go out in `POST /api/v1/push/batch` calls of up to n items. @default 0
   */
  batch: number;
  /**
   * The logical pushes are ephemeral (`durable: false`): no seq, nothing stored, so only the
   * scenarios in which every device stays connected apply (EPHEMERAL_SCENARIOS). @default false
   */
  ephemeral: boolean;
  /** Print progress lines. @default true */
  verbose: boolean;
}

export const ALL_SCENARIOS: readonly ScenarioName[] = ['kill9', 'redis', 'store', 'reload', 'verify'];
/**
 * With --ephemeral: the faults that leave every device connected. A killed worker, a reload and the
 * verify scenario (whose second devices start again) drop connections, and an ephemeral push
 * misses a device that is not connected, by design.
 */
export const EPHEMERAL_SCENARIOS: readonly ScenarioName[] = ['redis', 'store'];

export const DEFAULT_CHAOS_OPTIONS: ChaosOptions = {
  rate: 100,
  duration: 20,
  users: 10,
  settle: 20,
  scenarios: [...ALL_SCENARIOS],
  maxInFlight: 200,
  batch: 0,
  ephemeral: false,
  verbose: true,
};

/** `--name value` or `--name=value` flags into a map; bare `--name` is 'true'. */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}" (flags are --name value)`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) {
      flags.set(arg.slice(2), argv[++i] as string);
    } else {
      flags.set(arg.slice(2), 'true');
    }
  }
  return flags;
}

export function positiveNumber(flags: Map<string, string>, name: string, fallback: number): number {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: expected a positive number, got "${raw}"`);
  return value;
}

/** `--batch n`: 0 (single pushes) or a whole number of items per batch call, 1 to 1,000. */
export function batchSize(flags: Map<string, string>): number {
  const raw = flags.get('batch');
  if (raw === undefined) return DEFAULT_CHAOS_OPTIONS.batch;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 1000) throw new Error(`--batch: expected 0 (single pushes) or 1 to 1000 pushes per call, got "${raw}"`);
  return value;
}

export function chaosOptionsFrom(flags: Map<string, string>): ChaosOptions {
  const scenarios = flags.get('scenario') ?? flags.get('scenarios');
  const ephemeral = flags.get('ephemeral') === 'true';
  const allowed = ephemeral ? EPHEMERAL_SCENARIOS : ALL_SCENARIOS;
  const picked = scenarios === undefined ? [...allowed] : scenarios.split(',').map((s) => s.trim());
  for (const name of picked) {
    if (!ALL_SCENARIOS.includes(name as ScenarioName)) throw new Error(`--scenario: unknown "${name}" (one of ${ALL_SCENARIOS.join(', ')})`);
    if (!allowed.includes(name as ScenarioName)) {
      throw new Error(`--scenario: "${name}" drops device connections, which lose ephemeral pushes by design; with --ephemeral pick from ${allowed.join(', ')}`);
    }
  }
  return {
    rate: positiveNumber(flags, 'rate', DEFAULT_CHAOS_OPTIONS.rate),
    duration: positiveNumber(flags, 'duration', DEFAULT_CHAOS_OPTIONS.duration),
    users: Math.round(positiveNumber(flags, 'users', DEFAULT_CHAOS_OPTIONS.users)),
    settle: positiveNumber(flags, 'settle', DEFAULT_CHAOS_OPTIONS.settle),
    scenarios: picked as ScenarioName[],
    maxInFlight: Math.round(positiveNumber(flags, 'max-in-flight', DEFAULT_CHAOS_OPTIONS.maxInFlight)),
    batch: batchSize(flags),
    ephemeral,
    verbose: flags.get('quiet') !== 'true',
  };
}
