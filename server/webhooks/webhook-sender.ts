/**
 * Sends the webhook outbox to the main site: runs in every task process (workers/task). Every
 * `TICK_MS` it takes, for each receiver URL, the lease on that receiver's queue (one sender per
 * receiver cluster-wide, shared/store/webhook-outbox.ts), reads the head batch (at most
 * `batchSize` events, in order) and POSTs `{ "events": [...] }` signed (webhook-signature.ts).
 *
 * - A 2xx deletes the batch. Anything else (status, timeout, refused connection) keeps it, to be
 *   tried again after a back-off of 1 s doubling per attempt up to 5 min; events still failing
 *   `retryFor` seconds after they became due are dead-lettered.
 * - Only this loop waits on a receiver: one POST per receiver at a time, each bounded by
 *   `webhooks.timeout`. Pushes and logins never do.
 * - After a full batch it goes on at once (a back-log drains at the receiver's pace).
 */
import type { Clock, TimerHandle } from '../../shared/clock';
import { unrefTimer } from '../../shared/clock';
import type { HeraldConfig } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { targetOf, type OutboxRow, type WebhookOutbox } from '../../shared/store';
import type { Metrics } from '../metrics';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhook-signature';

/** Pause between rounds when no receiver had a full batch, in ms. */
const TICK_MS = 250;
/** First back-off after a failed batch, in ms; doubles per attempt. */
const FIRST_BACKOFF_MS = 1000;
/** Longest back-off, in ms. */
const MAX_BACKOFF_MS = 5 * 60_000;
/** How often the queue gauges are read, in ms. */
const STATS_EVERY_MS = 2000;
/** Batches one receiver gets in one round before the others have their turn. */
const BATCHES_PER_ROUND = 20;

/** What one POST came to. */
export type PostResult = { ok: true } | { ok: false; error: string };

/** Sends one request; the default uses fetch. Tests may pass their own. */
export type WebhookPost = (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<PostResult>;

export const fetchPost: WebhookPost = async (url, body, headers, timeoutMs) => {
  try {
    const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.arrayBuffer().catch(() => undefined);
    return res.status >= 200 && res.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { ok: false, error: e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (e.cause?.code ?? e.message) };
  }
};

/** The back-off before attempt `attempts + 1`, in ms. */
export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(attempts, 20));
}

export class WebhookSender {
  private timer: TimerHandle | undefined;
  private round: Promise<void> | undefined;
  private closed = false;
  private statsAt = 0;

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly config: HeraldConfig['webhooks'],
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    /** This sender's name in the lease table (node id + something unique). */
    private readonly owner: string,
    private readonly post: WebhookPost = fetchPost,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Stops the loop, waits for the round in progress, and gives up the leases. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    await this.round;
    for (const url of this.config.urls) await this.outbox.release(targetOf(url), this.owner).catch(() => undefined);
  }

  /** One round over every receiver; resolves when it is done. Exposed for tests. */
  async runOnce(): Promise<void> {
    const busy = await Promise.all(this.config.urls.map((url) => this.drain(url)));
    const now = this.clock.now();
    if (now - this.statsAt >= STATS_EVERY_MS) {
      this.statsAt = now;
      const stats = await this.outbox.stats();
      this.metrics.webhookQueued.set(stats.queued);
      this.metrics.webhookOldestAge.set(stats.oldestPendingAt === null ? 0 : Math.max(0, (now - stats.oldestPendingAt) / 1000));
    }
    if (busy.some(Boolean)) return this.runOnce();
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.round = this.runOnce()
        .catch((err: Error) => {
          this.logger.warn('webhook round failed', { error: err.message });
        })
        .finally(() => {
          this.round = undefined;
          this.schedule(TICK_MS);
        });
    }, delayMs);
    unrefTimer(this.timer);
  }

  /** Up to BATCHES_PER_ROUND batches to one receiver; true when it stopped with more ready. */
  private async drain(url: string): Promise<boolean> {
    for (let i = 0; i < BATCHES_PER_ROUND; i++) {
      if (this.closed) return false;
      const outcome = await this.sendBatch(url);
      if (outcome !== 'full') return false;
    }
    return true;
  }

  /** `full`: a whole batch was sent (more may wait); `done`: less; `idle`: nothing sent. */
  private async sendBatch(url: string): Promise<'full' | 'done' | 'idle'> {
    const target = targetOf(url);
    const timeoutMs = this.config.timeout * 1000;
    const now = this.clock.now();
    if (!(await this.outbox.lease(target, this.owner, now, now + timeoutMs + 10_000))) return 'idle';
    const rows = await this.outbox.head(target, now, this.config.batchSize);
    const first = rows[0];
    if (first === undefined || first.nextAt > now) return 'idle';
    const body = `{"events":[${rows.map((r) => r.payload).join(',')}]}`;
    const timestamp = Math.floor(now / 1000);
    const result = await this.post(
      url,
      body,
      { 'Content-Type': 'application/json', [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signWebhook(this.config.secret as string, timestamp, body), 'User-Agent': 'Herald-Webhook' },
      timeoutMs,
    );
    const seqs = rows.map((r) => r.seq);
    if (result.ok) {
      await this.outbox.delivered(seqs);
      this.count(rows, 'sent');
      return rows.length === this.config.batchSize ? 'full' : 'done';
    }
    const failedAt = this.clock.now();
    const deadBefore = failedAt - this.config.retryFor * 1000;
    await this.outbox.failed(seqs, failedAt + backoffMs(first.attempts), result.error, deadBefore);
    this.count(rows, 'failed');
    const dead = rows.filter((r) => r.readyAt < deadBefore);
    this.count(dead, 'dead');
    this.logger.warn('webhook batch failed', { url, events: rows.length, attempt: first.attempts + 1, error: result.error, dead: dead.length });
    return 'idle';
  }

  private count(rows: readonly OutboxRow[], result: 'sent' | 'failed' | 'dead'): void {
    for (const row of rows) this.metrics.webhookEvents.inc({ type: row.type, result });
  }
}
