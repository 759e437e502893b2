/**
 * The progress bar on stderr: one line redrawn in place on a terminal; on anything else (CI, a
 * test) only the phase starts and ends, so logs stay short.
 */
const WIDTH = 24;
/** Milliseconds between redraws. */
const REDRAW_MS = 100;

export class Progress {
  private label = '';
  private total = 0;
  private done = 0;
  private detail = '';
  private started = 0;
  private lastDraw = 0;
  private drawn = false;
  private readonly tty: boolean;

  constructor(
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
  }

  /** A new phase; `total` 0 means no bar, only the elapsed time. */
  phase(label: string, total = 0): void {
    this.finish();
    this.label = label;
    this.total = total;
    this.done = 0;
    this.detail = '';
    this.started = Date.now();
    if (this.enabled && !this.tty) this.stream.write(`… ${label}\n`);
    this.draw(true);
  }

  update(done: number, detail = ''): void {
    this.done = done;
    this.detail = detail;
    this.draw(false);
  }

  /** Prints a line above the bar. */
  log(line: string): void {
    if (!this.enabled) return;
    this.clear();
    this.stream.write(`${line}\n`);
    this.draw(true);
  }

  /** Ends the phase's line. */
  finish(): void {
    if (this.label === '' || !this.enabled) return;
    if (this.tty) {
      this.draw(true);
      if (this.drawn) this.stream.write('\n');
    }
    this.drawn = false;
    this.label = '';
  }

  private clear(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
  }

  private draw(force: boolean): void {
    if (!this.enabled || !this.tty || this.label === '') return;
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const seconds = ((now - this.started) / 1000).toFixed(1);
    let bar = '';
    if (this.total > 0) {
      const fraction = Math.max(0, Math.min(1, this.done / this.total));
      const filled = Math.round(fraction * WIDTH);
      bar = ` [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
    }
    const columns = this.stream.columns ?? 120;
    const line = `${this.label}${bar} ${this.detail} ${seconds}s`.slice(0, Math.max(20, columns - 1));
    this.stream.write(`\r\x1b[K${line}`);
    this.drawn = true;
  }
}
