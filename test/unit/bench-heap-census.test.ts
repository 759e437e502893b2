/**
 * The bench's memory tools (issue 16): the heap census reads a V8 heap snapshot, and the
 * difference of two gives what each connection adds; `--heap-snapshots` parses; hold sizes its
 * workers to stay under the open-file limit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DEFAULT_BENCH_OPTIONS, parseBenchArgs } from '../../bench';
import { censusOf, diffCensus, renderCensus } from '../../bench/heap-census';
import { holdWorkersFor } from '../../bench/options';

/** A snapshot in V8's format with the given nodes: [kind, name, self size]. */
function snapshot(nodes: [string, string, number][]): string {
  const types = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint'];
  const strings: string[] = [];
  const flat: number[] = [];
  nodes.forEach(([kind, name, size], id) => {
    strings.push(name);
    flat.push(types.indexOf(kind), strings.length - 1, id + 1, size, 0, 0, 0);
  });
  return JSON.stringify({
    snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'], node_types: [types] } },
    nodes: flat,
    edges: [],
    strings,
  });
}

describe('bench memory tools', function () {
  let dir: string;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'herald-census-'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts a snapshot by kind and constructor, strings by kind alone', function () {
    const file = join(dir, 'one.heapsnapshot');
    writeFileSync(file, snapshot([['object', 'Socket', 100], ['object', 'Socket', 120], ['string', 'hello', 24], ['string', 'other text', 32], ['closure', 'onData', 56]]));
    const census = censusOf(file);
    expect(census.totalBytes).to.equal(332);
    expect(census.rows.get('object Socket')).to.deep.equal({ key: 'object Socket', count: 2, bytes: 220 });
    expect(census.rows.get('(string)')).to.deep.equal({ key: '(string)', count: 2, bytes: 56 });
    expect(census.rows.get('closure onData')?.count).to.equal(1);
  });

  it('divides what N connections added by N, largest first, and leaves out what did not grow', function () {
    const empty = join(dir, 'empty.heapsnapshot');
    const loaded = join(dir, 'loaded.heapsnapshot');
    writeFileSync(empty, snapshot([['object', 'Server', 500], ['object', 'Socket', 100]]));
    writeFileSync(loaded, snapshot([['object', 'Server', 500], ['object', 'Socket', 100], ['object', 'Socket', 100], ['object', 'Socket', 100], ['closure', 'native_bind', 48], ['closure', 'native_bind', 48], ['object', 'Timeout', 120]]));
    const diff = diffCensus(censusOf(empty), censusOf(loaded), 2);
    expect(diff.totalPerConnection).to.equal((2 * 100 + 2 * 48 + 120) / 2);
    expect(diff.rows.map((r) => [r.key, r.perConnection, r.bytes])).to.deep.equal([
      ['object Socket', 1, 100],
      ['object Timeout', 0.5, 60],
      ['closure native_bind', 1, 48],
    ]);
    expect(renderCensus('herald', diff)).to.include('| object Socket | 1.00 | 100 |');
  });

  it('--heap-snapshots turns the snapshots on; off by default', function () {
    expect(DEFAULT_BENCH_OPTIONS.heapSnapshots).to.equal(false);
    expect(parseBenchArgs(['--scenario', 'idle', '--heap-snapshots']).heapSnapshots).to.equal(true);
  });

  it('hold runs at most 15,000 connections per worker: 100,000 on 7, 50,000 on the 4 asked', function () {
    expect(holdWorkersFor({ ...DEFAULT_BENCH_OPTIONS, holdConnections: 100_000 })).to.equal(7);
    expect(holdWorkersFor({ ...DEFAULT_BENCH_OPTIONS, holdConnections: 50_000 })).to.equal(4);
    expect(holdWorkersFor({ ...DEFAULT_BENCH_OPTIONS, holdConnections: 100, holdWorkers: 2 })).to.equal(2);
  });
});
