/**
 * The webhook outbox (shared/store/webhook-outbox.ts) on both stores — a SQLite file and a
 * throw-away MariaDB database: queue order, the debounced offline, the per-receiver lease (one
 * sender at a time, even between two store instances racing like two task processes), back-off
 * and dead letters, and the retry of dead letters.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { MessageStore } from '../../shared/store';
import { MysqlMessageStore } from '../../shared/store/mysql-store';
import { SqliteMessageStore } from '../../shared/store/sqlite-store';
import { newEventId, type WebhookEvent } from '../../shared/store/webhook-outbox';
import { adminQuery, MYSQL_SERVER_URL } from '../support/mysql-admin';

const SERVER_URL = MYSQL_SERVER_URL;

interface Target {
  open(): MessageStore;
  drop(): Promise<void>;
}

const admin = (sql: string): Promise<void> => adminQuery(sql);

const TARGETS: Record<string, () => Promise<Target>> = {
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-outbox-'));
    return { open: () => new SqliteMessageStore({ path: join(dir, 'herald.sqlite') }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  mysql: async () => {
    const name = `herald_test_${randomBytes(5).toString('hex')}`;
    await admin(`CREATE DATABASE \`${name}\``);
    return { open: () => new MysqlMessageStore({ url: `${SERVER_URL}/${name}` }), drop: () => admin(`DROP DATABASE IF EXISTS \`${name}\``) };
  },
};

function event(type: WebhookEvent['type'], uid: string, at: number, extra: Record<string, unknown> = {}): WebhookEvent {
  return { id: newEventId(), type, at, uid, ...extra };
}

for (const [kind, makeTarget] of Object.entries(TARGETS)) {
  describe(`webhook outbox (${kind})`, function () {
    let target: Target;
    let store: MessageStore;
    const others: MessageStore[] = [];
    let t = 1_800_000_000_000;

    before(async function () {
      target = await makeTarget();
      store = target.open();
      await store.migrate();
    });
    after(async function () {
      await Promise.all(others.map((s) => s.close()));
      await store?.close();
      await target?.drop();
    });
    beforeEach(function () {
      t += 10_000_000; // each test far past the last one's rows
    });

    it('keeps one queue per receiver, in order of readiness then insertion, hiding what is not ready', async function () {
      const a = event('user.online', 'u1', t);
      const b = event('message.acked', 'u1', t + 1, { device: 'd', seq: 3 });
      const later = event('user.offline', 'u1', t + 2);
      await store.webhooks.enqueue([`a${t}`.slice(0, 16), `b${t}`.slice(0, 16)], [a, b]);
      await store.webhooks.enqueue([`a${t}`.slice(0, 16)], [later], t + 5000);
      const head = await store.webhooks.head(`a${t}`.slice(0, 16), t + 10, 10);
      expect(head.map((r) => r.id)).to.deep.equal([a.id, b.id]);
      expect(JSON.parse(head[1]?.payload as string)).to.deep.equal(b);
      expect((await store.webhooks.head(`b${t}`.slice(0, 16), t + 10, 10)).map((r) => r.id)).to.deep.equal([a.id, b.id]);
      expect((await store.webhooks.head(`a${t}`.slice(0, 16), t + 5000, 10)).map((r) => r.id)).to.deep.equal([a.id, b.id, later.id]);
      expect((await store.webhooks.head(`a${t}`.slice(0, 16), t + 5000, 2)).map((r) => r.id)).to.deep.equal([a.id, b.id]);
      await store.webhooks.delivered(head.map((r) => r.seq));
      expect((await store.webhooks.head(`a${t}`.slice(0, 16), t + 5000, 10)).map((r) => r.id)).to.deep.equal([later.id]);
    });

    it('cancels a debounced offline that is not due yet, and only that', async function () {
      const uid = `flap${t}`;
      await store.webhooks.enqueue(['q1'], [event('user.offline', uid, t)], t + 5000);
      expect(await store.webhooks.hasPendingOffline(uid, t + 100)).to.equal(true);
      expect(await store.webhooks.cancelPendingOffline(uid, t + 100)).to.equal(true);
      expect(await store.webhooks.hasPendingOffline(uid, t + 100)).to.equal(false);
      expect(await store.webhooks.cancelPendingOffline(uid, t + 100)).to.equal(false);
      // Due already: it is the truth and goes out; a new online is a new session.
      await store.webhooks.enqueue(['q1'], [event('user.offline', uid, t)], t + 5000);
      expect(await store.webhooks.cancelPendingOffline(uid, t + 6000)).to.equal(false);
    });

    it('gives a receiver\'s lease to one owner at a time until it runs out or is released', async function () {
      const q = `lease${t}`.slice(0, 16);
      expect(await store.webhooks.lease(q, 'A', t, t + 1000)).to.equal(true);
      expect(await store.webhooks.lease(q, 'B', t + 500, t + 1500)).to.equal(false);
      expect(await store.webhooks.lease(q, 'A', t + 600, t + 1600), 'renewed by its owner').to.equal(true);
      expect(await store.webhooks.lease(q, 'B', t + 1601, t + 2601), 'taken once run out').to.equal(true);
      await store.webhooks.release(q, 'B');
      expect(await store.webhooks.lease(q, 'A', t + 1700, t + 2700)).to.equal(true);
    });

    it('lets exactly one of two store instances (two task processes) win each lease race', async function () {
      const second = target.open();
      others.push(second);
      for (let i = 0; i < 20; i++) {
        const q = `race${i}${t}`.slice(0, 16);
        const wins = await Promise.all([store.webhooks.lease(q, 'A', t, t + 1000), second.webhooks.lease(q, 'B', t, t + 1000)]);
        expect(wins.filter(Boolean), `race ${i}`).to.have.length(1);
      }
    });

    it('finds expired messages a known device had not acked, page by page', async function () {
      const uid = `exp${t}`;
      const lone = `lone${t}`;
      const msg = (u: string, i: number, expiresAt: number) => ({ id: `p${t}-${u}-${i}`, uid: u, event: 'message', data: '{}', topic: null, createdAt: t, expiresAt });
      await store.append([msg(uid, 1, t + 100), msg(uid, 2, t + 100), msg(uid, 3, t + 200), msg(uid, 4, t + 9_000_000), msg(lone, 1, t + 100)]);
      await store.saveCursors([{ uid, device: 'pad', seq: 1, at: t }]);
      const all = (await store.webhooks.expiredUnacked(t + 1000, undefined, 100)).filter((m) => m.uid === uid || m.uid === lone);
      expect(all.map((m) => [m.uid, m.seq])).to.deep.equal([[uid, 2], [uid, 3]]);
      expect(all[0]).to.deep.include({ pushId: `p${t}-${uid}-2`, expiresAt: t + 100 });
      const first = await store.webhooks.expiredUnacked(t + 1000, { expiresAt: t + 99, uid: '', seq: 0 }, 1);
      expect(first.map((m) => m.seq)).to.deep.equal([2]);
      const next = await store.webhooks.expiredUnacked(t + 1000, first[0], 1);
      expect(next.map((m) => m.seq)).to.deep.equal([3]);
    });

    it('backs a failed batch off, dead-letters it past retryFor, lists it and retries it', async function () {
      const q = `dead${t}`.slice(0, 16);
      const e = event('user.online', `dead${t}`, t);
      await store.webhooks.enqueue([q], [e]);
      const [row] = await store.webhooks.head(q, t, 10);
      expect(await store.webhooks.failed([row!.seq], t + 1000, 'HTTP 500', t - 3_600_000)).to.equal(0);
      const [again] = await store.webhooks.head(q, t + 10, 10);
      expect(again).to.include({ attempts: 1, nextAt: t + 1000 });
      expect(await store.webhooks.failed([row!.seq], t + 5000, 'timed out', t + 1)).to.equal(1);
      expect(await store.webhooks.head(q, t + 10_000, 10)).to.deep.equal([]);
      const dead = (await store.webhooks.dead(1000)).filter((d) => d.id === e.id);
      expect(dead).to.have.length(1);
      expect(dead[0]).to.deep.include({ target: q, type: 'user.online', uid: e.uid, event: e, attempts: 2, lastError: 'timed out' });
      const stats = await store.webhooks.stats();
      expect(stats.dead).to.be.at.least(1);
      expect(await store.webhooks.retryDead(t + 20_000, [e.id])).to.equal(1);
      const [back] = await store.webhooks.head(q, t + 20_000, 10);
      expect(back).to.include({ id: e.id, attempts: 0, nextAt: t + 20_000 });
    });
  });
}
