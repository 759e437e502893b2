/**
 * The MessageStore contract on the shared MariaDB (127.0.0.1:3306), one throw-away database per
 * target, plus what only MySQL has: indexes, many hosts racing for the same seq rows, statement
 * chunking. Outages live in store-mysql-outage.test.ts (a private server).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { MIGRATIONS } from '../../shared/store/migrations';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import type { IdempotencyClaim } from '../../shared/store';
import { MysqlMessageStore } from '../../shared/store/mysql-store';
import { describeStore, message, oneTo, uniqueUid, type StoreTarget } from './store-suite';
import { rejection } from '../support/assertions';
import { adminQuery, MYSQL_SERVER_URL } from '../support/mysql-admin';

const SERVER_URL = MYSQL_SERVER_URL;

const admin = (sql: string): Promise<void> => adminQuery(sql);

/** A new empty database on the shared server. */
async function createMysqlTarget(): Promise<StoreTarget & { url: string }> {
  const name = `herald_test_${randomBytes(5).toString('hex')}`;
  await admin(`CREATE DATABASE \`${name}\``);
  const url = `${SERVER_URL}/${name}`;
  return {
    url,
    open: (options) => new MysqlMessageStore({ url, ...options }),
    drop: () => admin(`DROP DATABASE IF EXISTS \`${name}\``),
  };
}

describeStore('MysqlMessageStore', createMysqlTarget);

