/**
 * The main site as a careful API caller: one keep-alive connection pool, and every logical push
 * retried on a network error, a 5xx or a 429 with the SAME `Idempotency-Key`, until it is answered
 * 200 or its deadline passes. A retry without server-side idempotency may store the push twice
 * (two seqs); the ledger counts that as a duplicate, never as a loss.
 */
import { Agent, request } from 'node:http';

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

  private once(baseUrl: string, path: string, body: unknown, idempotencyKey: string): Promise<Attempt> {
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
            'idempotency-key': idempotencyKey,
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
