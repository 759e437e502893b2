/**
 * Webhooks end to end on a real host (2 workers, 1 task process, embedded SQLite) and a real HTTP
 * receiver that checks every signature: user.online / user.offline with the debounce, message.acked
 * after a durable push acked by a real client, a receiver down for a while (every event arrives
 * once after dedupe, in order per user), dead letters after retryFor and their retry through the
 * API, a stalled receiver that does not slow pushes or logins, nothing in the outbox with
 * webhooks off, and two hosts sharing Redis and MariaDB (first/last connection cluster-wide, each
 * event sent once by the two hosts' task processes).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { deleteKeysWithPrefix } from '../../bench/servers/redis-keys';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { herald, heraldJson } from '../support/cli';
import { call, closeClients, connect } from '../support/clients';
import { DurableClient } from '../support/durable-client';
import { startHost, uniqueId, type HeraldHost } from '../support/herald-host';
import { api, push } from '../support/http';
import { sleep, waitFor } from '../support/wait';
import { WebhookReceiver, type ReceivedEvent } from '../support/webhook-receiver';
import { adminQuery, MYSQL_SERVER_URL } from '../support/mysql-admin';

const SECRET = 'webhook-test-secret-0123456789abcdef';
const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

async function login(url: string, uid: string) {
  const socket = await connect(url);
  const answer = await call(socket, 'login', { token: token(uid) });
  expect(answer.ok, JSON.stringify(answer)).to.equal(true);
  return socket;
}

function webhookEnv(receiver: WebhookReceiver, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HERALD_WEBHOOK_URLS: receiver.url,
    HERALD_WEBHOOK_SECRET: SECRET,
    HERALD_WEBHOOK_DEBOUNCE: '1',
    HERALD_WEBHOOK_TIMEOUT: '1',
    HERALD_TASK_PROCESSES: '1',
    ...extra,
  };
}

function ofUser(events: ReceivedEvent[], uid: string): ReceivedEvent[] {
  return events.filter((e) => e.uid === uid);
}

describe('webhooks (real host, SQLite, real receiver)', function () {
  this.timeout(60_000);
  let receiver: WebhookReceiver;
  let host: HeraldHost;

  before(async function () {
    receiver = await new WebhookReceiver(SECRET).start();
    host = await startHost({ env: webhookEnv(receiver) });
  });
  after(async function () {
    await host?.stop();
    await receiver?.close();
  });
  afterEach(function () {
    receiver.mode = 'ok';
    receiver.releaseStalled();
    closeClients();
  });

  it('sends user.online on the first connection and user.offline after the debounce, signed', async function () {
    const uid = uniqueId('presence');
    const first = await login(host.url, uid);
    const second = await login(host.url, uid);
    const online = await waitFor(() => ofUser(receiver.ofType('user.online'), uid)[0], 5000, 'user.online');
    expect(online).to.include({ type: 'user.online', uid });
    expect(online.id).to.match(/^evt_[0-9a-f]{32}$/);
    expect(online.at).to.be.within(Date.now() - 10_000, Date.now());
    first.disconnect();
    await sleep(1500);
    expect(ofUser(receiver.ofType('user.offline'), uid), 'one connection is left').to.have.length(0);
    const leftAt = Date.now();
    second.disconnect();
    const offline = await waitFor(() => ofUser(receiver.ofType('user.offline'), uid)[0], 5000, 'user.offline');
    expect(Date.now() - leftAt, 'sent after the 1 s debounce').to.be.at.least(900);
    expect(ofUser(receiver.events, uid).map((e) => e.type)).to.deep.equal(['user.online', 'user.offline']);
    expect(offline.at).to.be.at.least(online.at);
    expect(receiver.badSignatures).to.equal(0);
  });

  it('sends nothing for a reconnect inside the debounce', async function () {
    const uid = uniqueId('flap');
    const socket = await login(host.url, uid);
    await waitFor(() => ofUser(receiver.ofType('user.online'), uid)[0], 5000, 'user.online');
    socket.disconnect();
    await sleep(200);
    const again = await login(host.url, uid);
    await sleep(2500); // past the debounce and several sender rounds
    expect(ofUser(receiver.events, uid).map((e) => e.type)).to.deep.equal(['user.online']);
    again.disconnect();
    await waitFor(() => ofUser(receiver.ofType('user.offline'), uid)[0], 5000, 'the real user.offline');
  });

  it('sends message.acked once a durable push is acked by a real client', async function () {
    const uid = uniqueId('acked');
    await push(host.url, { to: { uid }, data: { n: 1 } });
    await push(host.url, { to: { uid }, data: { n: 2 } });
    const client = new DurableClient(host.url, { token: token(uid) }, 'phone-7');
    await client.login();
    await waitFor(() => client.arrivals.length === 2, 5000, 'the replay');
    await client.ack();
    const acked = await waitFor(() => ofUser(receiver.ofType('message.acked'), uid)[0], 5000, 'message.acked');
    expect(acked).to.include({ type: 'message.acked', uid, device: 'phone-7', seq: 2 });
    client.close();
  });

  it('sends message.expired for a message past its ttl that a known device had not acked, from the cleanup job', async function () {
    const uid = uniqueId('expired');
    const client = new DurableClient(host.url, { token: token(uid) }, 'old-phone');
    await push(host.url, { to: { uid }, data: { n: 1 } });
    await client.login();
    await waitFor(() => client.arrivals.length === 1, 5000, 'the first message');
    await client.ack(); // the device is known: its cursor is at 1
    client.close();
    const short = await push(host.url, { to: { uid }, data: { n: 2 }, ttl: 1 });
    const other = uniqueId('never-acked');
    await push(host.url, { to: { uid: other }, data: { n: 1 }, ttl: 1 }); // no device of this user is known
    await sleep(1200);
    const env = { HERALD_DATA_DIR: host.dataDir };
    const ran = await herald(['crontab', 'run', '--name=message-retention-cleanup'], env);
    expect(ran.stdout, ran.stderr).to.match(/ok/);
    const expired = await waitFor(() => ofUser(receiver.ofType('message.expired'), uid)[0], 5000, 'message.expired');
    expect(expired).to.deep.include({ type: 'message.expired', uid, seq: 2, messageId: short.id });
    expect(ofUser(receiver.events, other), 'no known device').to.have.length(0);
    const overview = await heraldJson(['task', 'webhooks'], env);
    expect(overview).to.deep.include({ enabled: true, receivers: 1 });
  });

  it('delivers every event once, in order per user, after the receiver was down for a while', async function () {
    receiver.mode = 'down';
    const uids = [uniqueId('down-a'), uniqueId('down-b'), uniqueId('down-c')];
    for (let round = 0; round < 3; round++) {
      for (const uid of uids) {
        const socket = await login(host.url, uid);
        socket.disconnect();
        await sleep(1100); // past the debounce: a real offline each time
      }
    }
    await waitFor(() => receiver.batches.length > 0, 5000, 'failed attempts');
    await sleep(2000);
    receiver.mode = 'ok';
    await waitFor(() => uids.every((uid) => ofUser(receiver.events, uid).length === 6), 20_000, 'every event after the outage');
    await sleep(1000);
    expect(uids.flatMap((uid) => ofUser(receiver.events, uid))).to.have.length(18);
    for (const uid of uids) {
      const mine = ofUser(receiver.events, uid);
      expect(mine.map((e) => e.type)).to.deep.equal(['user.online', 'user.offline', 'user.online', 'user.offline', 'user.online', 'user.offline']);
      const times = mine.map((e) => e.at);
      expect(times, 'in order of time').to.deep.equal([...times].sort((a, b) => a - b));
    }
    const failedBatches = receiver.batches.length;
    expect(failedBatches).to.be.greaterThan(1);
  });

  it('keeps pushes and logins fast while the receiver stalls', async function () {
    const measure = async (label: string) => {
      const uid = uniqueId(`latency-${label}`);
      const pushes: number[] = [];
      const logins: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        const socket = await login(host.url, `${uid}-${i}`);
        logins.push(performance.now() - t0);
        const t1 = performance.now();
        await push(host.url, { to: { uid: `${uid}-${i}` }, data: { i } });
        pushes.push(performance.now() - t1);
        socket.disconnect();
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
      return { push: median(pushes), login: median(logins) };
    };
    const calm = await measure('calm');
    receiver.mode = 'stall';
    await waitFor(() => receiver.batches.length > 0, 5000, 'a stalled request');
    const stalled = await measure('stalled');
    console.log(`      median push ${calm.push.toFixed(1)} → ${stalled.push.toFixed(1)} ms, login ${calm.login.toFixed(1)} → ${stalled.login.toFixed(1)} ms (receiver stalled)`);
    expect(stalled.push).to.be.below(calm.push * 3 + 50);
    expect(stalled.login).to.be.below(calm.login * 3 + 50);
  });
});

describe('webhooks: dead letters after retryFor', function () {
  this.timeout(60_000);
  let receiver: WebhookReceiver;
  let host: HeraldHost;

  before(async function () {
    receiver = await new WebhookReceiver(SECRET).start();
    receiver.mode = 'down';
    host = await startHost({ env: webhookEnv(receiver, { HERALD_WEBHOOK_RETRY_FOR: '2', HERALD_WEBHOOK_EVENTS: 'user.online' }) });
  });
  after(async function () {
    await host?.stop();
    await receiver?.close();
  });
  afterEach(closeClients);

  it('dead-letters events after retryFor, lists them, and sends them again on retry', async function () {
    const uid = uniqueId('dead');
    (await login(host.url, uid)).disconnect();
    const dead = await waitFor(async () => {
      const answer = await api(host.url, '/api/v1/webhooks/dead?limit=10');
      return answer.json.dead > 0 && answer.json.events.length > 0 ? answer.json : undefined;
    }, 15_000, 'a dead letter');
    expect(dead, JSON.stringify(dead)).to.include({ ok: true, enabled: true, queued: 0, dead: 1 });
    expect(dead.events[0]).to.include({ type: 'user.online', uid });
    expect(dead.events[0].event).to.include({ type: 'user.online', uid, id: dead.events[0].id });
    expect(dead.events[0].attempts).to.be.at.least(2);
    expect(dead.events[0].lastError).to.equal('HTTP 500');
    expect(receiver.ofType('user.offline'), 'events not configured are not sent').to.have.length(0);

    // The dashboard's Webhooks section (a task process answers it through the primary).
    const session = await api(host.url, '/api/v1/admin/login', { key: null, body: { apiKey: 'local-development-api-key' } });
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const overview = await api(host.url, '/api/v1/admin/overview', { key: null, headers: { cookie } });
    expect(overview.json.webhooks.ok, overview.text).to.equal(true);
    expect(overview.json.webhooks.result).to.deep.include({ enabled: true, receivers: 1, queued: 0, dead: 1, oldestPendingAt: null });
    expect(overview.json.webhooks.result.deadLetters[0]).to.deep.include({ id: dead.events[0].id, type: 'user.online', uid, lastError: 'HTTP 500' });

    const metrics = await api(host.url, '/metrics');
    expect(metrics.text).to.match(/herald_webhook_events_total\{type="user.online",result="dead"\} [1-9]/);

    receiver.mode = 'ok';
    const retried = await api(host.url, '/api/v1/webhooks/dead/retry', { body: {} });
    expect(retried.json).to.deep.equal({ ok: true, requeued: 1 });
    await waitFor(() => receiver.ofType('user.online')[0], 5000, 'the retried event');
    expect(receiver.events.map((e) => e.id)).to.deep.equal([dead.events[0].id]);
    // The sender deletes the batch once the receiver's 2xx is in: the receiver can log it a moment before.
    const after = await waitFor(async () => {
      const answer = await api(host.url, '/api/v1/webhooks/dead');
      return answer.json.queued === 0 ? answer.json : undefined;
    }, 5000, 'the retried event out of the queue');
    expect(after).to.include({ queued: 0, dead: 0 });
  });

  it('refuses the dead-letter API without the API key', async function () {
    expect((await api(host.url, '/api/v1/webhooks/dead', { key: null })).status).to.equal(401);
    expect((await api(host.url, '/api/v1/webhooks/dead/retry', { key: null, body: {} })).status).to.equal(401);
  });
});

describe('webhooks off (the default)', function () {
  this.timeout(30_000);
  let host: HeraldHost;
  before(async function () {
    host = await startHost();
  });
  after(async function () {
    await host?.stop();
  });
  afterEach(closeClients);

  it('writes nothing to the outbox', async function () {
    const uid = uniqueId('off');
    const client = new DurableClient(host.url, { token: token(uid) }, 'pad');
    await push(host.url, { to: { uid }, data: 1 });
    await client.login();
    await waitFor(() => client.arrivals.length === 1, 5000, 'the replay');
    await client.ack();
    client.close();
    await sleep(1500);
    const answer = await api(host.url, '/api/v1/webhooks/dead');
    expect(answer.json).to.deep.include({ ok: true, enabled: false, queued: 0, dead: 0, oldestPendingAt: null, events: [] });
  });
});

describe('webhooks on two hosts sharing Redis and MariaDB', function () {
  this.timeout(90_000);
  const SHARED_REDIS = 'redis://127.0.0.1:6379';
  const MYSQL = MYSQL_SERVER_URL;
  const prefix = `${uniqueId('herald-test')}:`;
  const database = `herald_test_${randomBytes(5).toString('hex')}`;
  let receiver: WebhookReceiver;
  let a: HeraldHost;
  let b: HeraldHost;

  const admin = (sql: string): Promise<void> => adminQuery(sql);

  before(async function () {
    receiver = await new WebhookReceiver(SECRET).start();
    await admin(`CREATE DATABASE \`${database}\``);
    const env = webhookEnv(receiver, { HERALD_REDIS_URL: SHARED_REDIS, HERALD_REDIS_PREFIX: prefix, HERALD_MYSQL_URL: `${MYSQL}/${database}` });
    a = await startHost({ env });
    b = await startHost({ env });
  });
  after(async function () {
    await Promise.all([a?.stop(), b?.stop()]);
    await deleteKeysWithPrefix(SHARED_REDIS, prefix);
    await admin(`DROP DATABASE IF EXISTS \`${database}\``);
    await receiver?.close();
  });
  afterEach(closeClients);

  it('sees first and last connections cluster-wide, and the two hosts\' task processes send each event once', async function () {
    const uid = uniqueId('both');
    const onA = await login(a.url, uid);
    const onB = await login(b.url, uid);
    onA.disconnect();
    await sleep(2000); // past the debounce: the user is still online on B
    expect(ofUser(receiver.events, uid).map((e) => e.type)).to.deep.equal(['user.online']);
    onB.disconnect();
    await waitFor(() => ofUser(receiver.ofType('user.offline'), uid)[0], 5000, 'user.offline');

    const many = Array.from({ length: 20 }, (_, i) => uniqueId(`many${i}`));
    for (const [i, u] of many.entries()) (await login(i % 2 === 0 ? a.url : b.url, u)).disconnect();
    await waitFor(() => many.every((u) => ofUser(receiver.events, u).length === 2), 15_000, 'every online and offline');
    expect(receiver.duplicates, 'no batch sent twice by the two hosts').to.equal(0);
    for (const u of many) expect(ofUser(receiver.events, u).map((e) => e.type)).to.deep.equal(['user.online', 'user.offline']);
  });
});
