/**
 * The schema, as numbered migrations. `migrate()` applies, in order, every version the database
 * has not recorded in `herald_schema_migrations`, under a lock so that hosts starting together
 * apply each version once.
 *
 * Rules for a new migration: append it with the next version number, never edit a released one,
 * and write every MySQL statement so that running it twice is harmless (`IF NOT EXISTS`,
 * `ADD COLUMN IF NOT EXISTS`): MySQL commits DDL statement by statement, so a host that dies
 * half-way through a migration leaves it half applied, and the next run repeats it. SQLite runs
 * a migration in one transaction.
 *
 * Column sizes follow shared/protocol/limits.ts and store-input.ts. Identifiers are ASCII with a
 * binary collation, so `Bob` and `bob` are different users, as they are everywhere else.
 */
import type { MigrationInfo } from './message-store';

export interface Migration extends MigrationInfo {
  /** Statements for MySQL/MariaDB (InnoDB), run one by one. */
  mysql: readonly string[];
  /** Statements for SQLite, run together in one transaction. */
  sqlite: readonly string[];
}

const ASCII = 'CHARACTER SET ascii COLLATE ascii_bin';

/** The table that records applied versions; created before anything else. */
export const MIGRATIONS_TABLE = {
  mysql: `CREATE TABLE IF NOT EXISTS herald_schema_migrations (
    version INT UNSIGNED NOT NULL PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    applied_at BIGINT NOT NULL
  ) ENGINE=InnoDB`,
  sqlite: `CREATE TABLE IF NOT EXISTS herald_schema_migrations (
    version INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`,
} as const;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'messages, per-user seqs and device cursors',
    mysql: [
      // One row per (recipient, push). The primary key serves replay and history (uid = ?, seq
      // range); the expiry index serves cleanup.
      `CREATE TABLE IF NOT EXISTS herald_message (
        uid VARCHAR(64) ${ASCII} NOT NULL,
        seq BIGINT UNSIGNED NOT NULL,
        push_id VARCHAR(64) ${ASCII} NOT NULL,
        event VARCHAR(64) ${ASCII} NOT NULL,
        topic VARCHAR(128) ${ASCII} NULL,
        data MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (uid, seq),
        KEY herald_message_expires (expires_at)
      ) ENGINE=InnoDB`,
      // The last seq each uid was given. Rows are never deleted: seqs must not restart when a
      // user's messages all expire, or a device's cursor would hide new messages.
      `CREATE TABLE IF NOT EXISTS herald_user_seq (
        uid VARCHAR(64) ${ASCII} NOT NULL PRIMARY KEY,
        last_seq BIGINT UNSIGNED NOT NULL
      ) ENGINE=InnoDB`,
      `CREATE TABLE IF NOT EXISTS herald_cursor (
        uid VARCHAR(64) ${ASCII} NOT NULL,
        device VARCHAR(128) ${ASCII} NOT NULL,
        seq BIGINT UNSIGNED NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (uid, device),
        KEY herald_cursor_updated (updated_at)
      ) ENGINE=InnoDB`,
    ],
    sqlite: [
      `CREATE TABLE herald_message (
        uid TEXT NOT NULL,
        seq INTEGER NOT NULL,
        push_id TEXT NOT NULL,
        event TEXT NOT NULL,
        topic TEXT,
        data TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (uid, seq)
      ) STRICT`,
      'CREATE INDEX herald_message_expires ON herald_message (expires_at)',
      `CREATE TABLE herald_user_seq (
        uid TEXT NOT NULL PRIMARY KEY,
        last_seq INTEGER NOT NULL
      ) STRICT`,
      `CREATE TABLE herald_cursor (
        uid TEXT NOT NULL,
        device TEXT NOT NULL,
        seq INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (uid, device)
      ) STRICT`,
      'CREATE INDEX herald_cursor_updated ON herald_cursor (updated_at)',
    ],
  },
  {
    version: 2,
    name: 'platform of platform-filtered pushes',
    // Plain ADD COLUMN (`IF NOT EXISTS` here is MariaDB-only); a rerun after a crash between
    // the DDL and its version row finds the column and goes on (mysql-store.ts).
    mysql: [`ALTER TABLE herald_message ADD COLUMN platform VARCHAR(16) ${ASCII} NULL`],
    sqlite: ['ALTER TABLE herald_message ADD COLUMN platform TEXT'],
  },
  {
    version: 3,
    name: 'idempotency keys of pushes',
    // One row per (API key, Idempotency-Key), both only as a digest (`scope`). `pending` while the
    // first call runs, `done` with its answer once it committed; the answer of a durable push is
    // written in the same transaction as its messages, so a retry after a crash finds either the
    // committed answer or nothing stored.
    mysql: [
      `CREATE TABLE IF NOT EXISTS herald_idempotency (
        scope CHAR(64) ${ASCII} NOT NULL PRIMARY KEY,
        fingerprint CHAR(64) ${ASCII} NOT NULL,
        state VARCHAR(8) ${ASCII} NOT NULL,
        owner VARCHAR(64) ${ASCII} NOT NULL,
        answer TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
        claimed_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        KEY herald_idempotency_expires (expires_at)
      ) ENGINE=InnoDB`,
    ],
    sqlite: [
      `CREATE TABLE herald_idempotency (
        scope TEXT NOT NULL PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL,
        owner TEXT NOT NULL,
        answer TEXT,
        claimed_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT`,
      'CREATE INDEX herald_idempotency_expires ON herald_idempotency (expires_at)',
    ],
  },
  {
    version: 4,
    name: 'webhook outbox',
    // One row per (event, receiver): `target` is the receiver URL's digest. Rows are pending until
    // a 2xx deletes them, or dead after webhooks.retryFor. `ready_at` is when the event may be
    // sent (a debounced user.offline: its time + debounce); `next_at` the back-off. `seq` orders
    // a receiver's queue. docs/WEBHOOKS.md.
    mysql: [
      `CREATE TABLE IF NOT EXISTS herald_webhook_event (
        seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        id VARCHAR(64) ${ASCII} NOT NULL,
        target CHAR(16) ${ASCII} NOT NULL,
        type VARCHAR(32) ${ASCII} NOT NULL,
        uid VARCHAR(64) ${ASCII} NOT NULL,
        payload TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        created_at BIGINT NOT NULL,
        ready_at BIGINT NOT NULL,
        next_at BIGINT NOT NULL,
        attempts INT UNSIGNED NOT NULL DEFAULT 0,
        state VARCHAR(8) ${ASCII} NOT NULL,
        last_error VARCHAR(300) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
        KEY herald_webhook_queue (target, state, ready_at, seq),
        KEY herald_webhook_uid (uid, type, state)
      ) ENGINE=InnoDB`,
      // The lease on one receiver's queue: one sender at a time, cluster-wide.
      `CREATE TABLE IF NOT EXISTS herald_webhook_lease (
        target CHAR(16) ${ASCII} NOT NULL PRIMARY KEY,
        owner VARCHAR(64) ${ASCII} NOT NULL,
        until_at BIGINT NOT NULL
      ) ENGINE=InnoDB`,
    ],
    sqlite: [
      `CREATE TABLE herald_webhook_event (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        target TEXT NOT NULL,
        type TEXT NOT NULL,
        uid TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        ready_at INTEGER NOT NULL,
        next_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        last_error TEXT
      ) STRICT`,
      'CREATE INDEX herald_webhook_queue ON herald_webhook_event (target, state, ready_at, seq)',
      'CREATE INDEX herald_webhook_uid ON herald_webhook_event (uid, type, state)',
      `CREATE TABLE herald_webhook_lease (
        target TEXT NOT NULL PRIMARY KEY,
        owner TEXT NOT NULL,
        until_at INTEGER NOT NULL
      ) STRICT`,
    ],
  },
];

/** The newest schema version this code knows. */
export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** Migrations not yet applied, oldest first. */
export function pendingMigrations(applied: ReadonlySet<number>): Migration[] {
  return MIGRATIONS.filter((m) => !applied.has(m.version)).sort((a, b) => a.version - b.version);
}

/** What a migrate() run reports, given the versions applied before and the ones it applied. */
export function summarize(before: ReadonlySet<number>, applied: readonly Migration[]): { from: number; to: number; applied: MigrationInfo[] } {
  const from = Math.max(0, ...before);
  const to = Math.max(from, ...applied.map((m) => m.version));
  return { from, to, applied: applied.map(({ version, name }) => ({ version, name })) };
}
