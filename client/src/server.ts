/**
 * `@herald/client/server`: Herald's push API for a Node backend (docs/CLIENT.md#server-helpers),
 * on the runtime's own `fetch` (Node ≥ 20), with no dependency. `push()` is `POST /api/v1/push`,
 * `pushBatch()` is `POST /api/v1/push/batch` (up to 1,000 pushes, one answer each, in order).
 *
 * Every push carries an idempotency key (yours, or one generated per push) that stays the same on
 * each retry, so a call retried after a lost answer is delivered at most once. Retried: network
 * errors, 429, 503 and 409 IDEMPOTENCY_IN_PROGRESS, after `Retry-After` when Herald gives one.
 */

/** Who a push goes to: exactly one form. */
export type PushTo = { uid: string | number } | { uids: (string | number)[] } | { topic: string } | { all: true };

/** The body of `POST /api/v1/push` (docs/API.md#post-apiv1push). */
export interface PushBody {
  to: PushTo;
  /** Any JSON value. */
  data: unknown;
  /** The event clients receive. @default 'message' */
  event?: string;
  /** Only connections logged in on this platform. */
  platform?: string;
  /** Store before answering; uid/uids pushes are durable unless false. */
  durable?: boolean;
  /** Seconds a stored push stays replayable. */
  ttl?: number;
  /** One per logical push, 1-128 printable ASCII characters; generated when absent. */
  idempotencyKey?: string;
}

/** A push's answer. */
export interface PushAnswer {
  ok: true;
  id: string;
  /** Committed to the durable store before this answer. */
  stored: boolean;
  /** Connections of the named users online when the push was accepted; null for topic and all pushes. */
  online: number | null;
  /** This is the answer of an earlier call with the same idempotency key. */
  replayed?: true;
}

/** Herald's error body. */
export interface ApiErrorBody {
  code: string;
  message: string;
  retryAfter?: number;
}

/** One push's answer within a batch: its answer, or the error that failed it alone. */
export type BatchItemAnswer = PushAnswer | { ok: false; error: ApiErrorBody };

export interface HeraldApiOptions {
  /** Herald's base URL, e.g. `http://127.0.0.1:9501`. */
  url: string;
  /** One of Herald's `apiKeys`. */
  apiKey: string;
  /** Milliseconds per attempt. @default 5000 */
  timeoutMs?: number;
  /** Extra attempts on network errors, 429, 503 and 409 in progress. @default 3 */
  retries?: number;
  /** Milliseconds before the first retry, doubled each time (Retry-After wins). @default 200 */
  retryDelayMs?: number;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A call Herald refused (`status`, `code` from its error body), or one that got no answer (`status` 0, code `NETWORK`). */
export class HeraldApiError extends Error {
  override readonly name = 'HeraldApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const RETRIED_STATUSES = new Set([0, 409, 429, 503]);

export class HeraldApi {
  private readonly base: string;
  private readonly options: Required<Omit<HeraldApiOptions, 'fetch'>> & { fetch: typeof fetch };

  constructor(options: HeraldApiOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.options = { timeoutMs: 5000, retries: 3, retryDelayMs: 200, fetch: globalThis.fetch, ...options };
  }

  /** `POST /api/v1/push`. Throws HeraldApiError when Herald refuses it (after the retries). */
  push(body: PushBody): Promise<PushAnswer> {
    const { idempotencyKey, ...request } = body;
    const key = idempotencyKey ?? newIdempotencyKey();
    return this.call<PushAnswer>('/api/v1/push', request, { 'idempotency-key': key });
  }

  /**
   * `POST /api/v1/push/batch`: 1 to 1,000 pushes; one answer per push, in order. A bad push does
   * not throw (its answer is `{ ok: false, error }`); a malformed batch does (400).
   */
  async pushBatch(pushes: readonly PushBody[]): Promise<BatchItemAnswer[]> {
    const items = pushes.map((push) => (push.idempotencyKey !== undefined ? push : { ...push, idempotencyKey: newIdempotencyKey() }));
    const answer = await this.call<{ ok: true; results: BatchItemAnswer[] }>('/api/v1/push/batch', { pushes: items }, {});
    return answer.results;
  }

  private async call<T>(path: string, body: unknown, headers: Record<string, string>): Promise<T> {
    const json = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt<T>(path, json, headers);
      } catch (err) {
        const error = err as HeraldApiError;
        if (attempt >= this.options.retries || !RETRIED_STATUSES.has(error.status)) throw error;
        const waitMs = error.retryAfter !== undefined ? error.retryAfter * 1000 : this.options.retryDelayMs * 2 ** attempt;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  private async attempt<T>(path: string, json: string, headers: Record<string, string>): Promise<T> {
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${this.options.apiKey}`, 'content-type': 'application/json' },
        body: json,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      throw new HeraldApiError(0, 'NETWORK', `no answer from Herald: ${(cause as Error)?.message ?? String(cause)}`, undefined, { cause });
    }
    let parsed: { ok?: boolean; error?: ApiErrorBody } | undefined;
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    if (response.ok && parsed?.ok === true) return parsed as T;
    const error = parsed?.error;
    const header = Number(response.headers.get('retry-after'));
    const retryAfter = error?.retryAfter ?? (Number.isFinite(header) && header > 0 ? header : undefined);
    throw new HeraldApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${response.status}`, retryAfter);
  }
}

/** A random UUID: one per logical push. */
export function newIdempotencyKey(): string {
  return (globalThis as unknown as { crypto: { randomUUID(): string } }).crypto.randomUUID();
}
