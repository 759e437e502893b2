/**
 * The MessageStore contract on SQLite files, plus what only the embedded store has: WAL, several
 * processes of one host sharing the file, a write lock held too long by another process, and the
 * check of a better-sqlite3 binary that would abort the process.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { loadedSqliteBinary, sqliteBinaryProblem } from '../../shared/store/sqlite-binary';
import { SqliteMessageStore } from '../../shared/store/sqlite-store';
import { trackChild } from '../support/processes';
import { describeStore, message, messages, oneTo, uniqueUid, type StoreTarget } from './store-suite';
import { rejection } from '../support/assertions';

function createSqliteTarget(): Promise<StoreTarget & { path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-store-'));
  const path = join(dir, 'nested', 'herald.sqlite');
  return Promise.resolve({
    path,
    open: (options) => new SqliteMessageStore({ path, ...options }),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  });
}

describe('the better-sqlite3 binary (shared/store/sqlite-binary.ts)', function () {
  // First in this file: with such a binary, the contract suite below aborts the process.
  it('the loaded binary has no import that aborts the process on Node 24.19+ (.ci/run builds it on 20 and 24)', async function () {
    const target = await createSqliteTarget();
    const store = new SqliteMessageStore({ path: target.path });
    try {
      const binary = loadedSqliteBinary();
      expect(binary, 'better_sqlite3.node in require.cache').to.be.a('string');
      expect(readFileSync(binary!).length).to.be.greaterThan(100_000);
      const problem = sqliteBinaryProblem(binary!);
      expect(problem, problem).to.equal(undefined);
    } finally {
      await store.close();
      await target.drop();
    }
  });

  it('flags a binary that imports RemoveEnvironmentCleanupHook, naming the fix', function () {
    const dir = mkdtempSync(join(tmpdir(), 'herald-binary-'));
    try {
      const bad = join(dir, 'bad', 'better_sqlite3.node');
      const good = join(dir, 'good', 'better_sqlite3.node');
      mkdirSync(dirname(bad));
      mkdirSync(dirname(good));
      writeFileSync(bad, Buffer.concat([Buffer.alloc(64), Buffer.from('_ZN4node28RemoveEnvironmentCleanupHookEPN2v87IsolateEPFvPvES3_\0'), Buffer.alloc(64)]));
      writeFileSync(good, Buffer.concat([Buffer.alloc(64), Buffer.from('_ZN4node25AddEnvironmentCleanupHookEPN2v87IsolateEPFvPvES3_\0'), Buffer.alloc(64)]));
      expect(sqliteBinaryProblem(bad)).to.include(bad).and.include('24.18.1').and.include('nodejs/node#65446');
      expect(sqliteBinaryProblem(good)).to.equal(undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeStore('SqliteMessageStore', createSqliteTarget);

describe('SqliteMessageStore on a file', function () {
  let target: StoreTarget & { path: string };
  let store: SqliteMessageStore;

  before(async function () {
    target = await createSqliteTarget();
    store = new SqliteMessageStore({ path: target.path });
    await store.migrate();
  });

  after(async function () {
    await store?.close();
    await target?.drop();
  });

  it('creates its folder and runs in WAL mode', function () {
    const raw = new Database(target.path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).to.equal('wal');
    } finally {
      raw.close();
    }
  });

  it('gives several processes appending to one file at once gap-free seqs', async function () {
    const uid = uniqueUid('procs');
    const modulePath = require.resolve('../../shared/store/sqlite-store');
    // Each child appends 40 times, two messages per call, and prints the seqs it was given.
    const script = `
      const { SqliteMessageStore } = require(process.env.STORE_MODULE);
      const store = new SqliteMessageStore({ path: process.env.STORE_PATH, groupCommit: { maxDelayMs: 0 } });
      (async () => {
        const seqs = [];
        for (let i = 0; i < 40; i += 1) {
          const now = Date.now();
          const msg = (n) => ({ id: 'p' + process.pid + '-' + i + '-' + n, uid: process.env.STORE_UID, event: 'message', data: '{}', topic: null, createdAt: now, expiresAt: now + 3600000 });
          seqs.push(...(await store.append([msg(0), msg(1)])));
        }
        await store.close();
        process.stdout.write(JSON.stringify(seqs));
      })().catch((err) => { console.error(err); process.exit(1); });
    `;
    const env = { ...process.env, STORE_MODULE: modulePath, STORE_PATH: target.path, STORE_UID: uid };
    const runs = Array.from({ length: 3 }, () => {
      const child = trackChild(spawn(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
      let out = '';
      let err = '';
      child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
      return new Promise<number[]>((resolve, reject) => {
        child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`child failed (${code}): ${err}`))));
      });
    });
    const perProcess = await Promise.all(runs);
    for (const seqs of perProcess) {
      expect(seqs).to.have.length(80);
      for (let i = 1; i < seqs.length; i += 1) expect(seqs[i]).to.be.greaterThan(seqs[i - 1] as number);
    }
    expect(perProcess.flat().sort((a, b) => a - b)).to.deep.equal(oneTo(240));
    expect((await store.history(uid, 0, 1000, Date.now())).map((m) => m.seq)).to.deep.equal(oneTo(240));
  });

  it('answers STORE_UNAVAILABLE while another connection holds the write lock too long, and recovers when it lets go', async function () {
    const impatient = new SqliteMessageStore({ path: target.path, busyTimeoutMs: 100 });
    const blocker = new Database(target.path);
    try {
      const uid = uniqueUid('locked');
      blocker.exec('BEGIN IMMEDIATE');
      const started = Date.now();
      const err = await rejection(impatient.append([message(uid)]));
      expect(err.code).to.equal('STORE_UNAVAILABLE');
      expect(Date.now() - started).to.be.lessThan(1000);
      // Readers are not blocked by a writer in WAL mode.
      expect(await impatient.getCursor(uid, 'd')).to.equal(undefined);
      blocker.exec('COMMIT');
      expect(await impatient.append(messages(uid, 2))).to.deep.equal([1, 2]);
    } finally {
      if (blocker.inTransaction) blocker.exec('ROLLBACK');
      blocker.close();
      await impatient.close();
    }
  });

  it('answers STORE_UNAVAILABLE when the file cannot be opened', function () {
    // A regular file where the folder should be.
    const notAFolder = join(dirname(target.path), 'not-a-folder');
    writeFileSync(notAFolder, '');
    expect(() => new SqliteMessageStore({ path: join(notAFolder, 'herald.sqlite') }))
      .to.throw()
      .with.property('code', 'STORE_UNAVAILABLE');
  });
});
