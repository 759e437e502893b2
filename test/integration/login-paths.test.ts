/**
 * The handshake login and the `login` event through the real gateway wiring: one path, so the
 * same credential gives the same error (refused handshake vs error answer) and the same answer
 * (the `login` event after connect vs the ack).
 */
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, connect, connectAndReceive, connectError } from '../support/clients';
import { startInProcess, type InProcessHerald } from '../support/in-process';

describe('login on the handshake and by event (one path)', function () {
  let herald: InProcessHerald;

  before(async function () {
    herald = await startInProcess();
  });
  afterEach(function () {
    closeClients();
  });
  after(async function () {
    await herald.close();
  });

  for (const [what, auth] of [
    ['a token that is not a JWT', { token: 'not-a-jwt' }],
    ['a token signed with another secret', { token: signToken({ uid: 'x', secret: 'another-secret-0123456789abcdef', ttl: 600 }) }],
    ['an expired token', { token: signToken({ uid: 'x', secret: DEV_JWT_SECRET, ttl: -10 }) }],
  ] as const) {
    it(`refuses ${what} with the same error either way`, async function () {
      const socket = await connect(herald.url);
      const answer = await call(socket, 'login', auth);
      const refused = await connectError(herald.url, { auth });
      expect(answer.ok).to.equal(false);
      expect(answer.error.code).to.equal('AUTH_REJECTED');
      expect(refused.data).to.deep.equal(answer.error);
      expect(refused.message).to.equal(answer.error.message);
    });
  }

  it('answers a good login with the same fields either way', async function () {
    const auth = { token: signToken({ uid: 'same-1', secret: DEV_JWT_SECRET, ttl: 600 }), platform: 'ios', device: 'phone-1' };
    const socket = await connect(herald.url);
    const byEvent = await call(socket, 'login', auth);
    const { value: byHandshake } = await connectAndReceive(herald.url, 'login', { auth });
    const { serverTime: t1, ...event } = byEvent;
    const { serverTime: t2, ...handshake } = byHandshake;
    expect(handshake).to.deep.equal(event);
    expect(event).to.deep.include({ ok: true, uid: 'same-1', platform: 'ios', device: 'phone-1' });
    expect(t1).to.be.a('number');
    expect(t2).to.be.a('number');
    expect(Object.keys(byHandshake)).to.deep.equal(Object.keys(byEvent));
  });
});
