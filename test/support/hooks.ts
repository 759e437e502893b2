/**
 * Root hooks for the whole suite: an unhandled rejection anywhere fails the run (in this process,
 * or logged by a Herald host the test started), and no child process may outlive the suite.
 */
import { killStragglers, takeHeraldCrashLines } from './processes';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

export const mochaHooks = {
  afterEach(): void {
    const crashes = takeHeraldCrashLines();
    if (crashes.length > 0) {
      throw new Error(`a Herald process logged an unhandled rejection or uncaught exception during this test:\n${crashes.join('\n')}`);
    }
    if (unhandled.length > 0) {
      const first = unhandled.splice(0);
      throw new Error(`unhandled rejection during this test: ${String((first[0] as Error)?.stack ?? first[0])}`);
    }
  },
  afterAll(): void {
    const left = killStragglers();
    if (left.length > 0) {
      throw new Error(`tests left child processes running (killed now): ${left.join(', ')}`);
    }
  },
};
