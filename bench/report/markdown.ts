/**
 * A run as markdown: the machine and the command, one table per scenario with the servers side
 * by side, the targets with their ratios and whether each is met, and the notes.
 */
import { holdWorkersFor } from '../options';
import { SCENARIOS } from '../scenarios';
import type { ScenarioResult } from '../scenarios/scenario';
import { formatValue } from './format';
import type { GoalResult } from './goals';
import type { BenchRun } from './results';

const SERVER_TITLES: Record<string, string> = {
  herald: 'Herald',
  'stock-cluster': 'stock cluster (sticky + redis-adapter, no login)',
  'stock-single': 'stock single process (no login)',
};

function title(server: string): string {
  return SERVER_TITLES[server] ?? server;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.map(escape).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function scenarioSection(name: string, results: ScenarioResult[]): string {
  const scenario = SCENARIOS[name as keyof typeof SCENARIOS];
  const parts = [`#### ${scenario.title}`, ''];
  const servers = results.map((r) => r.server);
  // A failed scenario's numbers are shown too (what it got before it failed); the status row says so.
  const rows = scenario.metrics.map((spec) => [spec.label, ...results.map((r) => formatValue(r.metrics[spec.key], spec.unit))]);
  const statusRow = results.some((r) => r.status !== 'ok') ? [['status', ...results.map((r) => (r.status === 'ok' ? 'ok' : `${r.status}: ${r.reason ?? ''}`))]] : [];
  parts.push(table(['', ...servers.map(title)], [...statusRow, ...rows]));
  const notes = results.flatMap((r) => r.notes.map((n) => `${title(r.server)}: ${n}`));
  if (notes.length > 0) parts.push('', ...notes.map((n) => `- ${n}`));
  return parts.join('\n');
}

function goalValue(goal: GoalResult): string {
  const unitOf: Record<string, Parameters<typeof formatValue>[1]> = {
    'fanout-cpu': 'us',
    'fanout-lone-cpu': 'us',
    'idle-rss': 'bytes',
    'idle-heap': 'bytes',
    'fanout-rate': 'per-s',
    hold: 'count',
    'targeted-p99': 'ms',
    'targeted-batch-p99': 'ms',
    'durable-rate': 'per-s',
    'targeted-other-host': 'ratio',
    storm: 's',
    'storm-spread': 'percent',
    'hosts-targeted-cpu': 'ratio',
    'hosts-broadcast-cpu': 'ratio',
    'hosts-targeted-cpu-per-host-rate': 'ratio',
    'hosts-bystander-messages': 'number',
    'hosts-online': 'ms',
  };
  const unit = unitOf[goal.id] ?? 'count';
  if (goal.id === 'targeted-other-host') return goal.herald === null ? '–' : `${Math.round(goal.herald * 100)}%`;
  return formatValue(goal.herald, unit);
}

function baselineValue(goal: GoalResult): string {
  if (goal.baseline === null) return '–';
  const unit = goal.id === 'fanout-cpu' || goal.id === 'fanout-lone-cpu' ? 'us' : goal.id === 'fanout-rate' || goal.id === 'durable-rate' ? 'per-s' : goal.id === 'storm' ? 's' : goal.id === 'storm-spread' ? 'percent' : 'bytes';
  return formatValue(goal.baseline, unit);
}

export function goalsTable(goals: GoalResult[]): string {
  return table(
    ['target', 'goal', 'Herald', 'stock cluster', 'ratio', 'met?'],
    goals.map((g) => [
      g.description,
      g.goal,
      goalValue(g),
      baselineValue(g),
      g.ratio !== null && g.id !== 'targeted-other-host' && !g.id.startsWith('hosts-') ? `${g.ratio.toFixed(2)}×` : '–',
      g.met === null ? `not measured${g.gap !== 'not measured' ? ` (${g.gap})` : ''}` : g.met ? 'yes' : `no — ${g.gap}`,
    ]),
  );
}

export function renderRun(run: BenchRun): string {
  const m = run.machine;
  const o = run.options;
  // Results written before the flag existed have no such field.
  const tuned = (o.heraldNodeOptions ?? []).join(' ');
  const lines = [
    `### Run ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC${run.label !== '' ? ` — ${run.label}` : ''}${o.smoke ? ' (smoke)' : ''}`,
    '',
    `\`${run.command}\` · ${run.durationSeconds.toFixed(0)} s · ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node} · ` +
      `load average ${m.loadAverageAtStart.toFixed(2)} at the start, ${run.loadAverageAtEnd.toFixed(2)} at the end`,
    '',
    `N = ${o.connections.toLocaleString('en-US')} connections, ${o.messageBytes}-byte messages, K = ${o.fanoutMessages} broadcasts (one at a time, then ${o.fanoutInflight} in flight), ` +
      `latency at ${o.latencyRate.toLocaleString('en-US')} deliveries/s, targeted at ${o.targetedRate.toLocaleString('en-US')} pushes/s, ` +
      `${o.duration} s per steady phase, ${o.workers} workers, Herald adapter ${o.heraldAdapter}; ` +
      `storm ${o.stormConnections.toLocaleString('en-US')} clients${o.stormKill === 'all' ? ' (every worker killed)' : ''}, hold ${o.holdConnections.toLocaleString('en-US')} on ${holdWorkersFor(o)} workers` +
      (o.scenarios.includes('hosts')
        ? `; hosts ${o.hostCounts.join(', ')} (1 worker each) on ${o.hostsRedis === 'cluster' ? 'a Redis Cluster' : 'one Redis'}, ` +
          `${o.hostsConnections.toLocaleString('en-US')} clients, ${o.hostsPushes.toLocaleString('en-US')} pushes at ${o.hostsPushRate.toLocaleString('en-US')}/s, ` +
          `${o.hostsBroadcasts} broadcasts, ${o.hostsLookups.toLocaleString('en-US')} look-ups`
        : '') +
      (o.scenarios.includes('idle') && o.idleSettle > 0 ? `; idle settles ${o.idleSettle} s` : '') +
      (tuned !== '' ? `; **Herald's processes run with \`${tuned}\`**` : '') +
      '.',
    '',
  ];
  const byScenario = new Map<string, ScenarioResult[]>();
  for (const r of run.results) {
    const list = byScenario.get(r.scenario);
    if (list === undefined) byScenario.set(r.scenario, [r]);
    else list.push(r);
  }
  for (const [name, results] of byScenario) lines.push(scenarioSection(name, results), '');
  // Targets whose scenario did not run at all are left out; the JSON keeps them.
  const judged = run.goals.filter((g) => g.gap !== 'not measured');
  if (judged.length > 0) lines.push('#### Targets', '', goalsTable(judged), '');
  return `${lines.join('\n')}\n`;
}
