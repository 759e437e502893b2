/**
 * Everything a run started, stopped in reverse order at the end — also after an error or
 * Ctrl-C. Each step runs even when an earlier one failed, and each has a time limit.
 */
export interface CleanupStep {
  name: string;
  run: () => Promise<void> | void;
}

/** Milliseconds one step may take. */
const STEP_TIMEOUT_MS = 25_000;

export class Cleanup {
  private readonly steps: CleanupStep[] = [];
  private running: Promise<string[]> | undefined;

  /** Registers a step; the returned function removes it (after the owner cleaned up itself). */
  add(name: string, run: () => Promise<void> | void): () => void {
    const step = { name, run };
    this.steps.push(step);
    return () => {
      const i = this.steps.indexOf(step);
      if (i >= 0) this.steps.splice(i, 1);
    };
  }

  /** Runs every step, newest first; resolves with the failures' descriptions. Idempotent while running. */
  run(): Promise<string[]> {
    this.running ??= (async () => {
      const failures: string[] = [];
      while (this.steps.length > 0) {
        const step = this.steps.pop() as CleanupStep;
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            Promise.resolve().then(step.run),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`did not finish within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
            }),
          ]);
        } catch (err) {
          failures.push(`${step.name}: ${(err as Error).message}`);
        } finally {
          clearTimeout(timer);
        }
      }
      this.running = undefined;
      return failures;
    })();
    return this.running;
  }
}
