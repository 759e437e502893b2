/**
 * The hand check of common push bodies (shared/protocol/push-quick-check.ts) against the zod
 * schemas it stands in for: over thousands of generated bodies, valid and not, whenever the hand
 * check answers, the schema accepts the body and gives the very same request (fields, values, key
 * order: an Idempotency-Key's fingerprint is its JSON), and the checker the push path uses answers
 * exactly as the schema does, errors included. And the hand check must take the common bodies, or
 * it saves nothing.
 */
import { expect } from 'chai';
import { batchItemSchema } from '../../server/push/push-batch';
import {
  describeZodError,
  pushRequestChecker,
  pushRequestSchema,
  quickPushItem,
  quickPushRequest,
  TARGET_KINDS,
  type PushRequestLimits,
  type TargetKind,
} from '../../shared/protocol';

const LIMITS: PushRequestLimits = { maxDataDepth: 8 };

/** A small seeded generator, so a failure names a body that can be rebuilt. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { v: value };
  return value;
}

const ABSENT = Symbol('absent');

/** Values each field may take: valid ones, wrong ones, and odd ones; ABSENT leaves the field out. */
const POOLS: Record<string, unknown[]> = {
  to: [
    { uid: 'u1' },
    { uid: 'user.name@site:7' },
    { uid: 42 },
    { uid: 0 },
    { uid: -0 },
    { uid: -1 },
    { uid: 1.5 },
    { uid: 2 ** 53 },
    { uid: Number.MAX_SAFE_INTEGER },
    { uid: 1e21 },
    { uid: '' },
    { uid: 'x'.repeat(64) },
    { uid: 'x'.repeat(65) },
    { uid: 'a b' },
    { uid: null },
    { uid: undefined },
    { uids: ['a', 2, 'a'] },
    { uids: [] },
    { uids: 'a' },
    { uids: ['ok', null] },
    { uids: [3.5] },
    { topic: 'news' },
    { topic: 'bad topic' },
    { topic: 7 },
    { all: true },
    { all: false },
    { all: 1 },
    { uid: 'a', all: true },
    { nope: 1 },
    {},
    null,
    [],
    'u1',
    JSON.parse('{"__proto__":{"x":1},"uid":"a"}'),
    Object.assign(Object.create(null), { uid: 'a' }),
    ABSENT,
  ],
  platform: ['web', 'ios', 'a_b-1', 'iOS', '', 'x'.repeat(17), 5, null, undefined, ABSENT, ABSENT],
  event: ['message', 'order.paid', 'x'.repeat(64), 'x'.repeat(65), 'login', 'disconnect', 'bad event', '', 7, undefined, ABSENT, ABSENT],
  data: [
    { a: 1 },
    'text',
    0,
    null,
    false,
    [1, [2, [3]]],
    nested(8),
    nested(9),
    JSON.parse('{"ok":{"__proto__":1}}'),
    { when: new Date(0) },
    undefined,
    ABSENT,
  ],
  durable: [true, false, 'true', 1, null, undefined, ABSENT, ABSENT],
  ttl: [60, 1, 365 * 24 * 3600, 365 * 24 * 3600 + 1, 0, -5, 1.5, '60', Number.NaN, Infinity, undefined, ABSENT, ABSENT],
  idempotencyKey: ['k-1', ' ', 'x'.repeat(128), 'x'.repeat(129), '', 'é', 5, undefined, ABSENT, ABSENT, ABSENT],
  extra: [1, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT],
};

/** A body from the pools, its fields in a random order; `withKey` draws an idempotencyKey too. */
function body(random: () => number, withKey: boolean): Record<string, unknown> {
  const fields = Object.keys(POOLS).filter((f) => withKey || f !== 'idempotencyKey');
  for (let i = fields.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [fields[i], fields[j]] = [fields[j] as string, fields[i] as string];
  }
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const pool = POOLS[field] as unknown[];
    const value = pool[Math.floor(random() * pool.length)];
    if (value !== ABSENT) out[field] = value;
  }
  return out;
}

const BODIES = 6000;

/** No field set to undefined, and a `to` with Object's own prototype: a body as JSON.parse makes it. */
function isPlainJson(input: Record<string, unknown>): boolean {
  return Object.values(input).every((v) => v !== undefined) && input.to !== null && typeof input.to === 'object' && Object.getPrototypeOf(input.to) === Object.prototype;
}

