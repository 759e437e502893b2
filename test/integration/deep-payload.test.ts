/**
 * A push whose `data` is nested thousands of levels deep (a few KB of valid JSON) once overflowed
 * the stack of the cluster adapter's IPC serialization: every worker, the task and cron processes
 * and then the primary died (issue 11, item 7). Such a push is now refused before anything
 * recursive sees it: 400 through the API, a logged dead letter through PUBLISH, a dead letter on
 * the first read through the stream. The root hook also fails a test whose Herald processes log an
 * unhandled rejection or an uncaught exception.
 */
import { expect } from 'chai';
import { isAlive as alive } from '../../server/cli/control-client';
import Redis from 'ioredis';
import { deleteKeysWithPrefix } from '../../bench/servers/redis-keys';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, collect, connect, next, type Client } from '../support/clients';
import { startHost, uniqueId, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { heraldJson } from '../support/cli';
import { api } from '../support/http';
import { sleep, waitFor } from '../support/wait';

const SHARED_REDIS = 'redis://127.0.0.1:6379';
const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

/** `data` nested `depth` levels deep, as JSON text: `[[[…]]]`. */
function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** The exact request of the report: a push to `uid` whose data is `depth` arrays deep. */
function deepPushBody(uid: string, depth: number): string {
  return `{"to":{"uid":${JSON.stringify(uid)}},"data":${nestedArrays(depth)}}`;
}

/** Every process of the host (primary, workers, task, cron) as `name:pid`, from `herald process show`. */
async function processList(host: HeraldHost): Promise<string[]> {
  const rows = await heraldJson<{ pid: number; name: string }[]>(['process', 'show'], { PUSH_ENV: 'local', HERALD_DATA_DIR: host.dataDir });
  return rows.map((r) => `${r.name}:${r.pid}`);
}

async function loggedIn(url: string, uid: string): Promise<Client> {
  const socket = await connect(url);
  const answer = await call(socket, 'login', { token: token(uid) });
  expect(answer.ok, JSON.stringify(answer)).to.equal(true);
  return socket;
}

/** A normal push still reaches a logged-in client after the hostile one. */
async function normalPushStillDelivered(host: HeraldHost, socket: Client, uid: string): Promise<void> {
  const got = next(socket, 'message');
  const answer = await api(host.url, '/api/v1/push', { body: { to: { uid }, data: { ok: 'still here' }, durable: false } });
  expect(answer.status, answer.text).to.equal(200);
  expect((await got).data).to.deep.equal({ ok: 'still here' });
}

describe('deep push data (embedded host, cluster adapter)', function () {
  let host: HeraldHost;
  let before: string[];

  beforeEach(async function () {
    host = await startHost();
    await waitForWorkers(host, 2);
    before = await waitFor(async () => {
      const list = await processList(host);
      return list.length === 5 ? list : undefined;
    }, 10_000, 'the primary, two workers, a task and a cron process');
  });
  afterEach(async function () {
    closeClients();
    await host?.stop();
  });

  it('answers 400 naming the limit to a 3,000-deep push; the host, every process and delivery survive', async function () {
    const uid = uniqueId('deep');
    const socket = await loggedIn(host.url, uid);
    const body = deepPushBody(uid, 3000);
    expect(Buffer.byteLength(body)).to.be.below(8 * 1024);
    const answer = await api(host.url, '/api/v1/push', { raw: body, headers: { 'content-type': 'application/json' } });
    expect(answer.status, answer.text).to.equal(400);
    expect(answer.json.error.code).to.equal('BAD_REQUEST');
    expect(answer.json.error.message).to.contain('push.maxDataDepth').and.to.contain('32');
    await sleep(300); // what a relayed message would have killed dies within milliseconds
    expect(host.child.exitCode, host.output()).to.equal(null);
    expect(await processList(host)).to.deep.equal(before);
    for (const entry of before) expect(alive(Number(entry.split(':').pop())), entry).to.equal(true);
    await normalPushStillDelivered(host, socket, uid);
  });

  it('answers 400, not 500, to a 5,000-deep push', async function () {
    const uid = uniqueId('deeper');
    const answer = await api(host.url, '/api/v1/push', { raw: deepPushBody(uid, 5000), headers: { 'content-type': 'application/json' } });
    expect(answer.status, answer.text).to.equal(400);
    expect(answer.json.error.message).to.contain('push.maxDataDepth');
    expect(host.output()).to.not.contain('RangeError');
  });

  it('accepts data exactly at the limit (32 levels) and delivers it', async function () {
    const uid = uniqueId('at-limit');
    const socket = await loggedIn(host.url, uid);
    const got = next(socket, 'message');
    const answer = await api(host.url, '/api/v1/push', { raw: deepPushBody(uid, 32), headers: { 'content-type': 'application/json' } });
    expect(answer.status, answer.text).to.equal(200);
    expect(JSON.stringify((await got).data)).to.equal(nestedArrays(32));
    const over = await api(host.url, '/api/v1/push', { raw: deepPushBody(uid, 33), headers: { 'content-type': 'application/json' } });
    expect(over.status).to.equal(400);
  });
});

describe('deep push data through Redis ingress', function () {
  const prefix = `${uniqueId('herald-deep')}:`;
  let redis: Redis;
  let host: HeraldHost;

  before(async function () {
    redis = new Redis(SHARED_REDIS);
    host = await startHost({ env: { HERALD_REDIS_URL: SHARED_REDIS, HERALD_REDIS_PREFIX: prefix } });
    await waitForWorkers(host, 2);
    await waitFor(() => redis.get(`${prefix}ingress:leader`), 8000, 'an ingress leader');
  });
  after(async function () {
    closeClients();
    await host?.stop();
    await deleteKeysWithPrefix(SHARED_REDIS, prefix);
    redis.disconnect();
  });

  async function deadLetters(): Promise<Record<string, string>[]> {
    const entries = (await redis.xrange(`${prefix}push:dead`, '-', '+')) as [string, string[]][];
    return entries.map(([, fields]) => {
      const out: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i] as string] = fields[i + 1] as string;
      return out;
    });
  }

  it('drops a 3,000-deep PUBLISH with a logged reason; the host lives and delivers the next push', async function () {
    const uid = uniqueId('deep-pub');
    const socket = await loggedIn(host.url, uid);
    const seen = collect(socket, 'message');
    await redis.publish(`${prefix}push`, deepPushBody(uid, 3000));
    const letter = await waitFor(async () => (await deadLetters()).find((l) => l.entry === 'publish' && l.msg?.includes(uid)), 5000, 'the logged rejection');
    expect(letter.reason).to.contain('push.maxDataDepth');
    await redis.publish(`${prefix}push`, JSON.stringify({ to: { uid }, data: 'after', durable: false }));
    await waitFor(() => seen.length === 1, 5000, 'the next push');
    expect(seen.map((p) => p.data)).to.deep.equal(['after']);
    expect(host.child.exitCode, host.output()).to.equal(null);
  });

  it('dead-letters a 3,000-deep stream entry with the reason on the first read, not after retries', async function () {
    const uid = uniqueId('deep-xadd');
    const socket = await loggedIn(host.url, uid);
    const seen = collect(socket, 'message');
    const stream = `${prefix}push:stream`;
    const id = await redis.xadd(stream, '*', 'msg', deepPushBody(uid, 3000));
    await redis.xadd(stream, '*', 'msg', JSON.stringify({ to: { uid }, data: 'after', durable: false }));
    await waitFor(() => seen.length === 1, 8000, 'the entry after the deep one');
    const letter = (await deadLetters()).find((l) => l.entry === id);
    expect(letter, 'dead letter of the deep entry').to.not.equal(undefined);
    expect(letter?.reason).to.contain('push.maxDataDepth');
    const pending = (await redis.xpending(stream, 'herald')) as [number, ...unknown[]];
    expect(pending[0]).to.equal(0);
    expect(host.child.exitCode, host.output()).to.equal(null);
  });
});
