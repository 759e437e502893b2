/**
 * Patch of mysql2 3.15.3 (its promise pool, `mysql2/promise`): two things the message store
 * (shared/store/mysql-store.ts) does with a connection that mysql2's types do not show.
 *
 * Why:
 * - The pool's 'connection' event hands out the core connection (callback API), not the promise
 *   wrapper its types name; the store runs its session setup on it (READ COMMITTED, a short lock
 *   wait) before the connection is used.
 * - `destroy()` on a connection whose server stopped answering leaves its socket open until the
 *   kernel gives up; the store closes the socket (`connection.stream`, private) at once.
 * test/integration/library-patches.test.ts fails when the installed version or these change.
 */
import type { PoolConnection } from 'mysql2/promise';

export const PINNED = [{ library: 'mysql2', version: '3.15.3' }] as const;

/** The core mysql2 connection the pool's 'connection' event hands out (callback API). */
export interface CoreConnection {
  on(event: 'error', listener: (err: Error) => void): unknown;
  query(sql: string, callback: (err: Error | null) => void): unknown;
}

/** The argument of the promise pool's 'connection' event, as what it is. */
export function coreConnection(connection: unknown): CoreConnection {
  return connection as CoreConnection;
}

/** Closes the socket at once: a connection whose server stopped answering must not linger. */
export function destroyConnection(conn: PoolConnection): void {
  conn.destroy();
  const stream = (conn.connection as unknown as { stream?: { destroy?: () => void } }).stream;
  stream?.destroy?.();
}
