/**
 * The MySQL store when the database goes away, against a private MariaDB
 * (test/support/mariadb-server.ts) that the tests stop, kill, freeze and start again on the same
 * port. The promise under test: nothing resolves for a write that was not committed, failures
 * come quickly as STORE_UNAVAILABLE, and the same store object works again once the database is
 * back.
 */
import { expect } from 'chai';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { HeraldError } from '../../shared/errors';
import { MysqlMessageStore } from '../../shared/store/mysql-store';
import { startMariaDb, type PrivateMariaDb } from '../support/mariadb-server';
import { message, messages, oneTo, uniqueUid } from './store-suite';
import { rejection } from '../support/assertions';

/** Short limits, so that every failure in this file shows within a second or two. */
const FAST = { operationTimeoutMs: 1500, connectTimeoutMs: 1000, retryDelayMs: 20 } as const;

describe('MysqlMessageStore when the database goes away', function () {
  let db: PrivateMariaDb;
  let store: MysqlMessageStore;

  before(async function () {
    db = await startMariaDb();
    store = new MysqlMessageStore({ url: db.url, ...FAST });
    await store.migrate();
  });

  afterEach(async function () {
    // A test that failed half-way must not leave the server down or frozen for the next one.
    db.thaw();
    await db.start();
  });

  after(async function () {
    await store?.close();
    await db?.cleanup();
  });

  async function commitCount(): Promise<number> {
    const conn = await createConnection(db.url);
    try {
      const [rows] = await conn.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Com_commit'");
      return Number(rows[0]?.Value);
    } finally {
      await conn.end();
    }
  }

  it('writes 200 concurrent appends in a handful of transactions (group commit)', async function () {
    const uid = uniqueUid('group');
    const before = await commitCount();
    const results = await Promise.all(Array.from({ length: 200 }, () => store.append([message(uid)])));
    const commits = (await commitCount()) - before;
    expect(results.flat().sort((a, b) => a - b)).to.deep.equal(oneTo(200));
    expect(commits).to.be.at.least(1).and.at.most(5);
  });

  it('rejects quickly with STORE_UNAVAILABLE while the server is down, and works again once it is back', async function () {
    const uid = uniqueUid('down');
    expect(await store.append(messages(uid, 2))).to.deep.equal([1, 2]);
    await db.stop();
    for (const [what, call] of [
      ['append', () => store.append([message(uid)])],
      ['ping', () => store.ping()],
      ['replay', () => store.replay(uid, 0, 10, Date.now())],
      ['getCursor', () => store.getCursor(uid, 'phone')],
      ['saveCursors', () => store.saveCursors([{ uid, device: 'phone', seq: 1, at: Date.now() }])],
    ] as const) {
      const started = Date.now();
      const err = await rejection(call());
      expect(err.code, what).to.equal('STORE_UNAVAILABLE');
      expect(Date.now() - started, what).to.be.lessThan(FAST.operationTimeoutMs + 500);
    }
    await db.start();
    await store.ping();
    expect(await store.append([message(uid)])).to.deep.equal([3]);
    expect((await store.history(uid, 0, 10, Date.now())).map((m) => m.seq)).to.deep.equal([1, 2, 3]);
  });

  it('never resolves an append that was not committed when the server is killed mid-stream', async function () {
    const uid = uniqueUid('killed');
    const resolved = new Map<string, number>();
    let failures = 0;
    let running = true;
    const lanes = Array.from({ length: 6 }, async () => {
      while (running) {
        const batch = messages(uid, 2);
        try {
          const seqs = await store.append(batch);
          batch.forEach((m, i) => resolved.set(m.id, seqs[i] as number));
        } catch (err) {
          expect(err).to.be.instanceOf(HeraldError).with.property('code', 'STORE_UNAVAILABLE');
          failures += 1;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    const beforeKill = resolved.size;
    await db.stop({ signal: 'SIGKILL' });
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(lanes);
    expect(beforeKill).to.be.greaterThan(0);
    expect(failures).to.be.greaterThan(0);

    await db.start();
    const stored = await store.history(uid, 0, 100_000, Date.now());
    const storedSeq = new Map(stored.map((m) => [m.id, m.seq]));
    // Every append that resolved is there, with the seq it was told.
    for (const [id, seq] of resolved) expect(storedSeq.get(id), id).to.equal(seq);
    // The stored seqs have no gap (a failed transaction leaves neither messages nor a seq hole).
    expect(stored.map((m) => m.seq)).to.deep.equal(oneTo(stored.length));
    expect(await store.append([message(uid)])).to.deep.equal([stored.length + 1]);
  });

  it('rejects within the deadline when the server stops answering, stores nothing for it, and recovers', async function () {
    const uid = uniqueUid('frozen');
    expect(await store.append([message(uid)])).to.deep.equal([1]);
    db.freeze();
    const lost = message(uid);
    const started = Date.now();
    const [appendErr, pingErr] = await Promise.all([rejection(store.append([lost])), rejection(store.ping())]);
    const took = Date.now() - started;
    expect(appendErr.code).to.equal('STORE_UNAVAILABLE');
    expect(pingErr.code).to.equal('STORE_UNAVAILABLE');
    expect(took).to.be.at.least(FAST.operationTimeoutMs - 100).and.lessThan(FAST.operationTimeoutMs + 1000);
    db.thaw();
    expect(await store.append([message(uid)])).to.deep.equal([2]);
    const stored = await store.history(uid, 0, 10, Date.now());
    expect(stored.map((m) => m.id)).to.not.include(lost.id);
    expect(stored.map((m) => m.seq)).to.deep.equal([1, 2]);
  });

  it('closes without hanging while the server is down', async function () {
    const other = new MysqlMessageStore({ url: db.url, ...FAST });
    await other.ping();
    await db.stop({ signal: 'SIGKILL' });
    const started = Date.now();
    const pending = other.append([message(uniqueUid('closing'))]);
    await other.close();
    expect((await rejection(pending)).code).to.equal('STORE_UNAVAILABLE');
    expect(Date.now() - started).to.be.lessThan(FAST.operationTimeoutMs + 2500);
  });
});
