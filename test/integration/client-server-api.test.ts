/**
 * `@herald/client/server` (client/src/server.ts) against a real Herald (in-process, SQLite store):
 * push() and pushBatch() answer as the API does, a retried push carries the same idempotency key
 * (delivered once), and refusals throw HeraldApiError with Herald's code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { HeraldApi, HeraldApiError } from '../../client/src/server';
import { SqliteMessageStore } from '../../shared/store';
import { uniqueId } from '../support/herald-host';
import { api, LOCAL_API_KEY } from '../support/http';
import { startInProcess, type InProcessHerald } from '../support/in-process';

describe('server helpers of the SDK (@herald/client/server) against a real Herald', function () {
  this.timeout(30_000);
  let dir: string;
  let store: SqliteMessageStore;
  let herald: InProcessHerald;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'herald-server-api-'));
    store = new SqliteMessageStore({ path: join(dir, 'herald.sqlite') });
    await store.migrate();
    herald = await startInProcess({ store });
  });
  after(async function () {
    await herald?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = async (uid: string): Promise<unknown[]> =>
    ((await api(herald.url, `/api/v1/users/${uid}/messages`)).json.messages as { data: unknown }[]).map((m) => m.data);

  it('push() stores a uid push and answers id, stored and online', async function () {
    const uid = uniqueId('sdk');
    const answer = await new HeraldApi({ url: `${herald.url}/`, apiKey: LOCAL_API_KEY }).push({ to: { uid }, data: { n: 1 }, event: 'order.paid' });
    expect(answer).to.include({ ok: true, stored: true, online: 0 });
    expect(answer.id).to.be.a('string');
    expect(await stored(uid)).to.deep.equal([{ n: 1 }]);
  });

  it('pushBatch() answers each push in order; a bad one fails alone', async function () {
    const uid = uniqueId('sdk');
    const results = await new HeraldApi({ url: herald.url, apiKey: LOCAL_API_KEY }).pushBatch([
      { to: { uid }, data: 1 },
      { to: { uid: 'not a uid!' }, data: 2 },
      { to: { uid }, data: 3, durable: false },
    ]);
    expect(results.map((r) => r.ok)).to.deep.equal([true, false, true]);
    expect(results[1]).to.have.nested.property('error.code', 'BAD_REQUEST');
    expect(results[2]).to.include({ stored: false });
    expect(await stored(uid)).to.deep.equal([1]);
  });

  it('retries a call whose answer was lost with the same idempotency key: stored once', async function () {
    const uid = uniqueId('sdk');
    const keys: (string | null)[] = [];
    let calls = 0;
    // The first answer is lost on the way back (Herald took the push); the retry must not store it again.
    const lossy: typeof fetch = async (input, init) => {
      keys.push(new Headers(init?.headers).get('idempotency-key'));
      const response = await fetch(input, init);
      if (++calls === 1) throw new TypeError('fetch failed: socket hang up');
      return response;
    };
    const client = new HeraldApi({ url: herald.url, apiKey: LOCAL_API_KEY, fetch: lossy, retryDelayMs: 10 });
    const answer = await client.push({ to: { uid }, data: 'once' });
    expect(answer.ok).to.equal(true);
    expect(keys).to.have.length(2);
    expect(keys[0]).to.be.a('string').and.equal(keys[1]);
    expect(await stored(uid)).to.deep.equal(['once']);
  });

  it('throws HeraldApiError with the status and code Herald answered, without retrying a 4xx', async function () {
    let calls = 0;
    const counting: typeof fetch = (input, init) => (calls++, fetch(input, init));
    const wrongKey = new HeraldApi({ url: herald.url, apiKey: 'not-a-key-0123456789', fetch: counting });
    const error = await wrongKey.push({ to: { uid: 'x' }, data: 1 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(HeraldApiError);
    expect(error).to.include({ status: 401, code: 'UNAUTHORIZED' });
    const empty = await new HeraldApi({ url: herald.url, apiKey: LOCAL_API_KEY, fetch: counting }).pushBatch([]).catch((e: unknown) => e);
    expect(empty).to.include({ status: 400, code: 'BAD_REQUEST' });
    expect(calls).to.equal(2);
  });

  it('gives up after the retries when Herald cannot be reached (status 0, NETWORK)', async function () {
    const client = new HeraldApi({ url: 'http://127.0.0.1:1', apiKey: LOCAL_API_KEY, retries: 1, retryDelayMs: 1 });
    const error = await client.push({ to: { uid: 'x' }, data: 1 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(HeraldApiError);
    expect(error).to.include({ status: 0, code: 'NETWORK' });
  });
});
