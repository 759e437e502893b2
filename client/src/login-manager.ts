/**
 * The seed's login rule on one connection: log in with the credentials held; while it fails, try
 * again every `retryInterval` until it succeeds or the app logs out.
 *
 * Attempts start exactly `retryInterval` apart. The retry timer also bounds the wait for an
 * answer: an attempt still unanswered when it fires counts as failed (`TIMEOUT`). An answer that
 * arrives after a newer attempt started is ignored. `AUTH_REJECTED` and `AUTH_UNAVAILABLE` are
 * retried alike (the main site may be briefly down); a `retryAfter` longer than the interval
 * (rate limits) pushes the next attempt back.
 */
import type { Answer, LoginResult } from '../../shared/protocol/client-payloads';
import type { LoginRequest } from '../../shared/protocol/schemas';
import { Timer, type Clock } from './clock';
import type { HeraldErrorBody } from './types';

export interface LoginManagerOptions {
  /** Milliseconds between attempts while login fails. */
  retryInterval: number;
}

export interface LoginHooks {
  send(request: LoginRequest, answer: (answer: Answer<LoginResult>) => void): void;
  succeeded(result: LoginResult): void;
  /** `retryIn`: milliseconds until the next attempt. */
  failed(error: HeraldErrorBody, retryIn: number): void;
}

export class LoginManager {
  private readonly timer: Timer;
  private request: LoginRequest | null = null;
  private attempt = 0;
  private startedAt = 0;
  private answered = false;

  constructor(
    private readonly clock: Clock,
    private options: LoginManagerOptions,
    private readonly hooks: LoginHooks,
  ) {
    this.timer = new Timer(clock);
  }

  get active(): boolean {
    return this.request !== null;
  }

  configure(options: LoginManagerOptions): void {
    this.options = options;
  }

  /** Logs in now with `request`, replacing any login in progress. */
  start(request: LoginRequest): void {
    this.request = request;
    this.send();
  }

  /** Stops logging in (logout, disconnect, close); a late answer is ignored. */
  stop(): void {
    this.request = null;
    this.attempt += 1;
    this.timer.clear();
  }

  private send(): void {
    const request = this.request;
    if (request === null) return;
    const attempt = ++this.attempt;
    this.startedAt = this.clock.now();
    this.answered = false;
    this.timer.set(() => this.onRetryDue(attempt), this.options.retryInterval);
    this.hooks.send(request, (answer) => this.onAnswer(attempt, answer));
  }

  private onAnswer(attempt: number, answer: Answer<LoginResult>): void {
    if (attempt !== this.attempt || this.request === null || this.answered) return;
    this.answered = true;
    if (answer.ok) {
      const { ok: _ok, ...result } = answer;
      this.request = null;
      this.timer.clear();
      this.hooks.succeeded(result);
      return;
    }
    const retryAfter = (answer.error.retryAfter ?? 0) * 1000;
    const due = this.startedAt + Math.max(this.options.retryInterval, retryAfter);
    this.timer.set(() => this.onRetryDue(attempt), due - this.clock.now());
    this.hooks.failed(answer.error, Math.max(0, due - this.clock.now()));
  }

  private onRetryDue(attempt: number): void {
    if (attempt !== this.attempt || this.request === null) return;
    if (!this.answered) {
      this.answered = true;
      this.hooks.failed({ code: 'TIMEOUT', message: 'No answer to login' }, 0);
      if (attempt !== this.attempt || this.request === null) return;
    }
    this.send();
  }
}
