/**
 * Writes webhook events to the outbox where they happen, off the delivery path: every write is
 * fire-and-forget (a failed one is logged and counted in herald_webhook_enqueue_failures_total,
 * never seen by the push, login or ack that caused it), and at most MAX_WRITES wait at once, so a
 * slow database cannot pile up memory here either. One user's writes run one after another, so
 * they reach the outbox in the order they happened.
 *
 * - `user.online`: a user's first connection cluster-wide (presence says it is the only entry).
 *   It first drops the user's debounced `user.offline` that is not sent yet; when there was one,
 *   the reconnect fell inside the debounce and neither event is sent.
 * - `user.offline`: the last disconnection (presence lists nobody left), queued to be sent
 *   `webhooks.debounce` seconds later.
 * - `message.acked`: a device's committed cursor (one event per uid, device and through-seq).
 * - `message.expired`: from the cleanup job (shared/store), not here.
 */
import type { Clock } from '../../shared/clock';
import type { HeraldConfig } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import { newEventId, targetOf, type CursorUpdate, type WebhookEvent, type WebhookEventType, type WebhookOutbox } from '../../shared/store';
import type { Metrics } from '../metrics';

/** Outbox writes in flight beyond which new events are dropped (and counted). */
const MAX_WRITES = 1000;

export class WebhookProducer {
  private readonly targets: string[];
  private readonly types: ReadonlySet<WebhookEventType>;
  private writes = 0;
  /** The last write of each user in flight: a user's writes run one after another, in order. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly config: HeraldConfig['webhooks'],
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.targets = config.urls.map(targetOf);
    this.types = new Set(config.events);
  }

  /** A user's first connection cluster-wide. */
  userOnline(uid: string): void {
    const now = this.clock.now();
    this.write('user.online', uid, async () => {
      if (await this.outbox.cancelPendingOffline(uid, now)) return;
      if (this.types.has('user.online')) await this.outbox.enqueue(this.targets, [this.event('user.online', uid, now)]);
    });
  }

  /** A user's last disconnection cluster-wide, sent after the debounce unless they come back. */
  userOffline(uid: string): void {
    if (!this.types.has('user.offline')) return;
    const now = this.clock.now();
    this.write('user.offline', uid, async () => {
      if (await this.outbox.hasPendingOffline(uid, now)) return;
      await this.outbox.enqueue(this.targets, [this.event('user.offline', uid, now)], now + this.config.debounce * 1000);
    });
  }

  /** Cursors just committed to the store. */
  acked(cursors: readonly CursorUpdate[]): void {
    if (!this.types.has('message.acked') || cursors.length === 0) return;
    for (const c of cursors) {
      const event = { ...this.event('message.acked', c.uid, c.at), device: c.device, seq: c.seq };
      this.write('message.acked', c.uid, () => this.outbox.enqueue(this.targets, [event]));
    }
  }

  /** Resolves once every write started so far has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  private event(type: WebhookEventType, uid: string, at: number): WebhookEvent {
    return { id: newEventId(), type, at, uid };
  }

  /** Runs `work` after the user's previous write; never rejects. */
  private write(type: WebhookEventType, uid: string, work: () => Promise<void>): void {
    if (this.writes >= MAX_WRITES) {
      this.metrics.webhookLost.inc({ type });
      return;
    }
    this.writes++;
    const previous = this.tails.get(uid) ?? Promise.resolve();
    const done: Promise<void> = previous
      .then(work)
      .catch((err: Error) => {
        this.metrics.webhookLost.inc({ type });
        this.logger.warn('webhook event not written to the outbox', { type, error: err.message });
      })
      .finally(() => {
        this.writes--;
        if (this.tails.get(uid) === done) this.tails.delete(uid);
      });
    this.tails.set(uid, done);
  }
}
