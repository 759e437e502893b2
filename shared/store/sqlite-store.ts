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
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../clock';
import { HeraldError } from '../errors';
import { silentLogger } from '../logger';
import { DEFAULT_GROUP_COMMIT_OPTIONS, GroupCommitter, type GroupCommitOptions } from './group-commit';
import {
  DEFAULT_CLEANUP_BATCH_SIZE,
  type CleanupOptions,
  type CleanupResult,
  type CursorUpdate,
  type MessageStore,
  type MigrationReport,
  type NewMessage,
  type ReplayResult,
  type StoreDeps,
  type StoredMessage,
  type StoreOptions,
} from './message-store';
import { LATEST_VERSION, MIGRATIONS_TABLE, pendingMigrations, summarize, type Migration } from './migrations';
import {
  GET_CURSOR_SQL,
  HISTORY_SQL,
  INSERT_MESSAGE_COLUMNS,
  messageValues,
  REPLAY_SQL,
  toReplayResult,
  toStoredMessage,
  type MessageRow,
} from './queries';
import { assignSeqs, planSeqs } from './seq-plan';
import { checkCleanup, checkCursors, checkDevice, checkNewMessages, checkRead, checkUid, mergeCursors } from './store-input';
import { describeDriverError, OutageLog, storeUnavailable } from './store-errors';
import type { Logger } from '../logger';

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
  replay: Database.Statement<[string, number, number, number], MessageRow>;
  history: Database.Statement<[string, number, number, number], MessageRow>;
  getCursor: Database.Statement<[string, string], { seq: number }>;
  saveCursor: Database.Statement<[string, string, number, number]>;
  deleteMessages: Database.Statement<[number, number]>;
  deleteCursors: Database.Statement<[number, number]>;
}

export class SqliteMessageStore implements MessageStore {
  readonly kind = 'sqlite' as const;
  private readonly options: SqliteStoreOptions;
  private readonly db: Database.Database;
  private readonly committer: GroupCommitter<NewMessage, number>;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly outages: OutageLog;
  /** Prepared on first use: the tables must exist first (after migrate()). */
  private statements: Statements | undefined;
  private pingStatement: Database.Statement<[]> | undefined;
  private accepting = true;
  private closing: Promise<void> | undefined;

