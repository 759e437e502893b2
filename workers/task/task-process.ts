/**
 * A task process (group `task`): background work taken off the Socket.IO workers — pushes to
 * many users (stored and fanned out here), store maintenance for cron, and the webhooks to the main site (server/webhooks/).
 * It runs a Socket.IO server without HTTP, on the same adapter as the workers, so what it emits
 * reaches every connection of the cluster.
 */
import { Server } from 'socket.io';
import { systemClock } from '../../shared/clock';
import { createMessageStore } from '../../shared/store';
import { bootChild, pushPlumbing } from '../../server/cluster/child-runtime';
import { baseReport } from '../../server/cluster/process-report';
import { Metrics } from '../../server/metrics';
import { StoreDurableLane } from '../../server/push/durable-lane';
import { PushService } from '../../server/push/push-service';
import type { HeraldServer } from '../../server/socket/types';
import { enqueueExpired } from '../../server/webhooks/expiry-events';
import { webhookOverview } from '../../server/webhooks/webhook-overview';
import { WebhookSender } from '../../server/webhooks/webhook-sender';
import { JobQueue } from './job-queue';

/** Jobs one task process runs at once. */
const CONCURRENCY = 4;

export function runTaskProcess(): void {
  const runtime = bootChild('task');
  const { config, logger, primary, nodeId, index } = runtime;
  const startedAt = Date.now();
  const metrics = new Metrics({ defaultMetrics: true });
  const plumbing = pushPlumbing(runtime, metrics.counters);
  const io: HeraldServer = new Server({ adapter: plumbing.adapter, serveClient: false });
  const store = createMessageStore(config, logger);
  const push = new PushService({
    io,
    config,
    presence: plumbing.presence,
    clock: systemClock,
    metrics,
    logger,
    durable: new StoreDurableLane(store, io, config, logger),
  });
  const queue = new JobQueue(CONCURRENCY, () => runtime.reportNow());
  const webhooks = config.webhooks.urls.length > 0 ? new WebhookSender(store.webhooks, config.webhooks, systemClock, logger, metrics, `${nodeId}:${process.pid}`) : undefined;
  webhooks?.start();

  // Each job waits its turn in the queue (CONCURRENCY at once).
  primary.serve({
    'task.push': ({ request, origin }) => queue.submit(() => push.push(request, origin)),
    'task.cleanup': () =>
      queue.submit(async () => {
        // Reported before they are deleted; a failure here is logged and the cleanup goes on.
        const now = Date.now();
        const expired = await enqueueExpired(store.webhooks, config.webhooks, now).catch((err: Error) => {
          logger.warn('message.expired webhook events not written', { error: err.message });
          return { events: 0, capped: false };
        });
        if (expired.capped) logger.warn('message.expired: more expired messages than one run reports; the rest go unreported', expired);
        const deleted = await store.cleanup(now, { cursorRetentionMs: config.delivery.cursorRetention * 1000 });
        if (deleted.messages + deleted.cursors > 0) logger.info('expired messages and stale cursors deleted', deleted);
        return deleted;
      }),
    'task.webhooks': () => webhookOverview(store.webhooks, config),
  });

  runtime.onShutdown(async () => {
    await queue.idle();
    await webhooks?.close();
    io.close();
    await store.close();
    for (const client of plumbing.redisClients) client.disconnect();
  });
  runtime.ready(() => ({ ...baseReport('task', nodeId, index, startedAt), counters: { ...metrics.counters }, tasks: queue.counters() }));
}
