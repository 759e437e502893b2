/**
 * The shared MariaDB the integration tests use (127.0.0.1:3306, root, no password), and one-off
 * statements on it (CREATE/DROP DATABASE and the like). HERALD_TEST_MYSQL_URL points elsewhere.
 */
import { createConnection } from 'mysql2/promise';

/** The server's URL, without a database part. */
export const MYSQL_SERVER_URL = process.env.HERALD_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** Runs one statement on a connection of its own, closed afterwards. */
export async function adminQuery(sql: string, url: string = MYSQL_SERVER_URL): Promise<void> {
  const conn = await createConnection(url);
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}
