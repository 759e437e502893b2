/**
 * POST /api/v1/push/batch against an in-process Herald with the embedded SQLite store: one answer
 * per push in order, the durable ones in one group commit, each user served in the batch's order,
 * a bad push failing alone, a malformed batch refused whole with nothing done, per-item
 * idempotency keys, and a store outage failing only the durable pushes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { HeraldError } from '../../shared/errors';
import { SqliteMessageStore, type MessageStore } from '../../shared/store';
import { call, closeClients, collect, connect } from '../support/clients';
import { uniqueId } from '../support/herald-host';
import { api, type ApiAnswer } from '../support/http';
import { startInProcess, type InProcessHerald } from '../support/in-process';
import { sleep, waitFor } from '../support/wait';

function batch(herald: InProcessHerald, pushes: unknown, raw?: string): Promise<ApiAnswer> {
  return api(herald.url, '/api/v1/push/batch', raw !== undefined ? { raw, headers: { 'content-type': 'application/json' } } : { body: { pushes } });
}

async function loggedIn(herald: InProcessHerald, uid: string): Promise<unknown[]> {
  const socket = await connect(herald.url, { transport: 'websocket' });
  await call(socket, 'login', { token: signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 }), device: 'd1' });
  return collect(socket, 'message');
}

async function history(herald: InProcessHerald, uid: string): Promise<{ id: string; seq: number; data: unknown }[]> {
  const answer = await api(herald.url, `/api/v1/users/${uid}/messages?limit=1000`);
  expect(answer.status, answer.text).to.equal(200);
  return answer.json.messages;
}

describe('POST /api/v1/push/batch', function () {
  this.timeout(30_000);
  let dir: string;
  let store: SqliteMessageStore;
  let herald: InProcessHerald;
  /** Calls of store.append: one per group-commit submission. */
  let appends: number;
  /** While set, store.append fails as an unreachable database does. */
  let storeDown: boolean;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'herald-batch-'));
    store = new SqliteMessageStore({ path: join(dir, 'herald.sqlite') });
    await store.migrate();
    const append = store.append.bind(store);
    const counted: MessageStore['append'] = (messages, completion) => {
      appends++;
      if (storeDown) return Promise.reject(new HeraldError('STORE_UNAVAILABLE', 'the database is away'));
      return append(messages, completion);
    };
    store.append = counted;
    herald = await startInProcess({ store });
  });
  beforeEach(function () {
    appends = 0;
    storeDown = false;
  });
  after(async function () {
    closeClients();
    await herald?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every push in order, commits the durable ones in one group commit and delivers them to each user in order', async function () {
    const [a, b] = [uniqueId('ba'), uniqueId('bb')];
    const receivedA = await loggedIn(herald, a);
    const receivedB = await loggedIn(herald, b);
    const pushes = [
      { to: { uid: a }, data: 1 },
      { to: { uid: a }, data: 2, durable: false },
      { to: { uids: [a, b] }, data: 3 },
      { to: { uid: b }, data: 4, event: 'notice' },
      { to: { uid: a }, data: 5 },
    ];
    const answer = await batch(herald, pushes);
    expect(answer.status, answer.text).to.equal(200);
    expect(answer.json.ok).to.equal(true);
    const results = answer.json.results as { ok: boolean; id: string; stored: boolean; online: number }[];
    expect(results.map((r) => [r.ok, r.stored, r.online])).to.deep.equal([
      [true, true, 1],
      [true, false, 1],
      [true, true, 2],
      [true, true, 1],
      [true, true, 1],
    ]);
    expect(new Set(results.map((r) => r.id)).size).to.equal(5);
    expect(appends, 'store.append calls').to.equal(1);
    await waitFor(() => receivedA.length >= 4, 5000, "a's pushes");
    await sleep(100);
    expect(receivedA.map((m) => (m as { data: number }).data)).to.deep.equal([1, 2, 3, 5]);
    expect(receivedA.map((m) => (m as { seq?: number }).seq)).to.deep.equal([1, undefined, 2, 3]);
    expect(receivedB.map((m) => (m as { data: number }).data)).to.deep.equal([3]);
    expect((await history(herald, b)).map((m) => m.data)).to.deep.equal([3, 4]);
  });

  it('fails a bad push alone, with the error POST /api/v1/push gives, and runs the others', async function () {
    const uid = uniqueId('bad');
    const answer = await batch(herald, [
      { to: { uid }, data: 'first' },
      { to: { uid: 'no spaces allowed' }, data: 1 },
      'not an object',
      { to: { uid }, data: 1, event: 'login' },
      { to: { uid }, data: 'x'.repeat(70_000) },
      { to: { uid }, data: 'last', extra: true },
      { to: { uid }, data: 'last' },
    ]);
    expect(answer.status, answer.text).to.equal(200);
    const results = answer.json.results as { ok: boolean; error?: { code: string; message: string } }[];
    expect(results.map((r) => r.ok)).to.deep.equal([true, false, false, false, false, false, true]);
    for (const r of results.filter((r) => !r.ok)) expect(r.error?.code).to.equal('BAD_REQUEST');
    expect(results[1]?.error?.message).to.match(/^to\.uid: /);
    expect(results[3]?.error?.message).to.match(/reserved event name/);
    expect(results[4]?.error?.message).to.match(/^data: at most 65536 bytes/);
    expect(results[5]?.error?.message).to.match(/extra/);
    expect((await history(herald, uid)).map((m) => m.data)).to.deep.equal(['first', 'last']);
  });

  it('refuses a malformed batch whole (400) and stores nothing', async function () {
    const uid = uniqueId('whole');
    const one = { to: { uid }, data: 1 };
    const cases: [string, ApiAnswer][] = [
      ['not an object', await batch(herald, undefined, '[1,2]')],
      ['pushes missing', await batch(herald, undefined, '{}')],
      ['pushes not an array', await batch(herald, { uid })],
      ['no pushes', await batch(herald, [])],
      ['1,001 pushes', await batch(herald, Array.from({ length: 1001 }, () => one))],
      ['another field', await batch(herald, undefined, JSON.stringify({ pushes: [one], extra: 1 }))],
      ['too many recipients', await batch(herald, Array.from({ length: 11 }, () => ({ to: { uids: Array.from({ length: 10_000 }, (_, i) => `r${i}`) }, data: 1 })))],
    ];
    for (const [what, answer] of cases) {
      expect(answer.status, `${what}: ${answer.text}`).to.equal(400);
      expect(answer.json.error.code, what).to.equal('BAD_REQUEST');
    }
    expect(cases[4]?.[1].json.error.message).to.equal('pushes: must hold 1 to 1000 pushes');
    expect(cases[6]?.[1].json.error.message).to.match(/at most 100000 recipients/);
    expect(appends).to.equal(0);
    expect(await history(herald, uid)).to.deep.equal([]);
  });

  it('takes a body over push.maxBodyBytes (1 MiB) up to push.maxBatchBodyBytes (16 MiB), and refuses a larger one with 413', async function () {
    const uid = uniqueId('big');
    const pushes = Array.from({ length: 40 }, (_, i) => ({ to: { uid }, data: `${i}`.padEnd(60_000, '.') }));
    const single = await api(herald.url, '/api/v1/push', { body: { to: { uid }, data: 'x'.repeat(1_100_000) } });
    expect(single.status).to.equal(413);
    const big = await batch(herald, pushes);
    expect(big.status, big.text.slice(0, 200)).to.equal(200);
    expect(big.json.results.every((r: { ok: boolean }) => r.ok)).to.equal(true);
    const tooBig = await batch(herald, Array.from({ length: 300 }, () => ({ to: { uid }, data: 'y'.repeat(60_000) })));
    expect(tooBig.status).to.equal(413);
    expect(tooBig.json.error.code).to.equal('PAYLOAD_TOO_LARGE');
    expect(await history(herald, uid)).to.have.length(40);
  });

  it('answers a repeated idempotencyKey with the first answer and stores nothing again, within a batch, across batches and with the header', async function () {
    const uid = uniqueId('idem');
    const received = await loggedIn(herald, uid);
    const [k1, k2] = [uniqueId('k'), uniqueId('k')];
    const first = await batch(herald, [
      { to: { uid }, data: 'one', idempotencyKey: k1 },
      { to: { uid }, data: 'two', idempotencyKey: k2, durable: false },
      { to: { uid }, data: 'one', idempotencyKey: k1 },
      { to: { uid }, data: 'other', idempotencyKey: k1 },
    ]);
    expect(first.status, first.text).to.equal(200);
    const [r1, r2, r3, r4] = first.json.results;
    expect(r1).to.include({ ok: true, stored: true });
    expect(r2).to.include({ ok: true, stored: false });
    expect(r3).to.deep.equal(r1);
    expect(r4.error.code).to.equal('IDEMPOTENCY_MISMATCH');
    const again = await batch(herald, [
      { to: { uid }, data: 'two', idempotencyKey: k2, durable: false },
      { to: { uid }, data: 'one', idempotencyKey: k1 },
      { to: { uid }, data: 'new' },
    ]);
    expect(again.status, again.text).to.equal(200);
    expect(again.json.results[0]).to.deep.equal({ ...r2, replayed: true });
    expect(again.json.results[1]).to.deep.include({ ok: true, id: r1.id, stored: true, replayed: true });
    const header = await api(herald.url, '/api/v1/push', { body: { to: { uid }, data: 'one' }, headers: { 'idempotency-key': k1 } });
    expect(header.json.id).to.equal(r1.id);
    expect(header.headers.get('idempotent-replayed')).to.equal('true');
    const bad = await batch(herald, [{ to: { uid }, data: 1, idempotencyKey: '' }]);
    expect(bad.json.results[0].error.code).to.equal('BAD_REQUEST');
    await waitFor(() => received.length >= 3, 5000, 'the pushes');
    await sleep(100);
    expect(received.map((m) => (m as { data: string }).data)).to.deep.equal(['one', 'two', 'new']);
    expect((await history(herald, uid)).map((m) => m.data)).to.deep.equal(['one', 'new']);
  });

  it('fails only the durable pushes when the store cannot commit, and delivers the ephemeral ones', async function () {
    const uid = uniqueId('down');
    const received = await loggedIn(herald, uid);
    storeDown = true;
    const answer = await batch(herald, [
      { to: { uid }, data: 'stored' },
      { to: { uid }, data: 'live', durable: false },
    ]);
    expect(answer.status, answer.text).to.equal(200);
    expect(answer.json.results[0]).to.deep.equal({ ok: false, error: { code: 'STORE_UNAVAILABLE', message: 'the database is away' } });
    expect(answer.json.results[1]).to.include({ ok: true, stored: false });
    await waitFor(() => received.length >= 1, 5000, 'the live push');
    expect(received.map((m) => (m as { data: string }).data)).to.deep.equal(['live']);
  });

  it('reports batch sizes and failed pushes in the metrics', async function () {
    const sizes = await herald.gateway.metrics.pushBatchItems.get();
    const count = sizes.values.find((v) => v.metricName === 'herald_push_batch_items_count')?.value ?? 0;
    expect(count).to.be.greaterThan(0);
    const failures = await herald.gateway.metrics.pushBatchFailures.get();
    expect(failures.values.find((v) => v.labels.code === 'BAD_REQUEST')?.value).to.be.greaterThan(0);
  });
});
