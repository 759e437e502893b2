/**
 * Single SQL statements on the store's database, for tables beside the messages (the webhook
 * outbox). Both dialects take `?` placeholders; each call is one autocommit statement that may be
 * repeated after a lost connection, and fails with STORE_UNAVAILABLE like every store method.
 */
export interface SqlRunner {
  readonly dialect: 'mysql' | 'sqlite';
  /** Rows of a SELECT. */
  rows<R>(operation: string, sql: string, params: readonly (string | number | null)[]): Promise<R[]>;
  /** Rows changed by an INSERT, UPDATE or DELETE. */
  change(operation: string, sql: string, params: readonly (string | number | null)[]): Promise<number>;
}

/** `?, ?, ?` for an `IN (…)` list of `count` values. */
export function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}
