/**
 * Root hooks for the whole suite: an unhandled rejection anywhere fails the run, and no child
 * process may outlive the suite.
 */
import { killStragglers } from './processes';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

export const mochaHooks = {
  afterEach(): void {
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