describe('push bodies: the hand check and the schema', function () {
  it('gives, whenever it answers, exactly what the schema gives (push bodies)', function () {
    const random = generator(16);
    const schema = pushRequestSchema(LIMITS);
    let quick = 0;
    let plainValid = 0;
    for (let i = 0; i < BODIES; i++) {
      const input = body(random, false);
      const expected = schema.safeParse(input);
      const got = quickPushRequest(input, LIMITS.maxDataDepth);
      // What the hand check must take: a valid body with no field set to undefined and a plain `to`
      // (JSON.parse never makes either).
      if (expected.success && isPlainJson(input)) {
        plainValid++;
        expect(got, `a plain valid body left to the schema: #${i} ${JSON.stringify(input)}`).to.not.equal(undefined);
      }
      if (got === undefined) continue;
      quick++;
      const label = `body #${i}: ${JSON.stringify(input)}`;
      expect(expected.success, label).to.equal(true);
      if (!expected.success) continue;
      expect(JSON.stringify(got), label).to.equal(JSON.stringify(expected.data));
      expect(got, label).to.deep.equal(expected.data);
      expect(got.data, `${label}: data is passed on, not copied`).to.equal(expected.data.data);
    }
    expect(plainValid, 'plain valid bodies generated').to.be.greaterThan(20);
    expect(quick, 'bodies the hand check took').to.equal(plainValid);
  });

  it('gives, whenever it answers, exactly what the item schema gives (batch items, with their key)', function () {
    const random = generator(61);
    const schema = batchItemSchema(LIMITS);
    let quick = 0;
    for (let i = 0; i < BODIES; i++) {
      const input = body(random, true);
      const got = quickPushItem(input, LIMITS.maxDataDepth);
      if (got === undefined) continue;
      quick++;
      const label = `item #${i}: ${JSON.stringify(input)}`;
      const expected = schema.safeParse(input);
      expect(expected.success, label).to.equal(true);
      if (!expected.success) continue;
      const { idempotencyKey, ...request } = expected.data;
      expect(got.idempotencyKey, label).to.equal(idempotencyKey);
      expect(JSON.stringify(got.request), label).to.equal(JSON.stringify(request));
      expect(got.request, label).to.deep.equal(request);
    }
    expect(quick).to.be.greaterThan(20);
  });

  it('answers through the push path checker as the schema does, errors and their wording included', function () {
    const random = generator(7);
    const schema = pushRequestSchema(LIMITS);
    const checker = pushRequestChecker(LIMITS);
    for (let i = 0; i < BODIES; i++) {
      const input = body(random, false);
      const label = `body #${i}: ${JSON.stringify(input)}`;
      const expected = schema.safeParse(input);
      const got = checker.safeParse(input);
      expect(got.success, label).to.equal(expected.success);
      if (got.success && expected.success) expect(JSON.stringify(got.data), label).to.equal(JSON.stringify(expected.data));
      if (!got.success && !expected.success) expect(describeZodError(got.error), label).to.equal(describeZodError(expected.error));
    }
  });

  it('takes the bodies the main site sends all day, for every kind of target', function () {
    const samples: Record<TargetKind, unknown> = {
      uid: { to: { uid: 1001 }, event: 'message', data: { title: 'hi' } },
      uids: { to: { uids: ['1001', '1002'] }, data: 'x', durable: false },
      topic: { to: { topic: 'news' }, platform: 'web', data: { n: 1 }, ttl: 600 },
      all: { to: { all: true }, data: null },
    };
    // A target added to the table without a sample here fails this line.
    expect(Object.keys(samples)).to.have.members(TARGET_KINDS);
    for (const kind of TARGET_KINDS) {
      const parsed = JSON.parse(JSON.stringify(samples[kind])) as unknown;
      expect(quickPushRequest(parsed, LIMITS.maxDataDepth), kind).to.deep.equal(pushRequestSchema(LIMITS).parse(parsed));
    }
    expect(quickPushItem({ to: { uid: 'a' }, data: 1, idempotencyKey: 'order-7' }, LIMITS.maxDataDepth)).to.deep.equal({
      request: { to: { uid: 'a' }, data: 1 },
      idempotencyKey: 'order-7',
    });
  });

  it('leaves to the schema what it is not sure of', function () {
    const quick = (v: unknown): unknown => quickPushRequest(v, LIMITS.maxDataDepth);
    expect(quick({ to: { uid: 'a' }, data: 1, platform: undefined }), 'a field present but undefined').to.equal(undefined);
    expect(quick(Object.assign(Object.create(null), { to: { uid: 'a' }, data: 1 })), 'not a plain object').to.equal(undefined);
    expect(quick({ to: { uid: 'a' }, data: 1, idempotencyKey: 'k' }), 'a batch-only field').to.equal(undefined);
    expect(quick({ to: { uid: 'a' } }), 'no data').to.equal(undefined);
    expect(quick([{ to: { uid: 'a' }, data: 1 }]), 'an array').to.equal(undefined);
  });
});
