/**
 * Which store a Herald process uses: MySQL when `db.url` is set (HERALD_MYSQL_URL), else the
 * embedded SQLite file `<dataDir>/herald.sqlite`.
 */
import { join } from 'node:path';
import type { HeraldConfig } from '../config';
import type { Logger } from '../logger';
import type { MessageStore, MigrationReport, StoreDeps } from './message-store';
import { MysqlMessageStore, type MysqlStoreInput } from './mysql-store';
import { SqliteMessageStore, type SqliteStoreInput } from './sqlite-store';

/** The embedded store's file name inside `dataDir`. */
export const SQLITE_FILE_NAME = 'herald.sqlite';

export interface CreateMessageStoreOptions extends Omit<StoreDeps, 'logger'> {
  /** Overrides for the MySQL store (url comes from config.db.url). */
  mysql?: Omit<MysqlStoreInput, 'url'>;
  /** Overrides for the SQLite store (path comes from config.dataDir). */
  sqlite?: Omit<SqliteStoreInput, 'path'>;
}

export function createMessageStore(config: HeraldConfig, logger: Logger, options: CreateMessageStoreOptions = {}): MessageStore {
  const deps: StoreDeps = { logger, clock: options.clock };
  // A push's data is part of its request body, so the body limit bounds it.
  const maxDataBytes = config.push.maxBodyBytes;
  const db = config.db;
  if (db.url !== undefined) {
    return new MysqlMessageStore(
      {
        maxDataBytes,
        connectionLimit: db.connectionLimit,
        connectTimeoutMs: db.connectTimeoutMs,
        operationTimeoutMs: db.operationTimeoutMs,
        groupCommit: { ...db.groupCommit },
        ...options.mysql,
        url: db.url,
      },
      deps,
    );
  }
  return new SqliteMessageStore(
    { maxDataBytes, synchronous: db.sqliteSynchronous, groupCommit: { ...db.groupCommit }, ...options.sqlite, path: join(config.dataDir, SQLITE_FILE_NAME) },
    deps,
  );
}

/** What `herald db migrate` runs: brings the configured store's schema up to date. */
export async function migrateStore(config: HeraldConfig, logger: Logger): Promise<MigrationReport> {
  const store = createMessageStore(config, logger);
  try {
    return await store.migrate();
  } finally {
    await store.close();
  }
}
