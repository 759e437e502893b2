/**
 * How a batch becomes per-user seqs, how rows are chunked into statements, and the numbered
 * migrations list: the pure parts both store implementations rely on.
 */
import { expect } from 'chai';
import type { NewMessage } from '../../shared/store/message-store';
import { LATEST_VERSION, MIGRATIONS, pendingMigrations, summarize } from '../../shared/store/migrations';
import { assignSeqs, chunkRows, planSeqs } from '../../shared/store/seq-plan';

function to(uid: string): NewMessage {
  return { id: 'p', uid, event: 'message', data: '{}', topic: null, createdAt: 0, expiresAt: 1 };
}

describe('seq plan', function () {
  it('counts messages per uid and lists the uids in ascending order, the order rows are locked in', function () {
    const plan = planSeqs(['carol', 'alice', 'Bob', 'alice', 'carol', 'alice'].map(to));
    expect(plan.uids).to.deep.equal(['Bob', 'alice', 'carol']);
    expect([...plan.counts.entries()].sort()).to.deep.equal([
      ['Bob', 1],
      ['alice', 3],
      ['carol', 2],
    ]);
  });

  it('numbers each uid last_seq - count + 1 … last_seq, in input order', function () {
    const batch = ['a', 'b', 'a', 'a', 'b'].map(to);
    const plan = planSeqs(batch);
    // After the batch raised them: a went 7 → 10, b went 0 → 2.
    expect(assignSeqs(batch, plan, new Map([['a', 10], ['b', 2]]))).to.deep.equal([8, 1, 9, 10, 2]);
  });

  it('fails the batch when the database returned no seq row for a uid', function () {
    const batch = [to('a'), to('b')];
    expect(() => assignSeqs(batch, planSeqs(batch), new Map([['a', 1]]))).to.throw(/no seq row for uid b/);
  });
});

describe('chunkRows', function () {
  const size = (n: number): number => n;

  it('cuts at maxRows', function () {
    expect(chunkRows([1, 1, 1, 1, 1], 2, Infinity, size)).to.deep.equal([[1, 1], [1, 1], [1]]);
  });

  it('cuts before a row that would pass maxBytes, and gives an oversized row a chunk of its own', function () {
    expect(chunkRows([3, 3, 3, 10, 1], 100, 7, size)).to.deep.equal([[3, 3], [3], [10], [1]]);
  });

  it('returns no chunk for no rows', function () {
    expect(chunkRows([], 10, 10, size)).to.deep.equal([]);
  });
});

describe('migrations', function () {
  it('are numbered 1, 2, 3 … with statements for both dialects', function () {
    expect(MIGRATIONS.map((m) => m.version)).to.deep.equal(Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1));
    expect(LATEST_VERSION).to.equal(MIGRATIONS.length);
    for (const m of MIGRATIONS) {
      expect(m.name).to.not.equal('');
      expect(m.mysql.length, `mysql statements of ${m.version}`).to.be.greaterThan(0);
      expect(m.sqlite.length, `sqlite statements of ${m.version}`).to.be.greaterThan(0);
    }
  });

  it('writes MySQL statements that can run twice (DDL is not transactional there), in syntax MySQL and MariaDB share', function () {
    for (const sql of MIGRATIONS.flatMap((m) => m.mysql)) {
      // CREATE … IF NOT EXISTS, or ADD COLUMN, whose rerun the store takes as already applied.
      expect(sql, sql.slice(0, 60)).to.match(/\bCREATE (TABLE|INDEX) IF NOT EXISTS\b|\bADD COLUMN (?!IF NOT EXISTS)/i);
    }
  });

  it('lists what is pending, oldest first, and reports from/to', function () {
    expect(pendingMigrations(new Set()).map((m) => m.version)).to.deep.equal(MIGRATIONS.map((m) => m.version));
    expect(pendingMigrations(new Set(MIGRATIONS.map((m) => m.version)))).to.deep.equal([]);
    expect(summarize(new Set(), MIGRATIONS)).to.deep.include({ from: 0, to: LATEST_VERSION });
    expect(summarize(new Set([1]), [])).to.deep.equal({ from: 1, to: 1, applied: [] });
  });
});
