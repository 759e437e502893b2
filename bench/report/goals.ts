/**
 * The issue's targets for this 2-core machine, checked against a run: ratios to the stock
 * cluster recipe measured in the same run, or absolute figures. A target whose numbers were not
 * measured (scenario not run, smaller N) is reported as not measured, never as met.
 */
import type { BenchOptions } from '../options';
import type { ScenarioResult } from '../scenarios/scenario';

export interface GoalResult {
  id: string;
  description: string;
  /** The target in words, e.g. `≤ 0.6× stock cluster`. */
  goal: string;
  /** Herald's figure and the baseline's (for ratio goals), in the metric's unit. */
  herald: number | null;
  baseline: number | null;
  /** Herald / baseline, for ratio goals. */
  ratio: number | null;
  /** null: not measured. */
  met: boolean | null;
  /** How far off, in words; empty when met. */
  gap: string;
}

/** A figure of a scenario's result, also of one that failed (the goal then judges what it got). */
function metric(results: ScenarioResult[], scenario: string, server: string, key: string): number | null {
  const r = results.find((x) => x.scenario === scenario && x.server === server && x.status !== 'skipped');
  const value = r?.metrics[key];
  return value === undefined || value === null || !Number.isFinite(value) ? null : value;
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/** Below this N, per-connection and per-delivery figures are mostly fixed costs and noise. */
const MIN_CONNECTIONS = 1000;

function ratioGoal(
  results: ScenarioResult[],
  options: BenchOptions,
  spec: { id: string; description: string; scenario: string; key: string; bound: number; direction: 'at-most' | 'at-least'; quantity: string },
): GoalResult {
  const herald = metric(results, spec.scenario, 'herald', spec.key);
  const baseline = metric(results, spec.scenario, 'stock-cluster', spec.key);
  const goal = `${spec.direction === 'at-most' ? '≤' : '≥'} ${spec.bound}× stock cluster`;
  const base = { id: spec.id, description: spec.description, goal, herald, baseline };
  if (herald === null || baseline === null || baseline === 0) return { ...base, ratio: null, met: null, gap: 'not measured' };
  if (options.connections < MIN_CONNECTIONS) return { ...base, ratio: herald / baseline, met: null, gap: `N = ${options.connections} is too small to judge` };
  const ratio = herald / baseline;
  const met = spec.direction === 'at-most' ? ratio <= spec.bound : ratio >= spec.bound;
  let gap = '';
  if (!met) {
    gap =
      spec.direction === 'at-most'
        ? `missed: ${ratio.toFixed(2)}×; needs ${pct(1 - spec.bound / ratio)} less ${spec.quantity}`
        : `missed: ${ratio.toFixed(2)}×; needs ${pct(spec.bound / ratio - 1)} more ${spec.quantity}`;
  }
  return { ...base, ratio, met, gap };
}

export function evaluateGoals(results: ScenarioResult[], options: BenchOptions): GoalResult[] {
  const goals: GoalResult[] = [
    ratioGoal(results, options, {
      id: 'fanout-cpu',
      description: 'server CPU per fan-out delivery',
      scenario: 'fanout',
      key: 'cpuPerDeliveryUs',
      bound: 0.6,
      direction: 'at-most',
      quantity: 'CPU per delivery',
    }),
    ratioGoal(results, options, {
      id: 'fanout-lone-cpu',
      description: 'server CPU per delivery, one broadcast at a time',
      scenario: 'fanout',
      key: 'loneCpuPerDeliveryUs',
      bound: 0.5,
      direction: 'at-most',
      quantity: 'CPU per delivery',
    }),
    ratioGoal(results, options, {
      id: 'idle-rss',
      description: 'RSS per idle logged-in connection',
      scenario: 'idle',
      key: 'rssPerConnection',
      bound: 0.5,
      direction: 'at-most',
      quantity: 'RSS per connection',
    }),
  ];

  const heap = metric(results, 'idle', 'herald', 'heapPerConnection');
  const heapLimit = 6 * 1024;
  goals.push({
    id: 'idle-heap',
    description: 'heap per idle logged-in connection',
    goal: '≤ 6 KB',
    herald: heap,
    baseline: metric(results, 'idle', 'stock-cluster', 'heapPerConnection'),
    ratio: null,
    met: heap === null || options.connections < MIN_CONNECTIONS ? null : heap <= heapLimit,
    gap: heap === null ? 'not measured' : options.connections < MIN_CONNECTIONS ? `N = ${options.connections} is too small to judge` : heap <= heapLimit ? '' : `missed by ${((heap - heapLimit) / 1024).toFixed(1)} KB (needs ${pct(1 - heapLimit / heap)} less)`,
  });

  goals.push(
    ratioGoal(results, options, {
      id: 'fanout-rate',
      description: 'fan-out deliveries per second',
      scenario: 'fanout',
      key: 'deliveriesPerSec',
      bound: 1.3,
      direction: 'at-least',
      quantity: 'deliveries per second',
    }),
  );

  const held = metric(results, 'hold', 'herald', 'loggedIn');
  const reached = metric(results, 'hold', 'herald', 'reached');
  const holdRan = results.find((r) => r.scenario === 'hold');
  const holdTarget = 50_000;
  let holdMet: boolean | null = null;
  let holdGap = 'not measured';
  if (holdRan !== undefined && options.holdConnections < holdTarget) {
    holdGap = `not measured at 50,000 (ran ${options.holdConnections})`;
  } else if (holdRan !== undefined) {
    holdMet = held !== null && reached !== null && held >= holdTarget && reached >= held;
    holdGap = holdMet ? '' : `missed: ${held ?? 0} logged in, ${reached ?? 0} reached${holdRan.reason !== undefined ? ` (${holdRan.reason})` : ''}`;
  }
  goals.push({
    id: 'hold',
    description: '50,000 logged-in connections, every one receives a broadcast',
    goal: '50,000 held and reached',
    herald: reached,
    baseline: null,
    ratio: null,
    met: holdMet,
    gap: holdGap,
  });

  goals.push(targetedP99Goal(results, options, 'api', 'targeted-p99', 'targeted push p99 through the API at 5,000 pushes/s'));
  goals.push(targetedP99Goal(results, options, 'batch', 'targeted-batch-p99', 'targeted push p99 through the batch API at 5,000 pushes/s'));
  goals.push(durableGoal(results));

  const hostRatio = metric(results, 'targeted', 'herald', 'apiRatio');
  goals.push({
    id: 'targeted-other-host',
    description: 'CPU a targeted push costs a host holding none of the user’s sockets, vs the delivering host',
    goal: '≤ 10%',
    herald: hostRatio,
    baseline: null,
    ratio: hostRatio,
    met: hostRatio === null ? null : hostRatio <= 0.1,
    gap: hostRatio === null ? 'not measured' : hostRatio <= 0.1 ? '' : `missed: ${pct(hostRatio)}; needs ${pct(1 - 0.1 / hostRatio)} less on the other host`,
  });

  const stormClients = metric(results, 'storm', 'herald', 'clients');
  const stormSeconds = metric(results, 'storm', 'herald', 'recoverySeconds');
  const stormRan = results.find((r) => r.scenario === 'storm' && r.server === 'herald');
  let stormMet: boolean | null = null;
  let stormGap = 'not measured';
  if (stormRan !== undefined && options.stormConnections < 20_000) {
    stormGap = `not measured at 20,000 (ran ${options.stormConnections})`;
  } else if (stormRan !== undefined) {
    stormMet = stormClients !== null && stormClients >= 20_000 && stormSeconds !== null && stormSeconds <= 20;
    stormGap = stormMet
      ? ''
      : stormClients !== null && stormClients < 20_000
        ? `missed: only ${stormClients} clients connected`
        : stormSeconds === null
          ? `missed: not every client came back (${stormRan.reason ?? 'failed'})`
          : `missed by ${(stormSeconds - 20).toFixed(1)} s`;
  }
  goals.push({
    id: 'storm',
    description: 'storm: 20,000 clients back and logged in',
    goal: '≤ 20 s',
    herald: stormSeconds,
    baseline: metric(results, 'storm', 'stock-cluster', 'recoverySeconds'),
    ratio: null,
    met: stormMet,
    gap: stormGap,
  });
  const spread = metric(results, 'storm', 'herald', 'stormSpreadPercent');
  goals.push({
    id: 'storm-spread',
    description: 'storm: clients on each worker after it, from the mean',
    goal: '≤ ±10 %',
    herald: spread,
    baseline: metric(results, 'storm', 'stock-cluster', 'stormSpreadPercent'),
    ratio: null,
    met: spread === null || options.stormConnections < 20_000 ? null : spread <= 10,
    gap:
      spread === null
        ? 'not measured'
        : options.stormConnections < 20_000
          ? `not measured at 20,000 (ran ${options.stormConnections})`
          : spread <= 10
            ? ''
            : `missed by ${(spread - 10).toFixed(1)} points`,
  });
  goals.push(...hostsGoals(results, options));
  return goals;
}

/** The host count the hosts targets are judged at, against 1 host. */
const HOSTS_JUDGED_AT = 8;

/** The hosts scenario's targets (issue 14), at 8 hosts: CPU ratios to 1 host, and the online look-up's p99. */
function hostsGoals(results: ScenarioResult[], options: BenchOptions): GoalResult[] {
  const at = `${HOSTS_JUDGED_AT} hosts`;
  const ran = results.some((r) => r.scenario === 'hosts');
  const where = options.hostsRedis === 'cluster' ? 'on a Redis Cluster' : 'on one Redis (not the cluster)';
  let unjudged: string | undefined;
  if (!ran) unjudged = 'not measured';
  else if (!options.hostCounts.includes(1) || !options.hostCounts.includes(HOSTS_JUDGED_AT)) unjudged = `judged at 1 and ${at}; ran ${options.hostCounts.join(', ')}`;
  else if (options.hostsConnections < MIN_CONNECTIONS) unjudged = `${options.hostsConnections} clients are too few to judge`;
  const judge = (spec: { id: string; description: string; goal: string; key: string; bound: number; quantity: string }): GoalResult => {
    const value = metric(results, 'hosts', at, spec.key);
    const isRatio = spec.key.includes('Ratio');
    const base = { id: spec.id, description: `${spec.description}, ${where}`, goal: spec.goal, herald: value, baseline: null, ratio: isRatio ? value : null };
    if (unjudged !== undefined) return { ...base, met: null, gap: unjudged };
    if (value === null) return { ...base, met: null, gap: `${at} gave no figure` };
    const met = value <= spec.bound;
    const shown = isRatio ? `${value.toFixed(2)}×` : spec.quantity === 'latency' ? `${value.toFixed(1)} ms` : value.toFixed(2);
    const needs = spec.quantity === 'messages' ? 'a host that takes no part should receive none' : `needs ${pct(1 - spec.bound / value)} less ${spec.quantity}`;
    return { ...base, met, gap: met ? '' : `missed: ${shown}; ${needs}` };
  };
  return [
    judge({
      id: 'hosts-targeted-cpu',
      description: `targeted push: CPU summed over all hosts (less idle) at ${at} vs 1 host`,
      goal: '≤ 1.2× one host',
      key: 'pushCpuRatio',
      bound: 1.2,
      quantity: 'CPU per push',
    }),
    judge({
      id: 'hosts-targeted-cpu-per-host-rate',
      description: `targeted push: CPU summed over all hosts (less idle) at ${at} vs 1 host taking the same push rate per host`,
      goal: '≤ 1.2× one host',
      key: 'pushCpuRatioPerHostRate',
      bound: 1.2,
      quantity: 'CPU per push',
    }),
    judge({
      id: 'hosts-bystander-messages',
      description: `targeted push: Redis adapter messages per push at a host that neither takes the call nor holds the user, at ${at}`,
      goal: '0 (only the holding host works)',
      key: 'bystanderMessages',
      bound: 0.01,
      quantity: 'messages',
    }),
    judge({
      id: 'hosts-broadcast-cpu',
      description: `broadcast: CPU per delivery summed over all hosts (less idle) at ${at} vs 1 host`,
      goal: '≤ 1.2× one host (flat)',
      key: 'broadcastCpuRatio',
      bound: 1.2,
      quantity: 'CPU per delivery',
    }),
    judge({
      id: 'hosts-online',
      description: `GET /api/v1/online/:uid p99 from a random host at ${at}`,
      goal: '≤ 5 ms',
      key: 'onlineP99',
      bound: 5,
      quantity: 'latency',
    }),
  ];
}

/** p99 ≤ 10 ms from call to client for targeted pushes at 5,000/s, through one way of pushing (`api`, `batch`). */
function targetedP99Goal(results: ScenarioResult[], options: BenchOptions, prefix: 'api' | 'batch', id: string, description: string): GoalResult {
  const p99 = metric(results, 'targeted', 'herald', `${prefix}P99`);
  const rate = metric(results, 'targeted', 'herald', `${prefix}Rate`);
  let met: boolean | null = null;
  let gap = 'not measured';
  if (p99 !== null && rate !== null) {
    if (options.targetedRate < 5000) {
      gap = `not measured at 5,000 pushes/s (ran ${options.targetedRate}/s)`;
    } else {
      const rateOk = rate >= 0.95 * 5000;
      met = p99 <= 10 && rateOk;
      gap = met ? '' : !rateOk ? `missed: only ${Math.round(rate)} pushes/s sent${p99 > 10 ? `, p99 ${p99.toFixed(1)} ms` : ''}` : `missed by ${(p99 - 10).toFixed(1)} ms (p99 ${p99.toFixed(1)} ms)`;
    }
  }
  return { id, description, goal: '≤ 10 ms', herald: p99, baseline: null, ratio: null, met, gap };
}

/**
 * ≥ 10,000 durable uid pushes a second into MariaDB with API p99 ≤ 50 ms, and ≥ 10× the naive
 * writer (one INSERT per push) of the same run: the best of the single and batch API ramps.
 */
function durableGoal(results: ScenarioResult[]): GoalResult {
  const single = metric(results, 'durable', 'herald · mariadb', 'singleHeld');
  const batch = metric(results, 'durable', 'herald · mariadb', 'batchHeld');
  const baseline = metric(results, 'durable', 'one INSERT per push · mariadb', 'singleHeld');
  const held = single === null && batch === null ? null : Math.max(single ?? 0, batch ?? 0);
  const ratio = held !== null && baseline !== null && baseline > 0 ? held / baseline : null;
  let met: boolean | null = null;
  let gap = 'not measured';
  if (held !== null) {
    met = held >= 10_000 && (ratio === null || ratio >= 10);
    gap = met ? '' : held < 10_000 ? `missed: ${Math.round(held)} pushes/s held` : `missed: ${ratio?.toFixed(1)}× the one-INSERT writer`;
  }
  return {
    id: 'durable-rate',
    description: 'durable uid pushes per second into MariaDB with API p99 ≤ 50 ms (best of single and batch API)',
    goal: '≥ 10,000/s and ≥ 10× one INSERT per push',
    herald: held,
    baseline,
    ratio,
    met,
    gap,
  };
}
