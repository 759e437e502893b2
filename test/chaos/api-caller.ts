/**
 * The main site as a careful API caller: one keep-alive connection pool, and every logical push
 * retried on a network error, a 5xx or a 429 with the SAME `Idempotency-Key`, until it is answered
 * 200 or its deadline passes. A retry without server-side idempotency may store the push twice
 * (two seqs); the ledger counts that as a duplicate, never as a loss.
 *
 * `pushBatch` sends logical pushes through `POST /api/v1/push/batch` instead: each item carries the
 * key its single push would send (`idempotencyKey`), counts as answered only when the call is 200
 * AND its own result is `ok: true`, and an item that failed (the whole call failing, or its own
 * result an error a single push would retry) is sent again, with the same key, in the next call.
 */
import { Agent, request } from 'node:http';
import { ERROR_CATALOG, isErrorCode } from '../../shared/errors';

export interface ApiCallerOptions {
  /** API key sent as `Authorization: Bearer`. @default 'local-development-api-key' */
  apiKey: string;
  /** Keep-alive sockets per host. @default 16 */
  maxSockets: number;
  /** One attempt may take this long before it counts as failed, in ms. @default 5000 */
  attemptTimeoutMs: number;
  /** Back-off before the first retry, doubled each time up to `maxBackoffMs`, in ms. @default 100 */
  backoffMs: number;
  /** Longest back-off, in ms. @default 1000 */
  maxBackoffMs: number;
  /** A logical push is given up this long after its first attempt, in ms. @default 60000 */
  deadlineMs: number;
}

export const DEFAULT_API_CALLER_OPTIONS: ApiCallerOptions = {
  apiKey: 'local-development-api-key',
  maxSockets: 16,
  attemptTimeoutMs: 5_000,
  backoffMs: 100,
  maxBackoffMs: 1_000,
  deadlineMs: 60_000, // a minute: longer than any fault the suite injects
};

export interface PushOutcome {
  /** True when some attempt was answered 200. */
  ok: boolean;
  /** Attempts made (1 = no retry). */
  attempts: number;
  /** When the 200 came (ms since epoch), if it did. */
  answeredAt?: number;
  /** The last failure seen, for the report. */
  lastError?: string;
  /** Failures by kind (`status 503`, `ECONNRESET`, `timeout`, …). */
  failures: string[];
}

interface Attempt {
  status: number;
  body: string;
}

/** One logical push of a batch: its body (without the key) and its idempotency key. */
export interface BatchPushItem {
  body: Record<string, unknown>;
  idempotencyKey: string;
}

/** What `POST /api/v1/push/batch` answers per item (server/push/push-batch.ts, docs/API.md). */
type BatchItemAnswer = { ok: true; id: string; stored: boolean; online: number; replayed?: true } | { ok: false; error: { code: string; message: string } };

/** A 4xx other than 409/429 will not change with a retry; the rest may. */
function retryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 409;
}

export class ApiCaller {
  private readonly options: ApiCallerOptions;
  private readonly agent: Agent;
  /** Every failure of every attempt, by kind. */
  readonly failureKinds = new Map<string, number>();
  private stopped = false;

  constructor(options: Partial<ApiCallerOptions> = {}) {
    this.options = { ...DEFAULT_API_CALLER_OPTIONS, ...options };
    this.agent = new Agent({ keepAlive: true, maxSockets: this.options.maxSockets });
  }

  /** Sends one logical push to `baseUrl()` (asked again before every attempt). */
  async push(baseUrl: () => string, body: unknown, idempotencyKey: string): Promise<PushOutcome> {
    const started = Date.now();
    const failures: string[] = [];
    let backoff = this.options.backoffMs;
    for (let attempt = 1; ; attempt++) {
      let kind: string;
      try {
        const answer = await this.once(baseUrl(), '/api/v1/push', body, idempotencyKey);
        if (answer.status === 200) return { ok: true, attempts: attempt, answeredAt: Date.now(), failures };
        kind = `status ${answer.status}`;
        if (answer.status < 500 && answer.status !== 429 && answer.status !== 409) {
          // A 4xx other than 409/429 will not change with a retry.
          this.count(kind);
          failures.push(`${kind}: ${answer.body.slice(0, 200)}`);
          return { ok: false, attempts: attempt, lastError: `${kind} ${answer.body.slice(0, 200)}`, failures };
        }
      } catch (err) {
        kind = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      }
      this.count(kind);
      failures.push(kind);
      if (this.stopped || Date.now() + backoff - started > this.options.deadlineMs) {
        return { ok: false, attempts: attempt, lastError: kind, failures };
      }
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
    }
  }

