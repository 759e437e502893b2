/**
 * The MessageStore on MySQL/MariaDB (InnoDB) through a mysql2 pool: the store of `test` and
 * `online`, shared by every Herald host.
 *
 * - Seqs: `herald_user_seq` rows raised inside the batch's transaction, uids in sorted order
 *   (seq-plan.ts); deadlocks and lock waits are retried.
 * - Faults: every operation has a deadline (`operationTimeoutMs`). A connection that does not
 *   answer in time is thrown away, the caller gets STORE_UNAVAILABLE, and the pool opens fresh
 *   connections once the server is back: no restart needed. A write is reported committed only
 *   after COMMIT succeeded; when COMMIT itself fails the outcome is unknown and the caller gets
 *   STORE_UNAVAILABLE (it may retry: at-least-once, deduplicated by seq on the client).
 * - Sessions run READ COMMITTED (fewer gap locks) with a short innodb_lock_wait_timeout.
 * - Round trips: an append batch is two of them, not five. Its connections (a pool of their own,
 *   groupCommit.maxConcurrentBatches of them, the only ones with multipleStatements; every value
 *   in their SQL is still escaped by mysql2) send `START TRANSACTION; UPDATE herald_idempotency …;
 *   INSERT INTO herald_user_seq …; SELECT …` as one query and `INSERT INTO herald_message …;
 *   COMMIT` as another. On a loaded 2-core host each round trip cost 1-2.5 ms, and a batch holds
 *   its uids' seq rows locked from the first query to COMMIT. A batch too large for one statement
 *   each (over maxStatementRows uids or rows, over maxStatementBytes) takes the general path.
 */
import createDebug from 'debug';
import { createPool, type Pool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { HeraldError } from '../errors';
import { coreConnection, destroyConnection } from '../patches/mysql2-connection';
import { BaseMessageStore, judgeIdempotencyRow, type IdempotencyRow, type MessageQueryParams, type MigrationRun } from './base-store';
import { DeadlineExceeded, withDeadline } from './deadline';
import { DEFAULT_GROUP_COMMIT_OPTIONS, type GroupCommitOptions } from './group-commit';
import type { CursorUpdate, IdempotencyClaim, IdempotencyCompletion, IdempotencyState, NewMessage, StoreDeps, StoreOptions } from './message-store';
import { MIGRATIONS_TABLE, pendingMigrations } from './migrations';
import { GET_CURSOR_SQL, INSERT_MESSAGE_COLUMNS, MESSAGE_QUERIES, messageValues, type MessageRow } from './queries';
import { assignSeqs, chunkRows, planSeqs } from './seq-plan';
import type { SqlRunner } from './sql-runner';
import { describeDriverError, isConnectionError, isRetryable, storeUnavailable } from './store-errors';

const debug = createDebug('herald:store');

/** The key's row, as judgeIdempotencyRow reads it. */
const IDEMPOTENCY_ROW_SQL = 'SELECT fingerprint, state, answer, claimed_at, expires_at FROM herald_idempotency WHERE scope = ?';

export interface MysqlStoreOptions extends StoreOptions {
  /** `mysql://user:password@host:port/database`. */
  url: string;
  /** Connections in the pool (appends use at most groupCommit.maxConcurrentBatches of them). @default 10 */
  connectionLimit: number;
  /** Time allowed to open a connection, in milliseconds. @default 2000 */
  connectTimeoutMs: number;
  /**
   * Longest one operation may take, retries included, in milliseconds; past it the caller gets
   * STORE_UNAVAILABLE and the connection is dropped. @default 5000
   */
  operationTimeoutMs: number;
  /** innodb_lock_wait_timeout of the store's sessions, in seconds. @default 2 */
  lockWaitTimeoutS: number;
  /** Attempts of one operation when it hits a deadlock, a lock wait or a lost connection before COMMIT. @default 3 */
  maxAttempts: number;
  /** Pause before the second attempt, in milliseconds; it doubles for each further one. @default 25 */
  retryDelayMs: number;
  /** Rows per INSERT statement. @default 500 */
  maxStatementRows: number;
  /**
   * Estimated size of one INSERT statement, in bytes (the data's UTF-8 length plus 200 a row).
   * Escaping can double it: keep it under half the server's max_allowed_packet. @default 4194304 (4 MiB)
   */
  maxStatementBytes: number;
  /** How long migrate() waits for another host's migration lock, in seconds. @default 60 */
  migrationLockTimeoutS: number;
}

export const DEFAULT_MYSQL_STORE_OPTIONS: Readonly<Omit<MysqlStoreOptions, 'url'>> = Object.freeze({
  maxDataBytes: 1024 * 1024,
  groupCommit: DEFAULT_GROUP_COMMIT_OPTIONS,
  connectionLimit: 10,
  connectTimeoutMs: 2000,
  operationTimeoutMs: 5000,
  lockWaitTimeoutS: 2,
  maxAttempts: 3,
  retryDelayMs: 25,
  maxStatementRows: 500,
  maxStatementBytes: 4 * 1024 * 1024,
  migrationLockTimeoutS: 60,
});

/** What the constructor takes: the url, and any options to override (groupCommit field by field). */
export type MysqlStoreInput = Partial<Omit<MysqlStoreOptions, 'url' | 'groupCommit'>> & {
  url: string;
  groupCommit?: Partial<GroupCommitOptions>;
};

/**
 * How an operation uses its connection: one transaction (START TRANSACTION … COMMIT around the
 * work), single autocommit statements that are safe to repeat, or a transaction whose work sends
 * START TRANSACTION and COMMIT itself, inside its own multi-statement queries (`combined`).
 */
type Mode = 'transaction' | 'idempotent' | 'combined';

/** What a `combined` work calls right before it sends the query that holds its COMMIT. */
type MarkCommitting = () => void;

type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown; committing: boolean };

