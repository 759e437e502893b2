/** A counting semaphore: at most `limit` holders at once, the rest wait in order. */
export class Gate {
  private holders = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(public limit: number) {}

  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.drain();
    });
  }

  release(): void {
    this.holders = Math.max(0, this.holders - 1);
    this.drain();
  }

  /** Lets waiters in up to the limit (also after the limit was raised). */
  drain(): void {
    while (this.holders < this.limit && this.waiting.length > 0) {
      this.holders++;
      (this.waiting.shift() as () => void)();
    }
  }
}