describe('MysqlMessageStore on MariaDB', function () {
  let target: StoreTarget & { url: string };
  let store: MysqlMessageStore;
  const extra: MysqlMessageStore[] = [];

  before(async function () {
    target = await createMysqlTarget();
    store = new MysqlMessageStore({ url: target.url });
    await store.migrate();
  });

  afterEach(async function () {
    await Promise.all(extra.splice(0).map((s) => s.close()));
  });

  after(async function () {
    await store?.close();
    await target?.drop();
  });

  async function query<T extends RowDataPacket>(sql: string, params: unknown[] = []): Promise<T[]> {
    const conn = await createConnection(target.url);
    try {
      const [rows] = await conn.query<T[]>(sql, params);
      return rows;
    } finally {
      await conn.end();
    }
  }

  it('keys messages by (uid, seq) and indexes expires_at, and replay reads the primary key', async function () {
    const keys = await query<RowDataPacket>(
      `SELECT index_name AS name, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS columns
       FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'herald_message'
       GROUP BY index_name ORDER BY index_name`,
    );
    expect(keys.map((k) => [k.name, k.columns])).to.deep.equal([
      ['herald_message_expires', 'expires_at'],
      ['PRIMARY', 'uid,seq'],
    ]);
    const [plan] = await query<RowDataPacket>(
      'EXPLAIN SELECT seq FROM herald_message WHERE uid = ? AND seq > ? AND expires_at > ? ORDER BY seq DESC LIMIT 10',
      ['u1', 0, 0],
    );
    expect(plan?.key).to.equal('PRIMARY');
  });

  it('records the applied schema versions', async function () {
    const rows = await query<RowDataPacket>('SELECT version, name FROM herald_schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).to.deep.equal(MIGRATIONS.map((m) => m.version));
  });

  it('runs a migration again when its version row is missing (cut short before it was written)', async function () {
    await query('DELETE FROM herald_schema_migrations WHERE version = 2');
    const again = new MysqlMessageStore({ url: target.url });
    extra.push(again);
    expect((await again.migrate()).applied.map((m) => m.version)).to.deep.equal([2]);
    const rows = await query<RowDataPacket>('SELECT version FROM herald_schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).to.deep.equal(MIGRATIONS.map((m) => m.version));
  });

  it('gives 6 hosts hammering 3 shared uids in mixed order gap-free seqs that match what each was told', async function () {
    const uids = [uniqueUid('race_a'), uniqueUid('race_b'), uniqueUid('race_c')];
    const hosts = Array.from({ length: 6 }, () => {
      // A tiny batch delay and two batches in flight per host: many small, overlapping transactions.
      const s = new MysqlMessageStore({ url: target.url, groupCommit: { maxDelayMs: 0, maxConcurrentBatches: 2 } });
      extra.push(s);
      return s;
    });
    const told = new Map<string, number>();
    await Promise.all(
      hosts.map(async (host, h) => {
        await Promise.all(
          Array.from({ length: 4 }, async (_, lane) => {
            for (let i = 0; i < 10; i += 1) {
              // Each call touches the uids in a different order.
              const r = (h + lane + i) % 3;
              const rotated = [...uids.slice(r), ...uids.slice(0, r)];
              const order = (h + i) % 2 === 0 ? rotated : rotated.reverse();
              const batch = order.flatMap((uid, k) => Array.from({ length: 1 + ((k + i) % 2) }, () => message(uid)));
              const seqs = await host.append(batch);
              batch.forEach((m, k) => told.set(m.id, seqs[k] as number));
            }
          }),
        );
      }),
    );
    for (const uid of uids) {
      const stored = await store.history(uid, 0, 10_000, Date.now());
      expect(stored.map((m) => m.seq)).to.deep.equal(oneTo(stored.length));
      for (const m of stored) expect(told.get(m.id)).to.equal(m.seq);
    }
    const total = (await Promise.all(uids.map((uid) => store.history(uid, 0, 10_000, Date.now())))).flat().length;
    expect(total).to.equal(told.size);
  });

  it('lets the call holding an Idempotency-Key commit its push while other calls poll the key from two hosts', async function () {
    // Before the pollers judged the row from a plain read, each poll took the row's shared lock and
    // then asked for its exclusive one: two polls upgrading at once deadlock, and InnoDB's victim
    // was as often the holder's append (its UPDATE of the row to 'done'), three times in a row in
    // CI: the push failed with STORE_UNAVAILABLE (503) though nothing was wrong.
    const hosts = [store, new MysqlMessageStore({ url: target.url })];
    extra.push(hosts[1] as MysqlMessageStore);
    const polls = { pending: 0, done: 0 };
    for (let round = 0; round < 20; round++) {
      const scope = randomBytes(32).toString('hex');
      const claimOf = (owner: string): IdempotencyClaim => ({
        scope,
        fingerprint: 'f'.repeat(64),
        owner,
        now: Date.now(),
        expiresAt: Date.now() + 60_000,
        staleBefore: Date.now() - 15_000,
      });
      expect(await store.claimIdempotency(claimOf('holder'))).to.deep.equal({ kind: 'claimed' });
      let answered = false;
      // Three callers on each host poll the key, as IdempotencyGate does while it is pending.
      const pollers = hosts.flatMap((host, h) =>
        Array.from({ length: 3 }, async (_, p) => {
          for (;;) {
            const state = await host.claimIdempotency(claimOf(`poller-${h}-${p}`));
            expect(state.kind, `round ${round}: a poller took a key that is held`).to.not.equal('claimed');
            polls[state.kind === 'done' ? 'done' : 'pending'] += 1;
            if (state.kind === 'done' || answered) return;
          }
        }),
      );
      const uid = uniqueUid('idem_race');
      await new Promise((resolve) => setTimeout(resolve, 5));
      const seqs = await store.append([message(uid)], { scope, owner: 'holder', answer: JSON.stringify({ round }) });
      answered = true;
      expect(seqs, `round ${round}`).to.deep.equal([1]);
      await Promise.all(pollers);
      const state = await hosts[1]?.claimIdempotency(claimOf('late'));
      expect(state).to.deep.equal({ kind: 'done', fingerprint: 'f'.repeat(64), answer: JSON.stringify({ round }) });
    }
    expect(polls.pending, 'polls that found the key held').to.be.greaterThan(20);
  });

  it('retries an append whose row lock wait timed out, and gives up after maxAttempts', async function () {
    const uid = uniqueUid('locked');
    await store.append([message(uid)]);
    const patient = new MysqlMessageStore({ url: target.url, lockWaitTimeoutS: 1, operationTimeoutMs: 4000 });
    const hasty = new MysqlMessageStore({ url: target.url, lockWaitTimeoutS: 1, maxAttempts: 1 });
    extra.push(patient, hasty);
    const holder = await createConnection(target.url);
    try {
      // Another host's long transaction holds the user's seq row.
      await holder.query('START TRANSACTION');
      await holder.query('SELECT last_seq FROM herald_user_seq WHERE uid = ? FOR UPDATE', [uid]);
      expect((await rejection(hasty.append([message(uid)]))).code).to.equal('STORE_UNAVAILABLE');
      const started = Date.now();
      const pending = patient.append([message(uid)]);
      setTimeout(() => void holder.query('COMMIT'), 1300);
      // Longer than one lock wait: the first attempt timed out, was rolled back, and a retry won.
      expect(await pending).to.deep.equal([2]);
      expect(Date.now() - started).to.be.greaterThan(1000);
    } finally {
      await holder.end();
    }
    expect((await store.history(uid, 0, 10, Date.now())).map((m) => m.seq)).to.deep.equal([1, 2]);
  });

  it('splits a large batch into several INSERT statements and still stores every byte', async function () {
    const small = new MysqlMessageStore({ url: target.url, maxStatementRows: 7, maxStatementBytes: 64 * 1024 });
    extra.push(small);
    const uid = uniqueUid('chunks');
    const big = 'é'.repeat(20_000); // 40,000 UTF-8 bytes: one or two rows per statement
    const input = Array.from({ length: 20 }, (_, i) => message(uid, { data: JSON.stringify({ i, big }) }));
    expect(await small.append(input)).to.deep.equal(oneTo(20));
    const stored = await small.history(uid, 0, 100, Date.now());
    expect(stored.map((m) => m.data)).to.deep.equal(input.map((m) => m.data));
  });
});
