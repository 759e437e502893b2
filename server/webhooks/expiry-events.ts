/**
 * `message.expired`: before the cleanup job deletes expired messages, one event per message that
 * some known device of its user had not acknowledged (that device's cursor is below the seq).
 * Devices that never acked anything have no cursor and do not count. Ids are derived from the
 * message (stableEventId), so a cleanup run repeated after a failure reports nothing new to a
 * receiver that dedupes by id. Runs in the task process, inside the `task.cleanup` job.
 */
import type { HeraldConfig } from '../../shared/config';
import { stableEventId, targetOf, type ExpiryPosition, type WebhookEvent, type WebhookOutbox } from '../../shared/store';

/** Messages read per scan statement. */
const PAGE = 500;
/** Most events one cleanup run writes; the rest of a huge expiry goes unreported (logged). */
const MAX_PER_RUN = 100_000;

/** Writes the events; resolves to how many, and whether the cap cut the run short. */
export async function enqueueExpired(outbox: WebhookOutbox, config: HeraldConfig['webhooks'], now: number): Promise<{ events: number; capped: boolean }> {
  if (config.urls.length === 0 || !config.events.includes('message.expired')) return { events: 0, capped: false };
  const targets = config.urls.map(targetOf);
  let after: ExpiryPosition;
  let events = 0;
  for (;;) {
    const page = await outbox.expiredUnacked(now, after, PAGE);
    if (page.length === 0) return { events, capped: false };
    const batch: WebhookEvent[] = page.map((m) => ({
      id: stableEventId('message.expired', m.uid, m.seq, m.pushId),
      type: 'message.expired',
      at: m.expiresAt,
      uid: m.uid,
      seq: m.seq,
      messageId: m.pushId,
    }));
    await outbox.enqueue(targets, batch, now);
    events += batch.length;
    const last = page[page.length - 1] as (typeof page)[number];
    after = { expiresAt: last.expiresAt, uid: last.uid, seq: last.seq };
    if (page.length < PAGE) return { events, capped: false };
    if (events >= MAX_PER_RUN) return { events, capped: true };
  }
}
