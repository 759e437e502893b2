/**
 * Where a server's CPU went, from the V8 CPU profiles `--profile` makes (`--cpu-prof` in every
 * server process): self time per function and per package over all processes of one server,
 * without the idle time.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  /** Share of the busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  /** The folder: which server and scenario. */
  group: string;
  files: number;
  busyMs: number;
  functions: ProfileEntry[];
  packages: ProfileEntry[];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (name.endsWith('.cpuprofile')) out.push(path);
  }
  return out;
}

/** `node_modules/engine.io/…` → `engine.io`; `node:internal/…` → `node (internal)`; Herald's dist → `herald`. */
function packageOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : 'node (native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return 'node (internal)';
  if (url.includes('/dist/')) return `herald ${url.slice(url.indexOf('/dist/') + 6).split('/').slice(0, 2).join('/')}`;
  return url;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function top(map: Map<string, number>, busyMs: number, count: number): ProfileEntry[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, selfMs: Math.round(ms * 10) / 10, share: busyMs > 0 ? ms / busyMs : 0 }));
}

/** One summary per folder directly under `root` that holds profiles. */
export function summarizeProfiles(root: string, count = 20): ProfileSummary[] {
  let groups: string[];
  try {
    groups = readdirSync(root).filter((g) => statSync(join(root, g)).isDirectory());
  } catch {
    return [];
  }
  const summaries: ProfileSummary[] = [];
  for (const group of groups) {
    const files = filesUnder(join(root, group));
    const byFunction = new Map<string, number>();
    const byPackage = new Map<string, number>();
    let busyMs = 0;
    for (const file of files) {
      let profile: CpuProfile;
      try {
        profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
      } catch {
        continue;
      }
      const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
      const selfUs = new Map<number, number>();
      const samples = profile.samples ?? [];
      const deltas = profile.timeDeltas ?? [];
      for (let i = 0; i < samples.length; i++) {
        const id = samples[i] as number;
        selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i] ?? 0));
      }
      for (const [id, us] of selfUs) {
        const node = nodes.get(id);
        if (node === undefined) continue;
        const { functionName, url, lineNumber } = node.callFrame;
        const name = functionName === '' ? '(anonymous)' : functionName;
        if (name === '(idle)') continue;
        const ms = us / 1000;
        busyMs += ms;
        const key = url === '' ? name : `${name} ${shortUrl(url)}:${lineNumber + 1}`;
        byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
        const pkg = packageOf(url, name);
        byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
      }
    }
    if (files.length === 0) continue;
    summaries.push({
      group: relative(root, join(root, group)),
      files: files.length,
      busyMs: Math.round(busyMs),
      functions: top(byFunction, busyMs, count),
      packages: top(byPackage, busyMs, 12),
    });
  }
  return summaries;
}

export function renderProfiles(summaries: ProfileSummary[]): string {
  const out: string[] = [];
  for (const s of summaries) {
    out.push(`#### CPU profile: ${s.group} (${s.files} processes, ${(s.busyMs / 1000).toFixed(1)} s busy)`, '');
    out.push('| self time | share | package |', '| ---: | ---: | --- |');
    for (const p of s.packages) out.push(`| ${p.selfMs.toFixed(0)} ms | ${(p.share * 100).toFixed(1)}% | ${p.name} |`);
    out.push('', '| self time | share | function |', '| ---: | ---: | --- |');
    for (const f of s.functions) out.push(`| ${f.selfMs.toFixed(0)} ms | ${(f.share * 100).toFixed(1)}% | \`${f.name.replace(/\|/g, '\\|')}\` |`);
    out.push('');
  }
  return out.join('\n');
}
