/**
 * The webhook sender and producer on a SQLite outbox with a fake clock and a fake POST: timing
 * rules (debounce, back-off doubling, dead-lettering after retryFor), batch size and order, one
 * sender per receiver between two senders, signatures, and the config refusals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfig, type HeraldConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { silentLogger } from '../../shared/logger';
import { SqliteMessageStore } from '../../shared/store/sqlite-store';
import { Metrics } from '../../server/metrics';
import { WebhookProducer } from '../../server/webhooks/webhook-producer';
import { backoffMs, WebhookSender, type PostResult } from '../../server/webhooks/webhook-sender';
import { verifyWebhook } from '../../server/webhooks/webhook-signature';
import { Registry } from 'prom-client';
import { createFakeClock, type FakeClock } from '../support/fake-clock';

const SECRET = 'unit-test-webhook-secret-0123456789';
const URL_A = 'http://receiver.invalid/a';

function webhookConfig(extra: Partial<HeraldConfig['webhooks']> = {}): HeraldConfig['webhooks'] {
  return { urls: [URL_A], secret: SECRET, events: ['user.online', 'user.offline', 'message.acked', 'message.expired'], batchSize: 3, retryFor: 60, debounce: 5, timeout: 1, ...extra };
}

interface Posted {
  at: number;
  ids: string[];
  types: string[];
}

describe('webhook sender and producer (fake clock)', function () {
  let dir: string;
  let store: SqliteMessageStore;
  let clock: FakeClock;
  let metrics: Metrics;
  let posted: Posted[];
  let answer: () => PostResult;
  const senders: WebhookSender[] = [];

  const post = async (_url: string, body: string, headers: Record<string, string>): Promise<PostResult> => {
    const ts = headers['X-Herald-Timestamp'] as string;
    expect(verifyWebhook(SECRET, ts, body, headers['X-Herald-Signature'] as string, clock.now() / 1000)).to.equal(true);
    const events = (JSON.parse(body) as { events: { id: string; type: string }[] }).events;
    posted.push({ at: clock.now(), ids: events.map((e) => e.id), types: events.map((e) => e.type) });
    return answer();
  };

  function sender(config = webhookConfig(), owner = 'task-1'): WebhookSender {
    const s = new WebhookSender(store.webhooks, config, clock, silentLogger(), metrics, owner, post);
    senders.push(s);
    return s;
  }

  beforeEach(async function () {
    dir = mkdtempSync(join(tmpdir(), 'herald-webhook-unit-'));
    clock = createFakeClock(1_800_000_000_000);
    store = new SqliteMessageStore({ path: join(dir, 'h.sqlite') }, { clock });
    await store.migrate();
    metrics = new Metrics({ registry: new Registry() });
    posted = [];
    answer = () => ({ ok: true });
  });
  afterEach(async function () {
    for (const s of senders.splice(0)) await s.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('debounces user.offline: a reconnect inside the debounce sends nothing, a late one both', async function () {
    const producer = new WebhookProducer(store.webhooks, webhookConfig(), clock, silentLogger(), metrics);
    producer.userOnline('amy');
    await producer.idle();
    producer.userOffline('amy');
    await producer.idle();
    await clock.tick(4000);
    producer.userOnline('amy'); // back inside the 5 s
    await producer.idle();
    await clock.tick(10_000);
    await sender().runOnce();
    expect(posted.flatMap((p) => p.types)).to.deep.equal(['user.online']);

    producer.userOffline('amy');
    producer.userOffline('amy'); // a second disconnect report: one event
    await producer.idle();
    await clock.tick(4999);
    await sender().runOnce();
    expect(posted).to.have.length(1);
    await clock.tick(1);
    await sender().runOnce();
    expect(posted.flatMap((p) => p.types)).to.deep.equal(['user.online', 'user.offline']);
    expect((await metrics.registry.getSingleMetricAsString('herald_webhook_events_total'))).to.include('type="user.offline",result="sent"} 1');
  });

  it('sends batches of batchSize in order, backs off 1 s doubling, and dead-letters after retryFor', async function () {
    const producer = new WebhookProducer(store.webhooks, webhookConfig(), clock, silentLogger(), metrics);
    const cursors = [1, 2, 3, 4, 5].map((seq) => ({ uid: 'bob', device: 'd1', seq, at: clock.now() }));
    for (const c of cursors) producer.acked([c]);
    await producer.idle();
    answer = () => ({ ok: false, error: 'HTTP 503' });
    const s = sender();
    const attempts: number[] = [];
    for (let i = 0; i < 200; i++) {
      const before = posted.length;
      await s.runOnce();
      if (posted.length > before) attempts.push(clock.now());
      await clock.tick(500);
    }
    const gaps = attempts.slice(1).map((at, i) => at - (attempts[i] as number));
    expect(gaps.slice(0, 4)).to.deep.equal([1000, 2000, 4000, 8000]);
    const first = posted[0] as Posted;
    expect(first.ids).to.have.length(3);
    expect(posted.slice(0, 6).every((p) => p.ids.join() === first.ids.join()), 'the same head batch each time').to.equal(true);
    const dead = await store.webhooks.dead(10);
    // All five were due at the start: every one is past retryFor by the end of the loop.
    expect(dead.map((d) => d.event.seq).sort()).to.deep.equal([1, 2, 3, 4, 5]);
    expect(dead[0]?.lastError).to.equal('HTTP 503');

    expect(await store.webhooks.stats()).to.include({ dead: 5, queued: 0 });
    expect(backoffMs(0)).to.equal(1000);
    expect(backoffMs(30)).to.equal(300_000);
  });

  it('has one sender per receiver: two senders on one outbox send each event once', async function () {
    const producer = new WebhookProducer(store.webhooks, webhookConfig({ batchSize: 2 }), clock, silentLogger(), metrics);
    for (let i = 0; i < 7; i++) producer.userOnline(`u${i}`);
    await producer.idle();
    const a = sender(webhookConfig({ batchSize: 2 }), 'task-a');
    const b = sender(webhookConfig({ batchSize: 2 }), 'task-b');
    await Promise.all([a.runOnce(), b.runOnce()]);
    const ids = posted.flatMap((p) => p.ids);
    expect(ids).to.have.length(7);
    expect(new Set(ids).size).to.equal(7);
    expect(posted.map((p) => p.ids.length)).to.deep.equal([2, 2, 2, 1]);
  });

  it('sends only the configured event types', async function () {
    const producer = new WebhookProducer(store.webhooks, webhookConfig({ events: ['message.acked'] }), clock, silentLogger(), metrics);
    producer.userOnline('cy');
    producer.userOffline('cy');
    producer.acked([{ uid: 'cy', device: 'd', seq: 9, at: clock.now() }]);
    await producer.idle();
    await clock.tick(10_000);
    await sender().runOnce();
    expect(posted.flatMap((p) => p.types)).to.deep.equal(['message.acked']);
  });
});

describe('webhook configuration', function () {
  const dir = (): string => mkdtempSync(join(tmpdir(), 'herald-config-'));

  function refusal(env: Record<string, string>): string {
    try {
      loadConfig({ env, configDir: dir() });
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      return (err as Error).message;
    }
    return expect.fail('expected a ConfigError');
  }

  it('is off by default', function () {
    const config = loadConfig({ env: {}, configDir: dir() });
    expect(config.webhooks).to.deep.include({ urls: [], batchSize: 100, retryFor: 3600, debounce: 5, timeout: 5 });
    expect(config.webhooks.events).to.have.length(4);
  });

  it('refuses URLs without a secret, a short secret, no task process, and a weak secret in online', function () {
    expect(refusal({ HERALD_WEBHOOK_URLS: 'https://main.example/hook' })).to.equal(
      'in webhooks.secret: is required when webhooks.urls is set (receivers check the signature with it)',
    );
    expect(refusal({ HERALD_WEBHOOK_URLS: 'https://main.example/hook', HERALD_WEBHOOK_SECRET: 'short' })).to.match(/^in webhooks\.secret \(HERALD_WEBHOOK_SECRET\): String must contain at least 16/);
    expect(refusal({ HERALD_WEBHOOK_URLS: 'ftp://main.example/hook', HERALD_WEBHOOK_SECRET: SECRET })).to.match(/^in webhooks\.urls/);
    expect(refusal({ HERALD_WEBHOOK_URLS: 'https://main.example/hook', HERALD_WEBHOOK_SECRET: SECRET, HERALD_TASK_PROCESSES: '0' })).to.match(/^in tasks\.processes.*keep at least 1/);
    expect(refusal({ HERALD_WEBHOOK_URLS: 'https://main.example/hook', HERALD_WEBHOOK_SECRET: SECRET, HERALD_WEBHOOK_EVENTS: 'user.online,user.gone' })).to.match(/^in webhooks\.events/);
    const online = { PUSH_ENV: 'online', HERALD_JWT_SECRET: 'j'.repeat(40), HERALD_API_KEYS: 'k'.repeat(40), HERALD_CORS_ORIGINS: 'https://main.example' };
    const onlineDir = dir();
    const fail = (env: Record<string, string>) => {
      try {
        loadConfig({ env: { ...online, ...env }, configDir: onlineDir });
      } catch (err) {
        return (err as Error).message;
      }
      return 'started';
    };
    expect(fail({ HERALD_WEBHOOK_URLS: 'https://main.example/hook', HERALD_WEBHOOK_SECRET: 's'.repeat(20) })).to.equal(
      'in webhooks.secret (HERALD_WEBHOOK_SECRET): online refuses a webhook secret shorter than 32 characters',
    );
    expect(fail({ HERALD_WEBHOOK_URLS: 'https://main.example/hook', HERALD_WEBHOOK_SECRET: 'k'.repeat(40) })).to.match(/also an API key/);
    expect(fail({ HERALD_WEBHOOK_URLS: 'https://main.example/hook', HERALD_WEBHOOK_SECRET: 's'.repeat(40) })).to.equal('started');
  });
});
