/**
 * The MessageStore on one SQLite file through better-sqlite3: the embedded default (`local`),
 * nothing to install. Every worker process of the host opens the same file.
 *
 * - WAL journal: readers never wait for the writer, and one writer at a time.
 * - Writes run in `BEGIN IMMEDIATE` transactions, which take the write lock up front, so two
 *   processes never both read a seq and then fight over upgrading to a write; a process that
 *   finds the file locked waits up to `busyTimeoutMs` (busy_timeout) before giving up with
 *   STORE_UNAVAILABLE.
 * - Seqs come from `herald_user_seq` inside the transaction, as in MySQL (seq-plan.ts).
 * - better-sqlite3 is synchronous: a transaction blocks this process's event loop while it runs
 *   (microseconds to a few milliseconds per batch). Group commit keeps their number low, and
 *   cleanup yields to the event loop between its batches.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { HeraldError } from '../errors';
import { BaseMessageStore, judgeIdempotencyRow, type IdempotencyRow, type MessageQueryParams, type MigrationRun } from './base-store';
import { DEFAULT_GROUP_COMMIT_OPTIONS, type GroupCommitOptions } from './group-commit';
import type { CursorUpdate, IdempotencyClaim, IdempotencyCompletion, IdempotencyState, NewMessage, StoreDeps, StoreOptions } from './message-store';
import { MIGRATIONS_TABLE, pendingMigrations } from './migrations';
import { GET_CURSOR_SQL, INSERT_MESSAGE_COLUMNS, MESSAGE_QUERIES, messageValues, type MessageRow } from './queries';
import { assignSeqs, planSeqs } from './seq-plan';
import { reportSqliteBinary } from './sqlite-binary';
import type { SqlRunner } from './sql-runner';
import { describeDriverError, storeUnavailable } from './store-errors';

export interface SqliteStoreOptions extends StoreOptions {
  /** The database file; its folder is created when missing. */
  path: string;
  /** How long a write waits while another process holds the write lock, in milliseconds. @default 2000 */
  busyTimeoutMs: number;
  /**
   * `FULL`: a commit survives a power loss (one fsync per transaction); `NORMAL`: it survives a
   * crash of Herald but not of the machine, and writes faster. @default 'FULL'
   */
  synchronous: 'FULL' | 'NORMAL';
}

export const DEFAULT_SQLITE_STORE_OPTIONS: Readonly<Omit<SqliteStoreOptions, 'path'>> = Object.freeze({
  maxDataBytes: 1024 * 1024,
  // Transactions are synchronous: a second concurrent batch would only wait behind the first.
  groupCommit: Object.freeze({ ...DEFAULT_GROUP_COMMIT_OPTIONS, maxConcurrentBatches: 1 }),
  busyTimeoutMs: 2000,
  synchronous: 'FULL',
});

/** What the constructor takes: the path, and any options to override (groupCommit field by field). */
export type SqliteStoreInput = Partial<Omit<SqliteStoreOptions, 'path' | 'groupCommit'>> & {
  path: string;
  groupCommit?: Partial<GroupCommitOptions>;
};

interface Statements {
  bumpSeq: Database.Statement<[string, number], { last_seq: number }>;
  insertMessage: Database.Statement<(string | number | null)[]>;
  replay: Database.Statement<(string | number | null)[], MessageRow>;
  gap: Database.Statement<(string | number | null)[], MessageRow>;
  history: Database.Statement<(string | number | null)[], MessageRow>;
  getCursor: Database.Statement<[string, string], { seq: number }>;
  saveCursor: Database.Statement<[string, string, number, number]>;
  deleteMessages: Database.Statement<[number, number]>;
  deleteCursors: Database.Statement<[number, number]>;
  deleteIdempotency: Database.Statement<[number, number]>;
  readIdempotency: Database.Statement<[string], IdempotencyRow>;
  claimIdempotency: Database.Statement<[string, string, string, number, number]>;
  completeIdempotency: Database.Statement<[string, string, string]>;
  releaseIdempotency: Database.Statement<[string, string]>;
}

