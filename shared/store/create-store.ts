/**
 * Which store a Herald process uses: the one `config.db.store` names — MySQL when `db.url` is
 * set (HERALD_MYSQL_URL), else the embedded SQLite file `<dataDir>/herald.sqlite`. Every store
 * is one line of STORES; adding a store is its implementation, its variant of `config.db`
 * (shared/config/schema.ts, modes.ts), its SQL in migrations.ts and one line here.
 */
import { join } from 'node:path';
import type { DbConfig, HeraldConfig } from '../config';
import type { Logger } from '../logger';
import type { MessageStore, MigrationReport, StoreDeps, StoreKind } from './message-store';
import { MysqlMessageStore } from './mysql-store';
import { SqliteMessageStore } from './sqlite-store';

/** The embedded store's file name inside `dataDir`. */
export const SQLITE_FILE_NAME = 'herald.sqlite';

export type CreateMessageStoreOptions = Omit<StoreDeps, 'logger'>;

/** What every store is built from besides its own `config.db` variant. */
interface StoreBase {
  /** A push's data is part of its request body, so the body limit bounds it. */
  maxDataBytes: number;
  dataDir: string;
  deps: StoreDeps;
}

/** Every store, by `config.db.store`: how to open it from its settings. */
const STORES: { [K in StoreKind]: (db: Extract<DbConfig, { store: K }>, base: StoreBase) => MessageStore } = {
  mysql: (db, { maxDataBytes, deps }) =>
    new MysqlMessageStore(
      {
        maxDataBytes,
        connectionLimit: db.connectionLimit,
        connectTimeoutMs: db.connectTimeoutMs,
        operationTimeoutMs: db.operationTimeoutMs,
        groupCommit: { ...db.groupCommit },
        url: db.url,
      },
      deps,
    ),
  sqlite: (db, { maxDataBytes, dataDir, deps }) =>
    new SqliteMessageStore(
      { maxDataBytes, synchronous: db.sqliteSynchronous, groupCommit: { ...db.groupCommit }, path: join(dataDir, SQLITE_FILE_NAME) },
      deps,
    ),
};

export function createMessageStore(config: HeraldConfig, logger: Logger, options: CreateMessageStoreOptions = {}): MessageStore {
  const base: StoreBase = { maxDataBytes: config.push.maxBodyBytes, dataDir: config.dataDir, deps: { logger, clock: options.clock } };
  // The table's entries take different variants; TypeScript cannot follow `store` through the lookup.
  const open = STORES[config.db.store] as (db: DbConfig, base: StoreBase) => MessageStore;
  return open(config.db, base);
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
