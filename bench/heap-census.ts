/**
 * `--heap-snapshots`: heap snapshots of a server's busiest Socket.IO worker, empty and with N
 * idle connections, and what every connection adds to them.
 *
 * The workers run with `--heapsnapshot-signal=SIGUSR2` (the servers' `heapSnapshotDir`); a
 * snapshot collects garbage first, so it holds only what is reachable. The census groups the
 * objects of a snapshot by kind and constructor (closures by function name, strings and code by
 * kind alone) and subtracts the empty snapshot: rows whose count grows by about N, with their
 * bytes per connection, are the per-connection objects. Sizes are V8's self (shallow) sizes; the
 * sum over all rows is the heap each connection retains.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Count and self size of one kind of object in a snapshot. */
export interface CensusRow {
  key: string;
  count: number;
  bytes: number;
}

export interface Census {
  /** Self size of every node in the snapshot (everything reachable). */
  totalBytes: number;
  rows: Map<string, CensusRow>;
}

interface SnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Kinds whose names are contents (a string's text, a number), not a class. */
const ANONYMOUS_KINDS = new Set(['string', 'concatenated string', 'sliced string', 'number', 'code', 'regexp', 'bigint']);

/** Reads a `.heapsnapshot` file into a census. */
export function censusOf(path: string): Census {
  const file = JSON.parse(readFileSync(path, 'utf8')) as SnapshotFile;
  const fields = file.snapshot.meta.node_fields;
  const types = file.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const rows = new Map<string, CensusRow>();
  let totalBytes = 0;
  for (let i = 0; i < file.nodes.length; i += width) {
    const kind = types[file.nodes[i + typeAt] ?? 0] ?? '?';
    const size = file.nodes[i + sizeAt] ?? 0;
    const name = ANONYMOUS_KINDS.has(kind) ? '' : (file.strings[file.nodes[i + nameAt] ?? 0] ?? '');
    // Closure and object names can hold source text or long keys; the start says enough.
    const key = name === '' ? `(${kind})` : `${kind} ${name.length > 60 ? `${name.slice(0, 57)}...` : name}`;
    const row = rows.get(key) ?? { key, count: 0, bytes: 0 };
    row.count++;
    row.bytes += size;
    rows.set(key, row);
    totalBytes += size;
  }
  return { totalBytes, rows };
}

/** One row of the difference, per connection. */
export interface PerConnectionRow {
  key: string;
  /** Objects of this kind per connection (0.98 = one each, give or take). */
  perConnection: number;
  /** Self bytes per connection. */
  bytes: number;
}

export interface CensusDiff {
  connections: number;
  /** Retained heap per connection: total reachable bytes, loaded minus empty, / N. */
  totalPerConnection: number;
  /** Rows adding at least `minBytes` per connection, largest first. */
  rows: PerConnectionRow[];
}

/** What `connections` connections added between `empty` and `loaded`. */
export function diffCensus(empty: Census, loaded: Census, connections: number, minBytes = 4): CensusDiff {
  const rows: PerConnectionRow[] = [];
  for (const row of loaded.rows.values()) {
    const before = empty.rows.get(row.key);
    const bytes = (row.bytes - (before?.bytes ?? 0)) / connections;
    if (bytes < minBytes) continue;
    rows.push({ key: row.key, perConnection: (row.count - (before?.count ?? 0)) / connections, bytes });
  }
  rows.sort((a, b) => b.bytes - a.bytes);
  return { connections, totalPerConnection: (loaded.totalBytes - empty.totalBytes) / connections, rows };
}

/** A markdown table of a difference. */
export function renderCensus(title: string, diff: CensusDiff): string {
  const lines = [
    `${title}: ${diff.connections} connections, ${(diff.totalPerConnection / 1024).toFixed(2)} KB retained per connection`,
    '',
    '| object (V8 kind and constructor) | per connection | bytes per connection |',
    '| --- | --- | --- |',
  ];
  for (const row of diff.rows) lines.push(`| ${row.key.replace(/\|/g, '\\|')} | ${row.perConnection.toFixed(2)} | ${Math.round(row.bytes)} |`);
  return lines.join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Snapshot files of `pid` in `dir` (Node names them `Heap.<date>.<time>.<pid>.<thread>.<seq>.heapsnapshot`). */
function snapshotsOf(dir: string, pid: number): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.heapsnapshot') && f.split('.')[3] === String(pid))
    .map((f) => join(dir, f));
}

/**
 * Sends SIGUSR2 to `pid` and waits for its new snapshot to be complete (its size unchanged for a
 * second and the JSON closed); returns the file. Gives up after `timeoutMs`.
 */
export async function takeSnapshot(pid: number, dir: string, timeoutMs = 120_000): Promise<string> {
  const before = new Set(snapshotsOf(dir, pid));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await sleep(1000);
    const file = snapshotsOf(dir, pid).find((f) => !before.has(f));
    if (file === undefined) continue;
    const size = statSync(file).size;
    if (size > 0 && size === lastSize) return file;
    lastSize = size;
  }
  throw new Error(`no heap snapshot of ${pid} within ${timeoutMs} ms`);
}
