/**
 * Refuses a better-sqlite3 binary that would abort the process later.
 *
 * From Node 24.19 on, the `node::ObjectWrap` in Node's headers removes an environment cleanup
 * hook in its (inline) destructor, and that call aborts the process when V8 collects a
 * better-sqlite3 statement outside a JavaScript context (`Assertion failed: (env) != nullptr`,
 * nodejs/node#65446): measured, store-sqlite.test.js aborted in 3 of 3 runs with a binary compiled
 * against Node 24.21.0's headers. Such a binary imports `RemoveEnvironmentCleanupHook`; one built
 * against older headers (npm's prebuilt ones, or a build against Node 24.18.1's or 20's headers)
 * does not. Found when the store opens, it is logged as an error with the fix, once per process.
 * The store still opens: measured with such a binary on Node 24.21.0, a host took 200 durable
 * pushes and stopped cleanly without an abort, so refusing would turn a risk into an outage; the
 * test suite, which opens and drops many stores, aborts with it and fails on this check first.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '../logger';

/** The import only a binary compiled against Node ≥ 24.19's headers has. */
const MARKER = 'RemoveEnvironmentCleanupHook';

/** Each binary is read once per process (about 2 MB). */
const verdicts = new Map<string, string | undefined>();
let reported = false;

/** The better-sqlite3 binary this process loaded (it is loaded by the first `new Database`). */
export function loadedSqliteBinary(): string | undefined {
  return Object.keys(require.cache).find((file) => file.endsWith('better_sqlite3.node'));
}

/** Why this binary must not be used, or undefined when it is fine. */
export function sqliteBinaryProblem(file: string): string | undefined {
  if (!verdicts.has(file)) {
    const problem = readFileSync(file).includes(MARKER)
      ? `${file} was compiled against Node 24.19+ headers and can abort the process at a garbage collection (nodejs/node#65446); ` +
        "rebuild it against Node 24.18.1's headers (docs/OPERATIONS.md, Node versions and installing)"
      : undefined;
    verdicts.set(file, problem);
  }
  return verdicts.get(file);
}

/** Logs the loaded binary's problem, once per process; call after the first `new Database`. */
export function reportSqliteBinary(logger: Logger): void {
  if (reported) return;
  const binary = loadedSqliteBinary();
  if (binary === undefined) return;
  reported = true;
  let problem: string | undefined;
  try {
    problem = sqliteBinaryProblem(binary);
  } catch {
    return; // unreadable: nothing to say about it
  }
  if (problem !== undefined) logger.error('message store: the SQLite driver can abort this process', { problem });
}