/** The migration lock is per database, so test databases on one server do not wait for each other. */
const MIGRATION_LOCK = "LEFT(CONCAT('herald:migrate:', IFNULL(DATABASE(), '')), 64)";

/** Time close() gives the pool to say goodbye to the server, in milliseconds. */
const POOL_END_TIMEOUT_MS = 2000;

export class MysqlMessageStore extends BaseMessageStore {
  readonly kind = 'mysql' as const;
  private readonly options: MysqlStoreOptions;
  private readonly pool: Pool;
  /** The append batches' connections: multipleStatements, one per concurrent batch. */
  private readonly writePool: Pool;

  constructor(input: MysqlStoreInput, deps: StoreDeps = {}) {
    const options: MysqlStoreOptions = {
      ...DEFAULT_MYSQL_STORE_OPTIONS,
      ...input,
      groupCommit: { ...DEFAULT_MYSQL_STORE_OPTIONS.groupCommit, ...input.groupCommit },
    };
    super('mysql', options, deps);
    this.options = options;
    const poolOptions = {
      uri: options.url,
      connectionLimit: options.connectionLimit,
      maxIdle: options.connectionLimit,
      connectTimeout: options.connectTimeoutMs,
      waitForConnections: true,
      queueLimit: 0,
      enableKeepAlive: true,
      keepAliveInitialDelay: 10_000,
      supportBigNumbers: true,
      charset: 'utf8mb4_general_ci',
    };
    this.pool = createPool(poolOptions);
    const writers = options.groupCommit.maxConcurrentBatches ?? DEFAULT_GROUP_COMMIT_OPTIONS.maxConcurrentBatches;
    this.writePool = createPool({ ...poolOptions, connectionLimit: writers, maxIdle: writers, multipleStatements: true });
    for (const pool of [this.pool, this.writePool]) this.setUpPool(pool);
  }

