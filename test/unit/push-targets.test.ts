/**
 * The push-target table (shared/protocol/push-targets.ts), the room names it gets from
 * server/socket/rooms.ts, and the one function that builds a push payload (push/push-payload.ts).
 */
import { expect } from 'chai';
import { loadConfig } from '../../shared/config';
import { describeZodError, PUSH_TARGETS, PushRequestSchema, routeTarget, TARGET_KINDS, type PushTarget, type TargetKind } from '../../shared/protocol';
import { emitPush } from '../../server/push/push-payload';
import { PushService, type PushServiceDeps } from '../../server/push/push-service';
import { identityRooms, isTopicPlatformRoom, isUserRoom, TARGET_ROOMS } from '../../server/socket/rooms';
import type { HeraldSocket } from '../../server/socket/types';

interface Case {
  to: PushTarget;
  durable: boolean;
  users: string[];
  rooms: string[];
  /** Rooms with `platform: 'ios'`. */
  iosRooms: string[];
  topic?: string;
}

/** One case per target: a target added to the table without one here fails the first test. */
const CASES: Record<TargetKind, Case> = {
  uid: { to: { uid: '42' }, durable: true, users: ['42'], rooms: ['u:42'], iosRooms: ['u:42/ios'] },
  uids: { to: { uids: ['1', '2', '1'] }, durable: true, users: ['1', '2'], rooms: ['u:1', 'u:2'], iosRooms: ['u:1/ios', 'u:2/ios'] },
  topic: { to: { topic: 'news' }, durable: false, users: [], rooms: ['t:news'], iosRooms: ['t:news/ios'], topic: 'news' },
  all: { to: { all: true }, durable: false, users: [], rooms: [], iosRooms: ['p:ios'] },
};

const message = (to: unknown) => {
  const parsed = PushRequestSchema.safeParse({ to, data: 1 });
  return parsed.success ? 'valid' : describeZodError(parsed.error);
};

describe('push targets', function () {
  it('has a case in this test for every target of the table, in table order', function () {
    expect(Object.keys(CASES)).to.deep.equal(TARGET_KINDS);
    expect(TARGET_KINDS).to.deep.equal(['uid', 'uids', 'topic', 'all']);
  });

  for (const [kind, c] of Object.entries(CASES) as [TargetKind, Case][]) {
    it(`routes a ${kind} push to its rooms and recipients, durable by default: ${c.durable}`, function () {
      expect(PushRequestSchema.parse({ to: c.to, data: 1 }).to).to.deep.equal(c.to);
      const plain = routeTarget(c.to, undefined, TARGET_ROOMS);
      expect(plain.kind).to.equal(kind);
      expect(plain.spec).to.equal(PUSH_TARGETS[kind]);
      expect(plain.spec.durableByDefault).to.equal(c.durable);
      expect(plain.route.users).to.deep.equal(c.users);
      expect(plain.route.rooms).to.deep.equal(c.rooms);
      expect(plain.route.topic).to.equal(c.topic);
      const ios = routeTarget(c.to, 'ios', TARGET_ROOMS).route;
      expect(ios.users).to.deep.equal(c.users);
      expect(ios.rooms).to.deep.equal(c.iosRooms);
      // A target that names users delivers each user's copy to its own room: one room per user.
      if (c.users.length > 0) expect(ios.rooms).to.have.length(c.users.length);
    });
  }

  it('rejects a mixed or an unknown target with the same messages as before the table', function () {
    const shapes = 'must be exactly one of { uid }, { uids }, { topic }, { all: true }';
    expect(message({ uid: 'a', topic: 'b' })).to.equal('to: unknown field "topic"');
    expect(message({ topic: 'a', all: true })).to.equal('to: unknown field "all"');
    expect(message({ device: 'x' })).to.equal(`to: ${shapes}`);
    expect(message({})).to.equal(`to: ${shapes}`);
    expect(message({ all: false })).to.equal(`to: ${shapes}`);
    expect(message(undefined)).to.equal(`to: is required and ${shapes}`);
    expect(message(null)).to.equal(`to: Expected object, received null; ${shapes}`);
    expect(message(['a'])).to.equal(`to: Expected object, received array; ${shapes}`);
    expect(message({ uid: 'a b' })).to.equal('to.uid: must match [A-Za-z0-9_.:@-]{1,64}');
    expect(message({ uids: [] })).to.equal('to.uids: Array must contain at least 1 element(s)');
    expect(message({ topic: 'a b' })).to.equal('to.topic: must match [A-Za-z0-9_.:-]{1,128}');
    expect(message({ uid: 7 })).to.equal('valid');
  });

  it('prepares a push from the table: kind, users, rooms, topic and the durable default', function () {
    const config = loadConfig({ env: {} });
    const service = new PushService({ config, clock: { now: () => 1000 } } as unknown as PushServiceDeps);
    for (const [kind, c] of Object.entries(CASES) as [TargetKind, Case][]) {
      const push = service.prepare({ to: c.to, data: { n: 1 }, platform: 'ios' });
      expect(push).to.include({ kind, durable: c.durable, topic: c.topic, ts: 1000, dataJson: '{"n":1}', event: 'message' });
      expect(push.uids).to.deep.equal(c.users);
      expect(push.rooms).to.deep.equal(c.iosRooms);
      expect(service.prepare({ to: c.to, data: 1, durable: !c.durable }).durable).to.equal(!c.durable);
    }
    const many = { uids: Array.from({ length: config.push.maxUids + 1 }, (_, i) => String(i)) };
    expect(() => service.prepare({ to: many, data: 1 })).to.throw(`to.uids: at most ${config.push.maxUids} uids per push`);
  });
});

describe('room names', function () {
  it('names the rooms a logged-in socket joins, and tells user and per-platform topic rooms apart', function () {
    expect(identityRooms('42', 'web')).to.deep.equal(['u:42', 'u:42/web', 'p:web']);
    expect(isUserRoom('u:42')).to.equal(true);
    expect(isUserRoom('u:42/web')).to.equal(false);
    expect(isUserRoom('t:news')).to.equal(false);
    expect(isTopicPlatformRoom('t:news/ios')).to.equal(true);
    expect(isTopicPlatformRoom('t:news')).to.equal(false);
    expect(isTopicPlatformRoom('u:42/web')).to.equal(false);
  });
});

describe('push payload', function () {
  const emitted: [string, object][] = [];
  const socket = { emit: (event: string, payload: object) => emitted.push([event, payload]) } as unknown as HeraldSocket;

  it('carries seq, prev and topic only when given', function () {
    emitted.length = 0;
    emitPush(socket, 'message', 'p1', { n: 1 }, 5, undefined);
    emitPush(socket, 'order.paid', 'p2', 'x', 6, 'news', 3);
    emitPush(socket, 'message', 'p3', null, 7, undefined, 9, 4);
    expect(emitted).to.deep.equal([
      ['message', { id: 'p1', data: { n: 1 }, ts: 5 }],
      ['order.paid', { id: 'p2', data: 'x', ts: 6, seq: 3, topic: 'news' }],
      ['message', { id: 'p3', data: null, ts: 7, seq: 9, prev: 4 }],
    ]);
    expect(Object.keys(emitted[0]?.[1] ?? {})).to.deep.equal(['id', 'data', 'ts']);
  });
});
