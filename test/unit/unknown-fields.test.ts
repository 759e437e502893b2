/**
 * An unknown field is named in the answer, before anything it explains: `subscribe { topik }`
 * answers `unknown field "topik"`, not `topic: Required`. Checked for every client event through
 * the handlers' own schemas (the table is typed by event name, so a new event without a case here
 * does not compile), for the handshake's `auth`, and for the formatting rules.
 */
import { expect } from 'chai';
import { z } from 'zod';
import { describeZodError, HandshakeAuthSchema, type ClientEventName } from '../../shared/protocol';
import { createEventHandlers, type EventHandlerDeps } from '../../server/socket/event-handlers';

/** A payload per event whose one key is a typo of the right one (or a field the event lacks). */
const TYPOS: Readonly<Record<ClientEventName, { payload: Record<string, unknown>; field: string }>> = {
  login: { payload: { tokn: 'abc' }, field: 'tokn' },
  logout: { payload: { all: true }, field: 'all' },
  heartbeat: { payload: { bdy: 1 }, field: 'bdy' },
  ack: { payload: { sek: 5 }, field: 'sek' },
  resync: { payload: { afer: 0 }, field: 'afer' },
  subscribe: { payload: { topik: 'x' }, field: 'topik' },
  unsubscribe: { payload: { topik: 'x' }, field: 'topik' },
};

/** The handlers read their dependencies only when they run; their schemas need none. */
const handlers = createEventHandlers({} as EventHandlerDeps);

function messageFor(schema: z.ZodTypeAny, payload: unknown, root?: string): string {
  const parsed = schema.safeParse(payload);
  expect(parsed.success, 'the payload should be refused').to.equal(false);
  return parsed.success ? '' : describeZodError(parsed.error, root);
}

describe('unknown fields in client payloads', function () {
  for (const event of Object.keys(TYPOS) as ClientEventName[]) {
    const { payload, field } = TYPOS[event];
    it(`${event} ${JSON.stringify(payload)} names the unknown field "${field}" first`, function () {
      expect(messageFor(handlers[event].schema, payload)).to.equal(`unknown field "${field}"`);
    });
  }

  it('names the unknown field even when the right one is also there', function () {
    expect(messageFor(handlers.subscribe.schema, { topic: 'news', topik: 'news' })).to.equal('unknown field "topik"');
  });

  it('still names the missing field when nothing is unknown', function () {
    expect(messageFor(handlers.subscribe.schema, {})).to.equal('topic: Required');
  });

  it('names the unknown field of the handshake auth under auth', function () {
    expect(messageFor(HandshakeAuthSchema, { tokne: 'abc' }, 'auth')).to.equal('auth: unknown field "tokne"');
    expect(messageFor(HandshakeAuthSchema, { token: 7 }, 'auth')).to.equal('auth.token: Expected string, received number');
  });

  it('lists several unknown fields, at most five, each cut to 64 characters', function () {
    expect(messageFor(handlers.ack.schema, { a: 1, b: 2 })).to.equal('unknown fields "a", "b"');
    const seven = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => [k, 1]));
    expect(messageFor(handlers.logout.schema, seven)).to.equal('unknown fields "a", "b", "c", "d", "e" and 2 more');
    const long = 'k'.repeat(5000);
    expect(messageFor(handlers.logout.schema, { [long]: 1 })).to.equal(`unknown field "${'k'.repeat(64)}…"`);
  });

  it('gives the path of a nested unknown field', function () {
    const schema = z.object({ to: z.object({ uid: z.string() }).strict() }).strict();
    expect(messageFor(schema, { to: { uid: 'a', uidd: 'b' } })).to.equal('to: unknown field "uidd"');
  });
});