  private setUpPool(pool: Pool): void {
    const options = this.options;
    // The core pool emits no 'error' today; a listener keeps a future one from crashing the process.
    pool.pool.on('error', (err: Error) => debug('pool error: %s', describeDriverError(err)));
    pool.on('connection', (connection) => {
      const core = coreConnection(connection);
      core.on('error', (err) => debug('connection error: %s', describeDriverError(err)));
      const setup = (err: Error | null): void => {
        if (err) this.logger.warn('message store: session setup failed', { error: describeDriverError(err) });
      };
      core.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', setup);
      core.query(`SET SESSION innodb_lock_wait_timeout = ${Math.max(1, Math.round(options.lockWaitTimeoutS))}`, setup);
    });
  }

  protected async applyMigrations(): Promise<MigrationRun> {
    let conn: PoolConnection;
    try {
      conn = await this.acquire(Date.now() + this.options.operationTimeoutMs);
    } catch (err) {
      throw this.fail('migrate', err, false);
    }
    let locked = false;
    try {
      const timeout = this.options.migrationLockTimeoutS;
      const [lockRows] = await conn.query<RowDataPacket[]>(`SELECT GET_LOCK(${MIGRATION_LOCK}, ?) AS got`, [timeout]);
      locked = Number(lockRows[0]?.got) === 1;
      if (!locked) throw storeUnavailable('migrate', `another host held the migration lock for ${timeout} s`);
      await conn.query(MIGRATIONS_TABLE.mysql);
      const [rows] = await conn.query<RowDataPacket[]>('SELECT version FROM herald_schema_migrations');
      const before = new Set(rows.map((row) => Number(row.version)));
      const applied = pendingMigrations(before);
      for (const migration of applied) {
        for (const sql of migration.mysql) await conn.query(sql).catch(alreadyThere);
        await conn.query('INSERT INTO herald_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          this.clock.now(),
        ]);
      }
      this.outages.succeeded();
      return { before, applied };
    } catch (err) {
      throw err instanceof HeraldError ? err : this.fail('migrate', err, false);
    } finally {
      if (locked) await conn.query(`SELECT RELEASE_LOCK(${MIGRATION_LOCK})`).catch(() => undefined);
      conn.release();
    }
  }

  /** One group-commit batch: raise the seq rows, read them back, insert the messages, commit. */
  protected writeMessages(messages: NewMessage[], completions: IdempotencyCompletion[]): Promise<number[]> {
    if (messages.length === 0) return this.writeInParts(messages, completions);
    const { maxStatementRows, maxStatementBytes } = this.options;
    const plan = planSeqs(messages);
    const answers = completions.reduce((sum, c) => sum + Buffer.byteLength(c.answer, 'utf8') + 200, 0);
    const bytes = messages.reduce((sum, m) => sum + Buffer.byteLength(m.data, 'utf8') + 200, 0);
    if (plan.uids.length > maxStatementRows || messages.length > maxStatementRows || bytes > maxStatementBytes || answers > maxStatementBytes) {
      return this.writeInParts(messages, completions);
    }
    return this.execute(
      'append',
      'combined',
      async (conn, markCommitting) => {
        const first = ['START TRANSACTION'];
        const values: unknown[] = [];
        for (const c of completions) {
          first.push("UPDATE herald_idempotency SET state = 'done', answer = ? WHERE scope = ? AND owner = ?");
          values.push(c.answer, c.scope, c.owner);
        }
        first.push('INSERT INTO herald_user_seq (uid, last_seq) VALUES ? ON DUPLICATE KEY UPDATE last_seq = last_seq + VALUES(last_seq)');
        values.push(plan.uids.map((uid) => [uid, plan.counts.get(uid)]));
        first.push('SELECT uid, last_seq FROM herald_user_seq WHERE uid IN (?)');
        values.push(plan.uids);
        const [results] = await conn.query<RowDataPacket[][]>(first.join(';\n'), values);
        const lastSeqs = new Map<string, number>();
        for (const row of results[results.length - 1] as RowDataPacket[]) lastSeqs.set(String(row.uid), Number(row.last_seq));
        const seqs = assignSeqs(messages, plan, lastSeqs);
        const rows = messages.map((m, i) => messageValues(m, seqs[i] as number));
        markCommitting();
        await conn.query(`INSERT INTO herald_message ${INSERT_MESSAGE_COLUMNS} VALUES ?;\nCOMMIT`, [rows]);
        return seqs;
      },
      this.writePool,
    );
  }

  /** The general path of a batch (any size, no messages): one statement per round trip, chunked. */
  private writeInParts(messages: NewMessage[], completions: IdempotencyCompletion[]): Promise<number[]> {
    const { maxStatementRows, maxStatementBytes } = this.options;
    return this.execute('append', 'transaction', async (conn) => {
      for (const c of completions) {
        await conn.query("UPDATE herald_idempotency SET state = 'done', answer = ? WHERE scope = ? AND owner = ?", [c.answer, c.scope, c.owner]);
      }
      if (messages.length === 0) return [];
      const plan = planSeqs(messages);
      const uidChunks = chunkRows(plan.uids, maxStatementRows, Infinity, () => 0);
      for (const uids of uidChunks) {
        await conn.query(
          'INSERT INTO herald_user_seq (uid, last_seq) VALUES ? ON DUPLICATE KEY UPDATE last_seq = last_seq + VALUES(last_seq)',
          [uids.map((uid) => [uid, plan.counts.get(uid)])],
        );
      }
      const lastSeqs = new Map<string, number>();
      for (const uids of uidChunks) {
        const [rows] = await conn.query<RowDataPacket[]>('SELECT uid, last_seq FROM herald_user_seq WHERE uid IN (?)', [uids]);
        for (const row of rows) lastSeqs.set(String(row.uid), Number(row.last_seq));
      }
      const seqs = assignSeqs(messages, plan, lastSeqs);
      const rows = messages.map((m, i) => messageValues(m, seqs[i] as number));
      const sizeOf = (row: (string | number | null)[]): number => Buffer.byteLength(row[5] as string, 'utf8') + 200;
      for (const chunk of chunkRows(rows, maxStatementRows, maxStatementBytes, sizeOf)) {
        await conn.query(`INSERT INTO herald_message ${INSERT_MESSAGE_COLUMNS} VALUES ?`, [chunk]);
      }
      return seqs;
    });
  }

  /**
   * Judge the key's row from a plain read when another call holds it or has answered it; else
   * insert the pending row, or lock the one there and judge it again, in one transaction.
   *
   * The plain read first: the calls waiting for a key poll here every few ms, and each poll used
   * to take the row's shared lock (INSERT IGNORE on a duplicate) and then ask for its exclusive
   * one (FOR UPDATE). Two pollers asking to upgrade at once deadlock, and InnoDB's victim was as
   * often the holder's own append (its UPDATE of this row to 'done', queued behind them): three
   * deadlocks in a row and the push that held the key failed with STORE_UNAVAILABLE (503), though
   * a retry stores it (test/integration/idempotency.test.ts, two hosts, one key at once). A read
   * that takes no lock cannot be in a deadlock; only a call that may take the key over locks.
   */
  protected claimRow(claim: IdempotencyClaim): Promise<IdempotencyState> {
    return this.execute('claimIdempotency', 'transaction', async (conn): Promise<IdempotencyState> => {
      const [seen] = await conn.query<RowDataPacket[]>(IDEMPOTENCY_ROW_SQL, [claim.scope]);
      const held = judgeIdempotencyRow(seen[0] as IdempotencyRow | undefined, claim);
      if (held !== 'claim') return held;
      const values = [claim.scope, claim.fingerprint, claim.owner, claim.now, claim.expiresAt];
      const [inserted] = await conn.query<ResultSetHeader>(
        `INSERT IGNORE INTO herald_idempotency (scope, fingerprint, state, owner, answer, claimed_at, expires_at) VALUES (?, ?, 'pending', ?, NULL, ?, ?)`,
        values,
      );
      if (inserted.affectedRows === 1) return { kind: 'claimed' };
      const [rows] = await conn.query<RowDataPacket[]>(`${IDEMPOTENCY_ROW_SQL} FOR UPDATE`, [claim.scope]);
      const verdict = judgeIdempotencyRow(rows[0] as IdempotencyRow | undefined, claim);
      if (verdict !== 'claim') return verdict;
      await conn.query(
        `REPLACE INTO herald_idempotency (scope, fingerprint, state, owner, answer, claimed_at, expires_at) VALUES (?, ?, 'pending', ?, NULL, ?, ?)`,
        values,
      );
      return { kind: 'claimed' };
    });
  }

  protected async finishRow(scope: string, owner: string, answer: string | null): Promise<void> {
    await this.execute('completeIdempotency', 'idempotent', async (conn) => {
      if (answer === null) await conn.query("DELETE FROM herald_idempotency WHERE scope = ? AND owner = ? AND state = 'pending'", [scope, owner]);
      else await conn.query("UPDATE herald_idempotency SET state = 'done', answer = ? WHERE scope = ? AND owner = ?", [answer, scope, owner]);
    });
  }

  protected selectMessages(query: keyof typeof MESSAGE_QUERIES, params: MessageQueryParams): Promise<MessageRow[]> {
    return this.select<MessageRow>(query, MESSAGE_QUERIES[query], params);
  }

  protected async selectCursor(uid: string, device: string): Promise<number | undefined> {
    const rows = await this.select<{ seq: number | string }>('getCursor', GET_CURSOR_SQL, [uid, device]);
    return rows[0] === undefined ? undefined : Number(rows[0].seq);
  }

  protected async upsertCursors(cursors: CursorUpdate[]): Promise<void> {
    await this.execute('saveCursors', 'transaction', async (conn) => {
      for (const chunk of chunkRows(cursors, this.options.maxStatementRows, Infinity, () => 0)) {
        await conn.query(
          `INSERT INTO herald_cursor (uid, device, seq, updated_at) VALUES ?
           ON DUPLICATE KEY UPDATE seq = GREATEST(seq, VALUES(seq)), updated_at = GREATEST(updated_at, VALUES(updated_at))`,
          [chunk.map((c) => [c.uid, c.device, c.seq, c.at])],
        );
      }
    });
  }

  protected deleteBatch(table: 'messages' | 'cursors' | 'idempotency', bound: number, batchSize: number): Promise<number> {
    const sql =
      table === 'messages'
        ? 'DELETE FROM herald_message WHERE expires_at <= ? ORDER BY expires_at LIMIT ?'
        : table === 'cursors'
          ? 'DELETE FROM herald_cursor WHERE updated_at <= ? ORDER BY updated_at LIMIT ?'
          : 'DELETE FROM herald_idempotency WHERE expires_at <= ? ORDER BY expires_at LIMIT ?';
    return this.execute('cleanup', 'idempotent', async (conn) => {
      const [result] = await conn.query<ResultSetHeader>(sql, [bound, batchSize]);
      return result.affectedRows;
    });
  }

  protected async selectOne(): Promise<void> {
    await this.select('ping', 'SELECT 1', []);
  }

  protected async closeConnections(): Promise<void> {
    const deadline = Date.now() + POOL_END_TIMEOUT_MS;
    const ends = await Promise.allSettled([withDeadline(this.pool.end(), deadline), withDeadline(this.writePool.end(), deadline)]);
    const failed = ends.find((end): end is PromiseRejectedResult => end.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  protected sqlRunner(): SqlRunner {
    return {
      dialect: 'mysql',
      rows: <R>(operation: string, sql: string, params: readonly (string | number | null)[]) => this.select<R>(operation, sql, [...params]),
      change: (operation: string, sql: string, params: readonly (string | number | null)[]) =>
        this.execute(operation, 'idempotent', async (conn) => {
          const [result] = await conn.query<ResultSetHeader>(sql, [...params]);
          return result.affectedRows;
        }),
    };
  }

  private async select<R>(operation: string, sql: string, params: unknown[]): Promise<R[]> {
    return this.execute(operation, 'idempotent', async (conn) => {
      const [rows] = await conn.query<RowDataPacket[]>(sql, params);
      return rows as unknown as R[];
    });
  }

  /**
   * Runs `work` on a pooled connection within operationTimeoutMs, retrying deadlocks, lock waits
   * and lost connections while nothing can have been committed.
   */
  private async execute<T>(operation: string, mode: Mode, work: (conn: PoolConnection, markCommitting: MarkCommitting) => Promise<T>, pool = this.pool): Promise<T> {
    // Deadlines are real time on purpose: they guard real sockets, whatever clock the store got.
    const deadline = Date.now() + this.options.operationTimeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.attempt(mode, work, deadline, pool);
      if (result.ok) {
        this.outages.succeeded();
        return result.value;
      }
      const pause = this.options.retryDelayMs * 2 ** (attempt - 1);
      const again =
        !result.committing &&
        attempt < this.options.maxAttempts &&
        !(result.error instanceof DeadlineExceeded) &&
        isRetryable(result.error) &&
        Date.now() + pause < deadline;
      if (!again) throw this.fail(operation, result.error, result.committing);
      debug('%s: attempt %d failed (%s), retrying', operation, attempt, describeDriverError(result.error));
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private async attempt<T>(mode: Mode, work: (conn: PoolConnection, markCommitting: MarkCommitting) => Promise<T>, deadline: number, pool: Pool): Promise<Attempt<T>> {
    let conn: PoolConnection;
    try {
      conn = await this.acquire(deadline, pool);
    } catch (error) {
      return { ok: false, error, committing: false };
    }
    let committing = false;
    const markCommitting = (): void => {
      committing = true;
    };
    const run = async (): Promise<T> => {
      if (mode === 'transaction') await conn.query('START TRANSACTION');
      const value = await work(conn, markCommitting);
      if (mode === 'transaction') {
        committing = true;
        await conn.query('COMMIT');
      }
      return value;
    };
    try {
      const value = await withDeadline(run(), deadline);
      conn.release();
      return { ok: true, value };
    } catch (error) {
      this.discard(conn, mode, error);
      return { ok: false, error, committing };
    }
  }

  /** A pooled connection, or DeadlineExceeded; one that arrives too late goes back to the pool. */
  private acquire(deadline: number, pool = this.pool): Promise<PoolConnection> {
    return withDeadline(pool.getConnection(), deadline, (late) => late.release());
  }

  /** After a failed attempt: drop a broken or silent connection, roll back a live one. */
  private discard(conn: PoolConnection, mode: Mode, error: unknown): void {
    if (error instanceof DeadlineExceeded || isConnectionError(error)) {
      destroyConnection(conn);
    } else if (mode === 'idempotent') {
      conn.release();
    } else {
      withDeadline(conn.query('ROLLBACK'), Date.now() + this.options.operationTimeoutMs).then(
        () => conn.release(),
        () => destroyConnection(conn),
      );
    }
  }

  private fail(operation: string, error: unknown, committing: boolean): HeraldError {
    let reason = error instanceof DeadlineExceeded ? `no answer within ${this.options.operationTimeoutMs} ms` : describeDriverError(error);
    if (committing) reason += ' during COMMIT: the write may or may not be stored';
    this.outages.failed(operation, reason);
    return storeUnavailable(operation, reason, error);
  }
}

/**
 * MySQL's DDL is not transactional: a migration cut short (a crash before its version row was
 * written) runs again. A column or index it already created is then not an error.
 */
function alreadyThere(err: unknown): void {
  const code = (err as { code?: string } | null)?.code;
  if (code !== 'ER_DUP_FIELDNAME' && code !== 'ER_DUP_KEYNAME') throw err;
}
