/**
 * Durable delivery on MariaDB: two hosts writing to one user at once get one gap-free sequence;
 * a database that goes away turns durable pushes into 503s (never a false 200) while live-only
 * pushes keep flowing, and Herald recovers by itself when it returns.
 */
import { expect } from 'chai';
import { createConnection } from 'mysql2/promise';
import { deleteKeysWithPrefix } from '../../bench/servers/redis-keys';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, connect, next } from '../support/clients';
import { DurableClient } from '../support/durable-client';
import { startHost, uniqueId, type HeraldHost } from '../support/herald-host';
import { api } from '../support/http';
import { startMariaDb, type PrivateMariaDb } from '../support/mariadb-server';
import { sleep, waitFor } from '../support/wait';

const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });
const SHARED_MARIADB = 'mysql://root@127.0.0.1:3306';

async function withAdmin<T>(fn: (conn: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const conn = await createConnection(`${SHARED_MARIADB}/test`);
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

/** Runs `count` calls of `fn` with at most `parallel` at once. */
async function inParallel(count: number, parallel: number, fn: (i: number) => Promise<void>): Promise<void> {
  let nextIndex = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (nextIndex < count) await fn(nextIndex++);
    }),
  );
}

describe('durable delivery on MariaDB', function () {
  afterEach(function () {
    closeClients();
  });

  describe('two hosts pushing to one user at once', function () {
    const database = `herald_e2e_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const prefix = `${uniqueId('herald-durable')}:`;
    let a: HeraldHost;
    let b: HeraldHost;

    before(async function () {
      await withAdmin((c) => c.query(`CREATE DATABASE ${database}`));
      const env = { HERALD_MYSQL_URL: `${SHARED_MARIADB}/${database}`, HERALD_REDIS_URL: 'redis://127.0.0.1:6379', HERALD_REDIS_PREFIX: prefix };
      [a, b] = await Promise.all([startHost({ env }), startHost({ env })]);
    });
    after(async function () {
      await Promise.all([a?.stop(), b?.stop()]);
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${database}`));
      await deleteKeysWithPrefix('redis://127.0.0.1:6379', prefix);
    });

    it('gives the user strictly increasing, gap-free seqs, one per accepted push', async function () {
      const uid = uniqueId('two-hosts');
      const client = new DurableClient(a.url, { token: token(uid) }, 'watcher');
      await client.login();
      const accepted: string[] = [];
      await inParallel(200, 16, async (i) => {
        const host = i % 2 === 0 ? a : b;
        const answer = await api(host.url, '/api/v1/push', { body: { to: { uid }, data: { i } } });
        expect(answer.status, answer.text).to.equal(200);
        expect(answer.json.stored).to.equal(true);
        accepted.push(answer.json.id);
      });
      const history = await api(a.url, `/api/v1/users/${uid}/messages?limit=1000`);
      const seqs = history.json.messages.map((m: { seq: number }) => m.seq);
      expect(seqs).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(new Set(history.json.messages.map((m: { id: string }) => m.id))).to.deep.equal(new Set(accepted));
      await waitFor(() => client.handled().length === 200, 10_000, 'every push live on the client');
      expect(new Set(client.handled().map((r) => r.id))).to.deep.equal(new Set(accepted));
    });
  });

  describe('the database going away', function () {
    let db: PrivateMariaDb;
    let host: HeraldHost;

    before(async function () {
      db = await startMariaDb({ database: 'herald' });
      host = await startHost({ env: { HERALD_MYSQL_URL: db.url, HERALD_DB_TIMEOUT_MS: '1500' } });
    });
    after(async function () {
      await host?.stop();
      await db?.cleanup();
    });

    it('answers 503 STORE_UNAVAILABLE for durable pushes, never a false 200, keeps live pushes, and recovers by itself', async function () {
      const uid = uniqueId('outage');
      const client = new DurableClient(host.url, { token: token(uid) }, 'device');
      await client.login();
      const accepted: string[] = [];
      const outcomes: number[] = [];
      const pushOnce = async (i: number) => {
        const answer = await api(host.url, '/api/v1/push', { body: { to: { uid }, data: { i } } });
        outcomes.push(answer.status);
        if (answer.status === 200) {
          expect(answer.json.stored).to.equal(true);
          accepted.push(answer.json.id);
        } else {
          expect(answer.status, answer.text).to.equal(503);
          expect(answer.json.error.code).to.equal('STORE_UNAVAILABLE');
        }
      };
      // Pushes stream while the database stops.
      let i = 0;
      let streaming = true;
      const stream = (async () => {
        while (streaming) await pushOnce(i++);
      })();
      await sleep(300);
      await db.stop();
      await waitFor(() => outcomes.slice(-3).every((s) => s === 503) && outcomes.length > 3, 15_000, 'durable pushes to be refused');
      streaming = false;
      await stream;

      const ready = await waitFor(async () => {
        const answer = await api(host.url, '/readyz', { key: null });
        return answer.status === 503 ? answer : undefined;
      }, 8000, '/readyz to report the store');
      expect(ready.json.checks.store.ok).to.equal(false);
      // Live-only pushes do not need the store.
      const other = await connect(host.url);
      await call(other, 'login', { token: token(`${uid}-live`) });
      const got = next(other, 'message');
      const live = await api(host.url, '/api/v1/push', { body: { to: { uid: `${uid}-live` }, data: 'live', durable: false } });
      expect(live.status).to.equal(200);
      expect((await got).data).to.equal('live');

      await db.start();
      await waitFor(async () => (await api(host.url, '/api/v1/push', { body: { to: { uid }, data: 'back' } })).status === 200, 20_000, 'durable pushes to succeed again');
      await waitFor(async () => (await api(host.url, '/readyz', { key: null })).status === 200, 10_000, '/readyz to recover');

      // Every push that was answered 200 is stored, and reached the client (live or by replay).
      const history = await api(host.url, `/api/v1/users/${uid}/messages?limit=1000`);
      const stored = new Set(history.json.messages.map((m: { id: string }) => m.id));
      for (const id of accepted) expect(stored.has(id), `accepted push ${id} is stored`).to.equal(true);
      expect(accepted.length).to.be.greaterThan(0);
      expect(outcomes.filter((s) => s === 503).length).to.be.greaterThan(0);
      client.close();
      await client.login();
      await waitFor(() => accepted.every((id) => client.handled().some((r) => r.id === id)), 10_000, 'every accepted push on the client');
    });
  });
});
