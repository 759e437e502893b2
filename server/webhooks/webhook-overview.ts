/**
 * What `herald task webhooks` and the dashboard's Webhooks section show, read by a task process
 * from the outbox: whether webhooks are on, the queue, its oldest event and the newest dead letters.
 */
import type { HeraldConfig } from '../../shared/config';
import type { WebhookOverview } from '../../shared/control/contract';
import type { WebhookOutbox } from '../../shared/store';

/** Dead letters the overview lists. */
const DEAD_SHOWN = 20;

export async function webhookOverview(outbox: WebhookOutbox, config: HeraldConfig): Promise<WebhookOverview> {
  const [stats, dead] = await Promise.all([outbox.stats(), outbox.dead(DEAD_SHOWN)]);
  return {
    enabled: config.webhooks.urls.length > 0,
    receivers: config.webhooks.urls.length,
    ...stats,
    deadLetters: dead.map((d) => ({ id: d.id, type: d.type, uid: d.uid, createdAt: d.createdAt, attempts: d.attempts, lastError: d.lastError })),
  };
}
