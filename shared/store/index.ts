export { createMessageStore, migrateStore, SQLITE_FILE_NAME } from './create-store';
export type { CreateMessageStoreOptions } from './create-store';
export { DEFAULT_GROUP_COMMIT_OPTIONS, GroupCommitter } from './group-commit';
export type { GroupCommitOptions } from './group-commit';
export { DEFAULT_CLEANUP_BATCH_SIZE } from './message-store';
export type {
  CleanupOptions,
  CleanupResult,
  CursorUpdate,
  IdempotencyClaim,
  IdempotencyCompletion,
  IdempotencyState,
  MessageStore,
  MigrationInfo,
  MigrationReport,
  NewMessage,
  ReplayResult,
  StoreDeps,
  StoredMessage,
  StoreKind,
  StoreOptions,
} from './message-store';
export { LATEST_VERSION } from './migrations';
export { DEFAULT_MYSQL_STORE_OPTIONS, MysqlMessageStore } from './mysql-store';
export type { MysqlStoreInput, MysqlStoreOptions } from './mysql-store';
export { DEFAULT_SQLITE_STORE_OPTIONS, SqliteMessageStore } from './sqlite-store';
export type { SqliteStoreInput, SqliteStoreOptions } from './sqlite-store';
export { PUSH_ID_PATTERN } from './store-input';
export { newEventId, targetOf, WebhookOutbox } from './webhook-outbox';
export type { DeadLetter, OutboxRow, OutboxStats, WebhookEvent, WebhookEventType } from './webhook-outbox';