  constructor(options: SqliteStoreInput, deps: StoreDeps = {}) {
    this.options = {
      ...DEFAULT_SQLITE_STORE_OPTIONS,
      ...options,
      groupCommit: { ...DEFAULT_SQLITE_STORE_OPTIONS.groupCommit, ...options.groupCommit },
    };
    this.logger = deps.logger ?? silentLogger();
    this.clock = deps.clock ?? systemClock;
    this.outages = new OutageLog(this.logger, 'sqlite');
    try {
      mkdirSync(dirname(this.options.path), { recursive: true });
      this.db = new Database(this.options.path, { timeout: this.options.busyTimeoutMs });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${this.options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    } catch (err) {
      throw storeUnavailable('open', `${describeDriverError(err)} at ${this.options.path}`, err);
    }
    this.committer = new GroupCommitter((batch) => this.writeBatch(batch), this.options.groupCommit, this.clock);
  }

  async migrate(): Promise<MigrationReport> {
    this.assertOpen();
    const { before, todo } = this.run('migrate', () =>
      this.db
        .transaction(() => {
          this.db.exec(MIGRATIONS_TABLE.sqlite);
          const applied = this.db.prepare('SELECT version FROM herald_schema_migrations').pluck().all() as number[];
          const pending = pendingMigrations(new Set(applied));
          const record = this.db.prepare('INSERT INTO herald_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
          for (const migration of pending) {
            for (const sql of migration.sqlite) this.db.exec(sql);
            record.run(migration.version, migration.name, this.clock.now());
          }
          return { before: new Set(applied), todo: pending as Migration[] };
        })
        .immediate(),
    );
    for (const migration of todo) {
      this.logger.info('message store: migration applied', { kind: 'sqlite', version: migration.version, name: migration.name });
    }
    const report: MigrationReport = { kind: 'sqlite', ...summarize(before, todo) };
    if (report.from > LATEST_VERSION) {
      this.logger.warn('message store: the schema is newer than this Herald knows', { schema: report.from, known: LATEST_VERSION });
    }
    return report;
  }

  async append(messages: readonly NewMessage[]): Promise<number[]> {
    this.assertOpen();
    checkNewMessages(messages, this.options.maxDataBytes);
    return this.committer.submit(messages);
  }

  async replay(uid: string, afterSeq: number, limit: number, now: number): Promise<ReplayResult> {
    this.assertOpen();
    checkRead(uid, afterSeq, limit, now);
    return this.run('replay', () => toReplayResult(this.prepared().replay.all(uid, afterSeq, now, limit + 1), limit));
  }

  async history(uid: string, afterSeq: number, limit: number, now: number): Promise<StoredMessage[]> {
    this.assertOpen();
    checkRead(uid, afterSeq, limit, now);
    return this.run('history', () => this.prepared().history.all(uid, afterSeq, now, limit).map(toStoredMessage));
  }

  async getCursor(uid: string, device: string): Promise<number | undefined> {
    this.assertOpen();
    checkUid(uid);
    checkDevice(device);
    return this.run('getCursor', () => this.prepared().getCursor.get(uid, device)?.seq);
  }

  async saveCursors(cursors: readonly CursorUpdate[]): Promise<void> {
    this.assertOpen();
    checkCursors(cursors);
    const merged = mergeCursors(cursors);
    if (merged.length === 0) return;
    this.run('saveCursors', () => {
      const { saveCursor } = this.prepared();
      this.db.transaction(() => {
        for (const c of merged) saveCursor.run(c.uid, c.device, c.seq, c.at);
      }).immediate();
    });
  }

  async cleanup(now: number, options: CleanupOptions): Promise<CleanupResult> {
    this.assertOpen();
    const batchSize = options.batchSize ?? DEFAULT_CLEANUP_BATCH_SIZE;
    checkCleanup(now, options.cursorRetentionMs, batchSize);
    const statements = this.run('cleanup', () => this.prepared());
    const messages = await this.deleteInBatches(statements.deleteMessages, now, batchSize);
    const cursors = await this.deleteInBatches(statements.deleteCursors, now - options.cursorRetentionMs, batchSize);
    return { messages, cursors };
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.run('ping', () => {
      this.pingStatement ??= this.db.prepare('SELECT 1');
      this.pingStatement.get();
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.accepting = false;
    try {
      await this.committer.close();
    } catch (err) {
      this.logger.warn('message store: writing the last batches failed', { error: describeDriverError(err) });
    }
    try {
      this.db.close();
    } catch (err) {
      this.logger.warn('message store: closing the database failed', { error: describeDriverError(err) });
    }
  }

  /** One group-commit batch in one IMMEDIATE transaction. */
  private async writeBatch(messages: NewMessage[]): Promise<number[]> {
    return this.run('append', () => {
      const { bumpSeq, insertMessage } = this.prepared();
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
          return seqs;
        })
        .immediate();
    });
  }

  private async deleteInBatches(statement: Database.Statement<[number, number]>, bound: number, batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = this.run('cleanup', () => statement.run(bound, batchSize).changes);
      total += deleted;
      if (deleted < batchSize || !this.accepting) return total;
      await yieldToEventLoop();
    }
  }

  private prepared(): Statements {
    if (this.statements) return this.statements;
    const db = this.db;
    const statements: Statements = {
      bumpSeq: db.prepare(
        `INSERT INTO herald_user_seq (uid, last_seq) VALUES (?, ?)
         ON CONFLICT (uid) DO UPDATE SET last_seq = last_seq + excluded.last_seq RETURNING last_seq`,
      ),
      insertMessage: db.prepare<(string | number | null)[]>(`INSERT INTO herald_message ${INSERT_MESSAGE_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      replay: db.prepare(REPLAY_SQL),
      history: db.prepare(HISTORY_SQL),
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

  private assertOpen(): void {
    if (!this.accepting) throw new HeraldError('STORE_UNAVAILABLE', 'The message store is closed');
  }
}
