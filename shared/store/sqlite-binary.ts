/**
 * Refuses a better-sqlite3 binary that would abort the process later.
 *
 * From Node 24.19 on, the `node::ObjectWrap` in Node's headers removes an environment cleanup
 * hook in its (inline) destructor, and that call aborts the process when V8 collects a
 * better-sqlite3 statement outside a JavaScript context (`Assertion failed: (env) != nullptr`,
 * nodejs/node#65446): measured, store-sqlite.test.js aborted on every run with a binary compiled
 * against Node 24.21.0's headers. Such a binary imports `RemoveEnvironmentCleanupHook`; one built
 * against older headers (npm's prebuilt ones, or a build against Node 24.18.1's or 20's headers)
 * does not. Found at open, the store reports STORE_UNAVAILABLE with the fix instead of letting a
 * worker die at a random garbage collection.
 */
import { readFileSync } from 'node:fs';

/** The import only a binary compiled against Node ≥ 24.19's headers has. */
const MARKER = 'RemoveEnvironmentCleanupHook';

/** Each binary is read once per process (about 2 MB). */
const verdicts = new Map<string, string | undefined>();

/** The better-sqlite3 binary this process loaded (it is loaded by the first `new Database`). */
export function loadedSqliteBinary(): string | undefined {
  return Object.keys(require.cache).find((file) => file.endsWith('better_sqlite3.node'));
}

/** Why this binary must not be used, or undefined when it is fine. */
export function sqliteBinaryProblem(file: string): string | undefined {
  if (!verdicts.has(file)) {
    const problem = readFileSync(file).includes(MARKER)
      ? `${file} was compiled against Node 24.19+ headers and would abort the process (nodejs/node#65446); ` +
        "rebuild it against Node 24.18.1's headers (docs/OPERATIONS.md, Node versions and installing)"
      : undefined;
    verdicts.set(file, problem);
  }
  return verdicts.get(file);
}
