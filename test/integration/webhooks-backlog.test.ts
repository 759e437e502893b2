/**
 * Opt-in measurement (HERALD_WEBHOOK_BACKLOG=1): how fast the task process's sender drains a
 * back-log of webhook events to a receiver that answers after 0, 50 or 250 ms, on SQLite and on
 * MariaDB, with the production sender (fetch, signing, leases) and batch size 100. The numbers
 * are in docs/WEBHOOKS.md. Skipped in the normal suite: it is a measurement, not a check.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createConnection } from 'mysql2/promise';
import { systemClock } from '../../shared/clock';
import { silentLogger } from '../../shared/logger';
import type { MessageStore } from '../../shared/store';
import { MysqlMessageStore } from '../../shared/store/mysql-store';
import { SqliteMessageStore } from '../../shared/store/sqlite-store';
import { newEventId, targetOf } from '../../shared/store/webhook-outbox';
import { Metrics } from '../../server/metrics';
import { WebhookSender } from '../../server/webhooks/webhook-sender';
import { Registry } from 'prom-client';
import { waitFor } from '../support/wait';

const EVENTS = 20_000;
const SERVER_URL = process.env.HERALD_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

(process.env.HERALD_WEBHOOK_BACKLOG === '1' ? describe : describe.skip)('webhook back-log drain (measurement)', function () {
  this.timeout(600_000);

  async function measure(kind: 'sqlite' | 'mysql', delayMs: number): Promise<string> {
    let received = 0;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received += (JSON.parse(Buffer.concat(chunks).toString()) as { events: unknown[] }).events.length;
        setTimeout(() => res.writeHead(204).end(), delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    const dir = mkdtempSync(join(tmpdir(), 'herald-backlog-'));
    const db = `herald_test_${randomBytes(5).toString('hex')}`;
    let store: MessageStore;
    if (kind === 'mysql') {
      const conn = await createConnection(SERVER_URL);
      await conn.query(`CREATE DATABASE \`${db}\``);
      await conn.end();
      store = new MysqlMessageStore({ url: `${SERVER_URL}/${db}` });
    } else {
      store = new SqliteMessageStore({ path: join(dir, 'h.sqlite') });
    }
    await store.migrate();
    const now = Date.now();
    const enqueueStart = performance.now();
    for (let i = 0; i < EVENTS; i += 500) {
      const events = Array.from({ length: 500 }, (_, j) => ({ id: newEventId(), type: 'message.acked' as const, at: now, uid: `u${(i + j) % 1000}`, device: 'd', seq: i + j }));
      await store.webhooks.enqueue([targetOf(url)], events);
    }
    const enqueueMs = performance.now() - enqueueStart;
    const config = { urls: [url], secret: 's'.repeat(32), events: ['message.acked' as const], batchSize: 100, retryFor: 3600, debounce: 5, timeout: 5 };
    const sender = new WebhookSender(store.webhooks, config, systemClock, silentLogger(), new Metrics({ registry: new Registry() }), 'bench');
    const start = performance.now();
    sender.start();
    await waitFor(() => received >= EVENTS, 600_000, 'the back-log', 20);
    const ms = performance.now() - start;
    await sender.close();
    expect((await store.webhooks.stats()).queued).to.equal(0);
    await store.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
    if (kind === 'mysql') {
      const conn = await createConnection(SERVER_URL);
      await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
      await conn.end();
    }
    const line = `${kind}, receiver answers after ${delayMs} ms: ${EVENTS} events in ${(ms / 1000).toFixed(1)} s = ${Math.round((EVENTS / ms) * 1000)} events/s (enqueue ${Math.round((EVENTS / enqueueMs) * 1000)} events/s in batches of 500)`;
    console.log(`      ${line}`);
    return line;
  }

  for (const kind of ['sqlite', 'mysql'] as const) {
    for (const delay of [0, 50, 250]) {
      it(`${kind}, receiver delay ${delay} ms`, async function () {
        await measure(kind, delay);
      });
    }
  }
});
