/**
 * The MessageStore contract as one test suite, run against every implementation
 * (store-mysql.test.ts, store-sqlite.test.ts). A target is one database; the suite opens as many
 * store instances on it as it needs (each with its own connections, like separate hosts).
 */
import { expect } from 'chai';
import type { GroupCommitOptions } from '../../shared/store/group-commit';
import { createHash } from 'node:crypto';
import type { IdempotencyClaim, MessageStore, NewMessage } from '../../shared/store/message-store';
import { LATEST_VERSION } from '../../shared/store/migrations';
import { rejection } from '../support/assertions';

export interface StoreTarget {
  /** A new store instance, with its own connections, on this target's database. */
  open(options?: { groupCommit?: Partial<GroupCommitOptions> }): MessageStore;
  /** Deletes the database. */
  drop(): Promise<void>;
}

export type TargetFactory = () => Promise<StoreTarget>;

const HOUR = 3_600_000;
let nextId = 0;

/** A uid no other test uses. */
export function uniqueUid(name: string): string {
  nextId += 1;
  return `${name}_${process.pid}_${nextId}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A message for `uid`, alive for an hour unless overridden. */
export function message(uid: string, overrides: Partial<NewMessage> = {}): NewMessage {
  nextId += 1;
  const now = Date.now();
  return {
    id: `push-${nextId}`,
    uid,
    event: 'message',
    data: JSON.stringify({ n: nextId }),
    topic: null,
    createdAt: now,
    expiresAt: now + HOUR,
    ...overrides,
  };
}

export function messages(uid: string, count: number, overrides: Partial<NewMessage> = {}): NewMessage[] {
  return Array.from({ length: count }, () => message(uid, overrides));
}


/** 1, 2, …, n. */
export function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

export function describeStore(name: string, createTarget: TargetFactory): void {
  describe(`${name}: the MessageStore contract`, function () {
    let target: StoreTarget;
    let store: MessageStore;
    const extraTargets: StoreTarget[] = [];
    const opened: MessageStore[] = [];

    /** Opens a store on `on` (default: the suite's database) that the suite closes afterwards. */
    function open(on: StoreTarget = target, options?: { groupCommit?: Partial<GroupCommitOptions> }): MessageStore {
      const s = on.open(options);
      opened.push(s);
      return s;
    }

    async function freshTarget(): Promise<StoreTarget> {
      const t = await createTarget();
      extraTargets.push(t);
      return t;
    }

    before(async function () {
      target = await createTarget();
      store = open();
      await store.migrate();
    });

    afterEach(async function () {
      // Keep the suite's main store; close every other one this test opened.
      await Promise.all(opened.splice(1).map((s) => s.close()));
      await Promise.all(extraTargets.splice(0).map((t) => t.drop()));
    });

    after(async function () {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await target?.drop();
    });

    describe('append', function () {
      it('numbers each uid 1, 2, 3 … in input order, separately per uid', async function () {
        const a = uniqueUid('a');
        const b = uniqueUid('b');
        expect(await store.append([message(a), message(b), message(a), message(a)])).to.deep.equal([1, 1, 2, 3]);
        expect(await store.append([message(b), message(a)])).to.deep.equal([2, 4]);
      });

      it('resolves an empty append with no seqs', async function () {
        expect(await store.append([])).to.deep.equal([]);
      });

      it('gives concurrent appends to one uid gap-free seqs, each message the seq it was told', async function () {
        const uid = uniqueUid('burst');
        const calls = Array.from({ length: 60 }, (_, i) => messages(uid, 1 + (i % 3)));
        const results = await Promise.all(calls.map((c) => store.append(c)));
        const all = results.flat();
        expect([...all].sort((x, y) => x - y)).to.deep.equal(oneTo(all.length));
        for (const seqs of results) for (let i = 1; i < seqs.length; i += 1) expect(seqs[i]).to.equal((seqs[i - 1] as number) + 1);
        const stored = await store.history(uid, 0, 1000, Date.now());
        const seqOf = new Map(stored.map((m) => [m.id, m.seq]));
        calls.forEach((c, i) => c.forEach((m, j) => expect(seqOf.get(m.id)).to.equal(results[i]?.[j])));
      });

      it('gives several store instances (separate connections, like separate hosts) strictly increasing, gap-free seqs for one uid', async function () {
        const uid = uniqueUid('hosts');
        const other = uniqueUid('hosts_other');
        const hosts = [open(), open(), open(), open()];
        const perHost = await Promise.all(
          hosts.map(async (host, h) => {
            const mine: { id: string; seq: number }[] = [];
            for (let i = 0; i < 15; i += 1) {
              // Mix in a second uid in varying order, so batches lock several seq rows.
              const batch = h % 2 === 0 ? [message(uid), message(other), message(uid)] : [message(other), message(uid)];
              const seqs = await host.append(batch);
              batch.forEach((m, k) => {
                if (m.uid === uid) mine.push({ id: m.id, seq: seqs[k] as number });
              });
            }
            return mine;
          }),
        );
        for (const mine of perHost) {
          for (let i = 1; i < mine.length; i += 1) expect(mine[i]?.seq).to.be.greaterThan(mine[i - 1]?.seq as number);
        }
        const all = perHost.flat();
        expect(all.map((m) => m.seq).sort((x, y) => x - y)).to.deep.equal(oneTo(all.length));
        const stored = await store.history(uid, 0, 1000, Date.now());
        expect(stored.map((m) => m.seq)).to.deep.equal(oneTo(all.length));
        const seqOf = new Map(stored.map((m) => [m.id, m.seq]));
        for (const m of all) expect(seqOf.get(m.id)).to.equal(m.seq);
        expect((await store.history(other, 0, 1000, Date.now())).map((m) => m.seq)).to.deep.equal(oneTo(60));
      });

      it('keeps every field as given, unicode data and topics included', async function () {
        const uid = uniqueUid('fields');
        const now = Date.now();
        const input: NewMessage[] = [
          { id: '01J9ZQ3K4M-push.a:1', uid, event: 'chat.new', data: '{"text":"héllo 世界 🎉","q":"\\"quoted\\""}', topic: null, createdAt: now - 5, expiresAt: now + HOUR },
          { id: 'push-b', uid, event: 'message', data: '[1,2,3]', topic: 'room.42', createdAt: now, expiresAt: now + 2 * HOUR },
        ];
        await store.append(input);
        const stored = await store.history(uid, 0, 10, now);
        expect(stored).to.deep.equal(input.map((m, i) => ({ ...m, seq: i + 1 })));
      });

      it('treats uids that differ only in case as different users', async function () {
        const base = uniqueUid('case');
        expect(await store.append([message(`${base}Bob`), message(`${base}bob`), message(`${base}BOB`)])).to.deep.equal([1, 1, 1]);
      });

      it('writes a push to 10,000 uids in one call', async function () {
        const prefix = uniqueUid('fanout');
        const now = Date.now();
        const batch = Array.from({ length: 10_000 }, (_, i) => message(`${prefix}_${i}`, { id: 'push-fanout', createdAt: now }));
        const seqs = await store.append(batch);
        expect(seqs).to.have.length(10_000);
        expect(seqs.every((s) => s === 1)).to.equal(true);
        for (const i of [0, 4321, 9999]) {
          const [stored] = await store.history(`${prefix}_${i}`, 0, 10, now);
          expect(stored?.id).to.equal('push-fanout');
        }
        expect(await store.append([message(`${prefix}_9999`)])).to.deep.equal([2]);
      });

      it('refuses a call holding one malformed message, stores none of it, and does not fail its neighbours', async function () {
        const uid = uniqueUid('atomic');
        const good = store.append([message(uid)]);
        const err = await rejection(store.append([message(uid), message(uid, { uid: 'not a uid!' })]));
        expect(err.code).to.equal('BAD_REQUEST');
        expect(await good).to.deep.equal([1]);
        expect((await store.history(uid, 0, 10, Date.now())).map((m) => m.seq)).to.deep.equal([1]);
      });

      for (const [what, bad] of [
        ['an event name with spaces', { event: 'no spaces' }],
        ['a push id longer than 64', { id: 'x'.repeat(65) }],
        ['a non-integer expiry', { expiresAt: 1.5 }],
        ['data that is not a string', { data: { a: 1 } as unknown as string }],
        ['a topic with a slash', { topic: 'a/b' }],
      ] as const) {
        it(`refuses ${what} with BAD_REQUEST`, async function () {
          const err = await rejection(store.append([message(uniqueUid('bad'), bad)]));
          expect(err.code).to.equal('BAD_REQUEST');
        });
      }
    });

    describe('cursors and replay', function () {
      it('replays, in seq order, only the messages past the device cursor', async function () {
        const uid = uniqueUid('replay');
        await store.append(messages(uid, 5));
        await store.saveCursors([{ uid, device: 'phone', seq: 2, at: Date.now() }]);
        const cursor = await store.getCursor(uid, 'phone');
        expect(cursor).to.equal(2);
        const { messages: replayed, truncated } = await store.replay(uid, cursor as number, 100, Date.now());
        expect(replayed.map((m) => m.seq)).to.deep.equal([3, 4, 5]);
        expect(truncated).to.equal(false);
      });

      it('keeps a separate cursor per device of one user', async function () {
        const uid = uniqueUid('devices');
        await store.append(messages(uid, 4));
        await store.saveCursors([
          { uid, device: 'phone', seq: 3, at: Date.now() },
          { uid, device: 'laptop', seq: 1, at: Date.now() },
        ]);
        const now = Date.now();
        const phone = await store.replay(uid, (await store.getCursor(uid, 'phone')) as number, 100, now);
        const laptop = await store.replay(uid, (await store.getCursor(uid, 'laptop')) as number, 100, now);
        expect(phone.messages.map((m) => m.seq)).to.deep.equal([4]);
        expect(laptop.messages.map((m) => m.seq)).to.deep.equal([2, 3, 4]);
      });

      it('returns no cursor for a device never seen', async function () {
        expect(await store.getCursor(uniqueUid('nobody'), 'tablet')).to.equal(undefined);
      });

      it('never moves a cursor backwards, within one call or across calls', async function () {
        const uid = uniqueUid('monotonic');
        await store.saveCursors([
          { uid, device: 'd1', seq: 7, at: 1000 },
          { uid, device: 'd1', seq: 5, at: 2000 },
        ]);
        expect(await store.getCursor(uid, 'd1')).to.equal(7);
        await store.saveCursors([{ uid, device: 'd1', seq: 4, at: 3000 }]);
        expect(await store.getCursor(uid, 'd1')).to.equal(7);
        await store.saveCursors([{ uid, device: 'd1', seq: 9, at: 4000 }]);
        expect(await store.getCursor(uid, 'd1')).to.equal(9);
      });

      it('replays the newest `limit` messages, ascending, and says older ones were dropped', async function () {
        const uid = uniqueUid('cap');
        await store.append(messages(uid, 10));
        const now = Date.now();
        const capped = await store.replay(uid, 0, 3, now);
        expect(capped.messages.map((m) => m.seq)).to.deep.equal([8, 9, 10]);
        expect(capped.truncated).to.equal(true);
        const exact = await store.replay(uid, 0, 10, now);
        expect(exact.messages.map((m) => m.seq)).to.deep.equal(oneTo(10));
        expect(exact.truncated).to.equal(false);
        const pastCursor = await store.replay(uid, 6, 4, now);
        expect(pastCursor).to.deep.include({ truncated: false });
        expect(pastCursor.messages.map((m) => m.seq)).to.deep.equal([7, 8, 9, 10]);
      });

      it('reads a gap oldest first, a page at a time, skipping another platform`s messages', async function () {
        const uid = uniqueUid('gap');
        await store.append([...messages(uid, 4), message(uid, { platform: 'ios' }), ...messages(uid, 3)]);
        const now = Date.now();
        expect((await store.gap(uid, 0, 3, now, 'web')).map((m) => m.seq)).to.deep.equal([1, 2, 3]);
        expect((await store.gap(uid, 3, 3, now, 'web')).map((m) => m.seq)).to.deep.equal([4, 6, 7]);
        expect((await store.gap(uid, 7, 3, now, 'web')).map((m) => m.seq)).to.deep.equal([8]);
        expect((await store.gap(uid, 3, 3, now, 'ios')).map((m) => m.seq)).to.deep.equal([4, 5, 6]);
        expect((await rejection(store.gap(uid, 0, 10, now, 'Not A Platform'))).code).to.equal('BAD_REQUEST');
      });

      it('replays a platform-filtered message only to devices of that platform; history shows it with its platform', async function () {
        const uid = uniqueUid('platform');
        await store.append([message(uid), message(uid, { platform: 'ios' }), message(uid, { platform: 'android' }), message(uid)]);
        const now = Date.now();
        expect((await store.replay(uid, 0, 100, now, 'ios')).messages.map((m) => m.seq)).to.deep.equal([1, 2, 4]);
        expect((await store.replay(uid, 0, 100, now, 'web')).messages.map((m) => m.seq)).to.deep.equal([1, 4]);
        expect((await store.replay(uid, 0, 100, now)).messages.map((m) => m.seq)).to.deep.equal([1, 2, 3, 4]);
        const history = await store.history(uid, 0, 100, now);
        expect(history.map((m) => m.platform ?? null)).to.deep.equal([null, 'ios', 'android', null]);
        expect((await rejection(store.replay(uid, 0, 10, now, 'Not A Platform'))).code).to.equal('BAD_REQUEST');
      });

      it('never returns an expired message (expiresAt <= now), from replay or history', async function () {
        const uid = uniqueUid('ttl');
        const now = Date.now();
        await store.append([
          message(uid, { expiresAt: now - 1 }),
          message(uid, { expiresAt: now + 60_000 }),
          message(uid, { expiresAt: now }),
          message(uid, { expiresAt: now + 1 }),
        ]);
        expect((await store.replay(uid, 0, 100, now)).messages.map((m) => m.seq)).to.deep.equal([2, 4]);
        expect((await store.history(uid, 0, 100, now)).map((m) => m.seq)).to.deep.equal([2, 4]);
        expect((await store.history(uid, 0, 100, now + 1)).map((m) => m.seq)).to.deep.equal([2]);
        // Expired messages do not count towards the cap either.
        expect(await store.replay(uid, 0, 2, now)).to.deep.include({ truncated: false });
      });
    });

    describe('history', function () {
      it('pages forward from a seq', async function () {
        const uid = uniqueUid('history');
        await store.append(messages(uid, 7));
        const now = Date.now();
        const pages: number[][] = [];
        let after = 0;
        for (;;) {
          const page = await store.history(uid, after, 3, now);
          if (page.length === 0) break;
          pages.push(page.map((m) => m.seq));
          after = page[page.length - 1]?.seq as number;
        }
        expect(pages).to.deep.equal([[1, 2, 3], [4, 5, 6], [7]]);
      });

      for (const [what, call] of [
        ['a limit of 0', (s: MessageStore) => s.history('u1', 0, 0, Date.now())],
        ['a negative afterSeq', (s: MessageStore) => s.replay('u1', -1, 10, Date.now())],
        ['a malformed uid', (s: MessageStore) => s.history('bad uid', 0, 10, Date.now())],
        ['a malformed device', (s: MessageStore) => s.getCursor('u1', 'bad device')],
        ['a fractional cursor seq', (s: MessageStore) => s.saveCursors([{ uid: 'u1', device: 'd', seq: 1.5, at: 1 }])],
      ] as const) {
        it(`refuses ${what} with BAD_REQUEST`, async function () {
          expect((await rejection(call(store))).code).to.equal('BAD_REQUEST');
        });
      }
    });

    describe('cleanup', function () {
      it('deletes expired messages and stale cursors in batches, and seqs continue afterwards', async function () {
        const t = await freshTarget();
        const s = open(t);
        await s.migrate();
        const uid = uniqueUid('cleanup');
        const now = Date.now();
        await s.append([...messages(uid, 25, { expiresAt: now - 1000 }), ...messages(uid, 5, { expiresAt: now + HOUR })]);
        await s.saveCursors([
          { uid, device: 'old1', seq: 1, at: now - 10 * HOUR },
          { uid, device: 'old2', seq: 1, at: now - 2 * HOUR },
          { uid, device: 'fresh', seq: 1, at: now - 1000 },
        ]);
        const result = await s.cleanup(now, { cursorRetentionMs: HOUR, batchSize: 10 });
        expect(result).to.deep.equal({ messages: 25, cursors: 2 });
        expect((await s.history(uid, 0, 100, 0)).map((m) => m.seq)).to.deep.equal([26, 27, 28, 29, 30]);
        expect(await s.getCursor(uid, 'old1')).to.equal(undefined);
        expect(await s.getCursor(uid, 'fresh')).to.equal(1);
        expect(await s.append([message(uid)])).to.deep.equal([31]);
        expect(await s.cleanup(now, { cursorRetentionMs: HOUR })).to.deep.equal({ messages: 0, cursors: 0 });
      });
    });

    describe('idempotency keys', function () {
      const hex = (n: number): string => createHash('sha256').update(`${process.pid}-${n}-${Math.random()}`).digest('hex');
      function claim(scope: string, owner: string, overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim {
        const now = Date.now();
        return { scope, fingerprint: 'f'.repeat(64), owner, now, expiresAt: now + HOUR, staleBefore: now - 10_000, ...overrides };
      }

      it('claims a new key once; a second call finds it pending, then done with the answer committed with the messages', async function () {
        const scope = hex(1);
        expect(await store.claimIdempotency(claim(scope, 'a'))).to.deep.equal({ kind: 'claimed' });
        expect(await store.claimIdempotency(claim(scope, 'b'))).to.deep.equal({ kind: 'pending', fingerprint: 'f'.repeat(64) });
        const uid = uniqueUid('idem');
        expect(await store.append([message(uid)], { scope, owner: 'a', answer: '{"id":"x"}' })).to.deep.equal([1]);
        expect(await store.claimIdempotency(claim(scope, 'c'))).to.deep.equal({ kind: 'done', fingerprint: 'f'.repeat(64), answer: '{"id":"x"}' });
      });

      it('commits a key answer in the same group-commit transaction as its neighbours, and keeps group commit working', async function () {
        const s = open(target, { groupCommit: { maxDelayMs: 20 } });
        const scopes = [hex(2), hex(3), hex(4)];
        for (const scope of scopes) await s.claimIdempotency(claim(scope, 'o'));
        const uid = uniqueUid('idem');
        const seqs = await Promise.all([
          s.append([message(uid)], { scope: scopes[0] as string, owner: 'o', answer: '"0"' }),
          s.append([message(uid)]),
          s.append([message(uid), message(uid)], { scope: scopes[1] as string, owner: 'o', answer: '"1"' }),
          s.append([message(uid)], { scope: scopes[2] as string, owner: 'o', answer: '"2"' }),
        ]);
        expect(seqs.flat().sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5]);
        for (const [i, scope] of scopes.entries()) {
          expect(await s.claimIdempotency(claim(scope, 'z'))).to.deep.include({ kind: 'done', answer: `"${i}"` });
        }
      });

      it('takes over a pending claim older than staleBefore, and a key past expiresAt', async function () {
        const stale = hex(5);
        const now = Date.now();
        await store.claimIdempotency(claim(stale, 'dead', { now: now - 60_000 }));
        expect(await store.claimIdempotency(claim(stale, 'alive'))).to.deep.equal({ kind: 'claimed' });
        const expired = hex(6);
        await store.claimIdempotency(claim(expired, 'old', { now: now - 2 * HOUR, expiresAt: now - HOUR }));
        await store.completeIdempotency({ scope: expired, owner: 'old', answer: '"old"' });
        expect(await store.claimIdempotency(claim(expired, 'new'))).to.deep.equal({ kind: 'claimed' });
      });

      it('reports the fingerprint a key was claimed with, and frees a released claim for the next call', async function () {
        const scope = hex(7);
        await store.claimIdempotency(claim(scope, 'a', { fingerprint: 'a'.repeat(64) }));
        expect(await store.claimIdempotency(claim(scope, 'b'))).to.deep.equal({ kind: 'pending', fingerprint: 'a'.repeat(64) });
        await store.releaseIdempotency(scope, 'b');
        expect(await store.claimIdempotency(claim(scope, 'b'))).to.deep.include({ kind: 'pending' });
        await store.releaseIdempotency(scope, 'a');
        expect(await store.claimIdempotency(claim(scope, 'b'))).to.deep.equal({ kind: 'claimed' });
      });

      it('lets only one of many concurrent store instances claim a key', async function () {
        const scope = hex(8);
        const stores = [store, open(), open(), open()];
        const states = await Promise.all(stores.map((s, i) => s.claimIdempotency(claim(scope, `owner-${i}`))));
        expect(states.filter((state) => state.kind === 'claimed')).to.have.length(1);
      });
    });

    describe('migrations and lifecycle', function () {
      it('applies the schema once; a second migrate() changes nothing', async function () {
        const s = open(await freshTarget());
        const first = await s.migrate();
        expect(first).to.deep.include({ from: 0, to: LATEST_VERSION });
        expect(first.applied.map((m) => m.version)).to.deep.equal(oneTo(LATEST_VERSION));
        const second = await s.migrate();
        expect(second).to.deep.equal({ kind: s.kind, from: LATEST_VERSION, to: LATEST_VERSION, applied: [] });
      });

      it('lets two hosts migrate at once, applying each version exactly once', async function () {
        const t = await freshTarget();
        const reports = await Promise.all([open(t).migrate(), open(t).migrate(), open(t).migrate()]);
        for (const report of reports) expect(report.to).to.equal(LATEST_VERSION);
        const applied = reports.flatMap((r) => r.applied.map((m) => m.version)).sort((a, b) => a - b);
        expect(applied).to.deep.equal(oneTo(LATEST_VERSION));
        expect(await open(t).append([message('after_migration')])).to.deep.equal([1]);
      });

      it('answers STORE_UNAVAILABLE, not a crash, on a database that was never migrated', async function () {
        const s = open(await freshTarget());
        expect((await rejection(s.append([message('u1')]))).code).to.equal('STORE_UNAVAILABLE');
        expect((await rejection(s.replay('u1', 0, 10, Date.now()))).code).to.equal('STORE_UNAVAILABLE');
        await s.ping();
      });

      it('commits appends already made when closed, then refuses new calls; close() is idempotent', async function () {
        const s = open(target, { groupCommit: { maxDelayMs: 50 } });
        const uid = uniqueUid('close');
        const pending = s.append(messages(uid, 3));
        await Promise.all([s.close(), s.close()]);
        expect(await pending).to.deep.equal([1, 2, 3]);
        expect((await rejection(s.append([message(uid)]))).code).to.equal('STORE_UNAVAILABLE');
        expect((await rejection(s.ping())).code).to.equal('STORE_UNAVAILABLE');
        await s.close();
        expect((await store.history(uid, 0, 10, Date.now())).map((m) => m.seq)).to.deep.equal([1, 2, 3]);
      });

      it('answers ping', async function () {
        await store.ping();
      });
    });
  });
}