  /**
   * Sends logical pushes in one `POST /api/v1/push/batch` call to `baseUrl()` (asked again before
   * every call), then the ones not yet answered ok again (same keys) until each is answered or the
   * deadline passes. One outcome per item, in order; `attempts` counts the calls that carried it.
   */
  async pushBatch(baseUrl: () => string, items: readonly BatchPushItem[]): Promise<PushOutcome[]> {
    const started = Date.now();
    const outcomes: PushOutcome[] = items.map(() => ({ ok: false, attempts: 0, failures: [] }));
    let pending = items.map((_, i) => i);
    let backoff = this.options.backoffMs;
    const fail = (i: number, kind: string, detail = kind): void => {
      const outcome = outcomes[i] as PushOutcome;
      this.count(kind);
      outcome.failures.push(detail);
      outcome.lastError = detail;
    };
    while (pending.length > 0) {
      for (const i of pending) (outcomes[i] as PushOutcome).attempts++;
      const body = { pushes: pending.map((i) => ({ ...(items[i] as BatchPushItem).body, idempotencyKey: (items[i] as BatchPushItem).idempotencyKey })) };
      const again: number[] = [];
      try {
        // The call's own Idempotency-Key is unused by the batch route; each item has its own.
        const answer = await this.once(baseUrl(), '/api/v1/push/batch', body);
        if (answer.status === 200) {
          const results = (JSON.parse(answer.body) as { results?: BatchItemAnswer[] }).results;
          if (!Array.isArray(results) || results.length !== pending.length) {
            throw Object.assign(new Error(`batch answered ${results?.length ?? 'no'} results for ${pending.length} pushes`), { code: 'BAD_ANSWER' });
          }
          const now = Date.now();
          pending.forEach((i, k) => {
            const result = results[k] as BatchItemAnswer;
            if (result.ok) {
              Object.assign(outcomes[i] as PushOutcome, { ok: true, answeredAt: now });
              return;
            }
            const status = isErrorCode(result.error.code) ? ERROR_CATALOG[result.error.code].status : 500;
            fail(i, `item ${result.error.code}`, `item ${result.error.code}: ${result.error.message.slice(0, 200)}`);
            if (retryable(status)) again.push(i);
          });
        } else {
          const kind = `batch status ${answer.status}`;
          for (const i of pending) fail(i, kind, `${kind}: ${answer.body.slice(0, 200)}`);
          if (retryable(answer.status)) again.push(...pending);
        }
      } catch (err) {
        const kind = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        for (const i of pending) fail(i, kind);
        again.push(...pending);
      }
      pending = again;
      if (pending.length === 0 || this.stopped || Date.now() + backoff - started > this.options.deadlineMs) break;
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
    }
    return outcomes;
  }

  /** Pending retries give up at their next turn. */
  stop(): void {
    this.stopped = true;
  }

  close(): void {
    this.stop();
    this.agent.destroy();
  }

  private count(kind: string): void {
    this.failureKinds.set(kind, (this.failureKinds.get(kind) ?? 0) + 1);
  }

  private once(baseUrl: string, path: string, body: unknown, idempotencyKey?: string): Promise<Attempt> {
    const payload = Buffer.from(JSON.stringify(body));
    const url = new URL(path, baseUrl);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.options.apiKey}`,
            'content-type': 'application/json',
            'content-length': payload.length,
            ...(idempotencyKey !== undefined ? { 'idempotency-key': idempotencyKey } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(this.options.attemptTimeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
