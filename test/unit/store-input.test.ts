/**
 * The store's own argument checks, cursor merging, and how database errors are classified.
 */
import { expect } from 'chai';
import { HeraldError } from '../../shared/errors';
import type { NewMessage } from '../../shared/store/message-store';
import { describeDriverError, isConnectionError, isLockConflict, isRetryable } from '../../shared/store/store-errors';
import { checkCursors, checkNewMessages, mergeCursors } from '../../shared/store/store-input';

const ok: NewMessage = { id: 'push-1', uid: 'u1', event: 'message', data: '{"a":1}', topic: null, createdAt: 1, expiresAt: 2 };

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(HeraldError).with.property('code', 'BAD_REQUEST');
    return (err as Error).message;
  }
  throw new Error('expected BAD_REQUEST');
}

describe('store input checks', function () {
  it('accepts a well-formed message', function () {
    checkNewMessages([ok, { ...ok, topic: 'room.1' }], 1024);
  });

  it('counts data in UTF-8 bytes against maxDataBytes', function () {
    checkNewMessages([{ ...ok, data: 'é'.repeat(5) }], 10);
    expect(refusal(() => checkNewMessages([{ ...ok, data: 'é'.repeat(6) }], 10))).to.match(/larger than 10 bytes/);
  });

  for (const [what, bad] of [
    ['an empty uid', { uid: '' }],
    ['a uid of 65 characters', { uid: 'u'.repeat(65) }],
    ['a non-ASCII uid', { uid: 'üser' }],
    ['a negative createdAt', { createdAt: -1 }],
    ['an unsafe integer expiry', { expiresAt: 2 ** 60 }],
    ['a missing topic (undefined, not null)', { topic: undefined }],
  ] as const) {
    it(`refuses ${what}`, function () {
      expect(refusal(() => checkNewMessages([ok, { ...ok, ...bad } as NewMessage], 1024))).to.match(/^message store: /);
    });
  }

  it('refuses cursors with a negative seq or a malformed device', function () {
    refusal(() => checkCursors([{ uid: 'u1', device: 'd', seq: -1, at: 0 }]));
    refusal(() => checkCursors([{ uid: 'u1', device: 'a b', seq: 1, at: 0 }]));
  });

  it('merges cursor updates to the highest seq and time per device, sorted by uid then device', function () {
    expect(
      mergeCursors([
        { uid: 'b', device: 'x', seq: 1, at: 5 },
        { uid: 'a', device: 'y', seq: 4, at: 1 },
        { uid: 'a', device: 'y', seq: 3, at: 9 },
        { uid: 'a', device: 'x', seq: 2, at: 2 },
      ]),
    ).to.deep.equal([
      { uid: 'a', device: 'x', seq: 2, at: 2 },
      { uid: 'a', device: 'y', seq: 4, at: 9 },
      { uid: 'b', device: 'x', seq: 1, at: 5 },
    ]);
  });
});

describe('store error classification', function () {
  it('retries deadlocks and lock waits', function () {
    expect(isLockConflict({ errno: 1213, code: 'ER_LOCK_DEADLOCK' })).to.equal(true);
    expect(isLockConflict({ errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' })).to.equal(true);
    expect(isRetryable({ errno: 1213 })).to.equal(true);
  });

  it('treats refused, lost and fatal connections as connection errors', function () {
    expect(isConnectionError({ code: 'ECONNREFUSED' })).to.equal(true);
    expect(isConnectionError({ code: 'PROTOCOL_CONNECTION_LOST' })).to.equal(true);
    expect(isConnectionError({ code: 'SOMETHING', fatal: true })).to.equal(true);
  });

  it('does not retry SQL errors', function () {
    expect(isRetryable({ errno: 1146, code: 'ER_NO_SUCH_TABLE' })).to.equal(false);
    expect(isRetryable(new Error('boom'))).to.equal(false);
  });

  it('describes an error by code and message', function () {
    expect(describeDriverError({ code: 'ER_NO_SUCH_TABLE', message: "Table 'x.herald_message' doesn't exist" })).to.equal(
      "ER_NO_SUCH_TABLE: Table 'x.herald_message' doesn't exist",
    );
    expect(describeDriverError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' })).to.equal('connect ECONNREFUSED 127.0.0.1:1');
    expect(describeDriverError('plain')).to.equal('plain');
  });
});