export class SqliteMessageStore extends BaseMessageStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  /** Prepared on first use: the tables must exist first (after migrate()). */
  private statements: Statements | undefined;
  private pingStatement: Database.Statement<[]> | undefined;

  constructor(input: SqliteStoreInput, deps: StoreDeps = {}) {
    const options: SqliteStoreOptions = {
      ...DEFAULT_SQLITE_STORE_OPTIONS,
      ...input,
      groupCommit: { ...DEFAULT_SQLITE_STORE_OPTIONS.groupCommit, ...input.groupCommit },
    };
    super('sqlite', options, deps);
    try {
      restrictFiles(options.path);
      this.db = new Database(options.path, { timeout: options.busyTimeoutMs });
      reportSqliteBinary(this.logger);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    } catch (err) {
      throw storeUnavailable('open', `${describeDriverError(err)} at ${options.path}`, err);
    }
  }

  protected async applyMigrations(): Promise<MigrationRun> {
    return this.run('migrate', () =>
      this.db
        .transaction((): MigrationRun => {
          this.db.exec(MIGRATIONS_TABLE.sqlite);
          const before = new Set(this.db.prepare('SELECT version FROM herald_schema_migrations').pluck().all() as number[]);
          const applied = pendingMigrations(before);
          const record = this.db.prepare('INSERT INTO herald_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
          for (const migration of applied) {
            for (const sql of migration.sqlite) this.db.exec(sql);
            record.run(migration.version, migration.name, this.clock.now());
          }
          return { before, applied };
        })
        .immediate(),
    );
  }

  /** One group-commit batch in one IMMEDIATE transaction. */
  protected async writeMessages(messages: NewMessage[], completions: IdempotencyCompletion[]): Promise<number[]> {
    return this.run('append', () => {
      const { bumpSeq, insertMessage, completeIdempotency } = this.prepared();
      return this.db
        .transaction(() => {
          const plan = planSeqs(messages);
          const lastSeqs = new Map<string, number>();
          for (const uid of plan.uids) {
            const row = bumpSeq.get(uid, plan.counts.get(uid) as number);
            if (row) lastSeqs.set(uid, row.last_seq);
          }
          const seqs = assignSeqs(messages, plan, lastSeqs);
          messages.forEach((m, i) => insertMessage.run(...messageValues(m, seqs[i] as number)));
          for (const c of completions) completeIdempotency.run(c.answer, c.scope, c.owner);
          return seqs;
        })
        .immediate();
    });
  }

  protected async claimRow(claim: IdempotencyClaim): Promise<IdempotencyState> {
    return this.run('claimIdempotency', () => {
      const { readIdempotency, claimIdempotency } = this.prepared();
      return this.db
        .transaction((): IdempotencyState => {
          const verdict = judgeIdempotencyRow(readIdempotency.get(claim.scope), claim);
          if (verdict !== 'claim') return verdict;
          claimIdempotency.run(claim.scope, claim.fingerprint, claim.owner, claim.now, claim.expiresAt);
          return { kind: 'claimed' };
        })
        .immediate();
    });
  }

  protected async finishRow(scope: string, owner: string, answer: string | null): Promise<void> {
    this.run('completeIdempotency', () => {
      const { completeIdempotency, releaseIdempotency } = this.prepared();
      if (answer === null) releaseIdempotency.run(scope, owner);
      else completeIdempotency.run(answer, scope, owner);
    });
  }

  protected async selectMessages(query: keyof typeof MESSAGE_QUERIES, params: MessageQueryParams): Promise<MessageRow[]> {
    return this.run(query, () => this.prepared()[query].all(...params));
  }

  protected async selectCursor(uid: string, device: string): Promise<number | undefined> {
    return this.run('getCursor', () => this.prepared().getCursor.get(uid, device)?.seq);
  }

  protected async upsertCursors(cursors: CursorUpdate[]): Promise<void> {
    this.run('saveCursors', () => {
      const { saveCursor } = this.prepared();
      this.db
        .transaction(() => {
          for (const c of cursors) saveCursor.run(c.uid, c.device, c.seq, c.at);
        })
        .immediate();
    });
  }

  protected async deleteBatch(table: 'messages' | 'cursors' | 'idempotency', bound: number, batchSize: number): Promise<number> {
    return this.run('cleanup', () => {
      const statements = this.prepared();
      const statement = table === 'messages' ? statements.deleteMessages : table === 'cursors' ? statements.deleteCursors : statements.deleteIdempotency;
      return statement.run(bound, batchSize).changes;
    });
  }

  protected async selectOne(): Promise<void> {
    this.run('ping', () => {
      this.pingStatement ??= this.db.prepare('SELECT 1');
      this.pingStatement.get();
    });
  }

  protected async closeConnections(): Promise<void> {
    this.db.close();
  }

  protected sqlRunner(): SqlRunner {
    const cache = new Map<string, Database.Statement<unknown[]>>();
    const prepare = (sql: string): Database.Statement<unknown[]> => {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = this.db.prepare<unknown[]>(sql);
        if (cache.size < 200) cache.set(sql, statement);
      }
      return statement;
    };
    return {
      dialect: 'sqlite',
      rows: async <R>(operation: string, sql: string, params: readonly (string | number | null)[]) =>
        this.run(operation, () => prepare(sql).all(...params) as R[]),
      change: async (operation: string, sql: string, params: readonly (string | number | null)[]) =>
        this.run(operation, () => prepare(sql).run(...params).changes),
    };
  }

  private prepared(): Statements {
    if (this.statements) return this.statements;
    const db = this.db;
    const statements: Statements = {
      bumpSeq: db.prepare(
        `INSERT INTO herald_user_seq (uid, last_seq) VALUES (?, ?)
         ON CONFLICT (uid) DO UPDATE SET last_seq = last_seq + excluded.last_seq RETURNING last_seq`,
      ),
      insertMessage: db.prepare<(string | number | null)[]>(`INSERT INTO herald_message ${INSERT_MESSAGE_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      replay: db.prepare<(string | number | null)[], MessageRow>(MESSAGE_QUERIES.replay),
      gap: db.prepare<(string | number | null)[], MessageRow>(MESSAGE_QUERIES.gap),
      history: db.prepare<(string | number | null)[], MessageRow>(MESSAGE_QUERIES.history),
      getCursor: db.prepare(GET_CURSOR_SQL),
      saveCursor: db.prepare(
        `INSERT INTO herald_cursor (uid, device, seq, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (uid, device) DO UPDATE SET seq = max(seq, excluded.seq), updated_at = max(updated_at, excluded.updated_at)`,
      ),
      deleteMessages: db.prepare(
        'DELETE FROM herald_message WHERE rowid IN (SELECT rowid FROM herald_message WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)',
      ),
      deleteCursors: db.prepare(
        'DELETE FROM herald_cursor WHERE rowid IN (SELECT rowid FROM herald_cursor WHERE updated_at <= ? ORDER BY updated_at LIMIT ?)',
      ),
      deleteIdempotency: db.prepare(
        'DELETE FROM herald_idempotency WHERE rowid IN (SELECT rowid FROM herald_idempotency WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)',
      ),
      readIdempotency: db.prepare('SELECT fingerprint, state, answer, claimed_at, expires_at FROM herald_idempotency WHERE scope = ?'),
      claimIdempotency: db.prepare(
        `INSERT OR REPLACE INTO herald_idempotency (scope, fingerprint, state, owner, answer, claimed_at, expires_at)
         VALUES (?, ?, 'pending', ?, NULL, ?, ?)`,
      ),
      completeIdempotency: db.prepare("UPDATE herald_idempotency SET state = 'done', answer = ? WHERE scope = ? AND owner = ?"),
      releaseIdempotency: db.prepare("DELETE FROM herald_idempotency WHERE scope = ? AND owner = ? AND state = 'pending'"),
    };
    this.statements = statements;
    return statements;
  }

  /** Runs synchronous database work, turning any failure into STORE_UNAVAILABLE. */
  private run<T>(operation: string, work: () => T): T {
    try {
      const value = work();
      this.outages.succeeded();
      return value;
    } catch (err) {
      if (err instanceof HeraldError) throw err;
      const reason = describeDriverError(err);
      this.outages.failed(operation, reason);
      throw storeUnavailable(operation, reason, err);
    }
  }
}

/**
 * The messages of every user are in these files: readable by Herald's user only. The folder is
 * created 0700 and the database file 0600 before SQLite opens it; SQLite gives its -wal and -shm
 * files the database file's mode. Files of an older install (created 0644) are narrowed too.
 */
function restrictFiles(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}
