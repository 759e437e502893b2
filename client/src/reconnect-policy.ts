/**
 * The seed's reconnect rule: at most three attempts, 60 s, 120 s and 180 s apart, then give up.
 *
 * Attempt n starts `delays[n-1]` after its anchor: the moment the connection was lost (or the
 * first connection attempt started) for attempt 1, the start of attempt n-1 for the others. So a
 * hanging attempt, cut by the connect timeout, never stretches the schedule: with the defaults
 * the attempts start exactly 60 s, 180 s and 360 s after the loss, however long each one took.
 */
export interface ReconnectPolicyOptions {
  /** Milliseconds before each attempt; one attempt per entry. */
  delays: readonly number[];
  /** Random spread 0-1: a delay d becomes d × (1 ± jitter). */
  jitter: number;
  /** Source of randomness for the jitter, [0, 1). @default Math.random */
  random?: () => number;
}

export interface ReconnectStep {
  /** 1 for the first reconnect attempt. */
  attempt: number;
  /** Milliseconds from the anchor to the attempt, jitter applied. */
  delay: number;
}

export class ReconnectPolicy {
  private attempts = 0;
  private options: Required<ReconnectPolicyOptions>;

  constructor(options: ReconnectPolicyOptions) {
    // `random: undefined` (an option the app did not set) must not replace the default.
    this.options = { ...options, random: options.random ?? Math.random };
  }

  /** Attempts made since the last successful connection. */
  get attempt(): number {
    return this.attempts;
  }

  configure(options: Omit<ReconnectPolicyOptions, 'random'>): void {
    this.options = { ...this.options, ...options };
  }

  /** The next attempt, or `null` when every attempt is spent (the caller emits `failed`). */
  next(): ReconnectStep | null {
    const base = this.options.delays[this.attempts];
    if (base === undefined) return null;
    this.attempts += 1;
    const { jitter, random } = this.options;
    const delay = jitter > 0 ? base * (1 + jitter * (2 * random() - 1)) : base;
    return { attempt: this.attempts, delay: Math.max(0, Math.round(delay)) };
  }

  /** A connection succeeded: the next loss starts from the first delay again. */
  reset(): void {
    this.attempts = 0;
  }
}
