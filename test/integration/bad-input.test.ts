/**
 * Malformed, oversized and unauthorized input against a real host: each gets the documented
 * error, nothing changes, and the host keeps serving (same worker processes, pushes still flow).
 */
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, connect, disconnected, next, type Client } from '../support/clients';
import { startHost, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { api, push } from '../support/http';

describe('bad input', function () {
  let host: HeraldHost;
  let workerPids: number[];
  const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });

  before(async function () {
    host = await startHost();
    workerPids = await waitForWorkers(host, 2);
  });
  after(async function () {
    await host?.stop();
  });
  afterEach(function () {
    closeClients();
  });

  /** Every test ends by proving the host still serves with the same workers. */
  afterEach(async function () {
    expect((await host.workerPids()).sort()).to.deep.equal([...workerPids].sort());
    const socket = await connect(host.url);
    await call(socket, 'login', { token: token('still-serving') });
    const got = next(socket, 'message');
    await push(host.url, { to: { uid: 'still-serving' }, data: 'ok' });
    expect((await got).data).to.equal('ok');
    socket.disconnect();
  });

  describe('socket events', function () {
    let socket: Client;
    beforeEach(async function () {
      socket = await connect(host.url);
    });

    const cases: [string, string, unknown, RegExp][] = [
      ['login without a payload', 'login', undefined, /\(payload\)/],
      ['login with neither ukey nor token', 'login', {}, /exactly one of ukey and token/],
      ['login with both ukey and token', 'login', { ukey: 'a', token: 'b' }, /exactly one/],
      ['login with a number as token', 'login', { token: 42 }, /^token: Expected string/],
      ['login with a 5,000-character token', 'login', { token: 'x'.repeat(5000) }, /^token: String must contain at most 4096/],
      ['login with an unknown field', 'login', { token: 'abc', admin: true }, /^unknown field "admin"$/],
      ['login with a bad platform', 'login', { token: 'abc', platform: 'Web Browser' }, /^platform: must match/],
      ['login with a string payload', 'login', 'token', /Expected object/],
      ['login with null', 'login', null, /Expected object/],
      ['subscribe with an empty topic', 'subscribe', { topic: '' }, /^topic: must match/],
      ['subscribe with a 200-character topic', 'subscribe', { topic: 't'.repeat(200) }, /^topic: must match/],
      ['subscribe with spaces in the topic', 'subscribe', { topic: 'public.a b' }, /^topic: must match/],
      ['subscribe with a numeric topic', 'subscribe', { topic: 7 }, /^topic: Expected string/],
      ['subscribe with a misspelt topic', 'subscribe', { topik: 'x' }, /^unknown field "topik"$/],
      ['ack with a misspelt seq', 'ack', { sek: 1 }, /^unknown field "sek"$/],
      ['ack with a negative seq', 'ack', { seq: -1 }, /^seq: Number must be greater than 0/],
      ['ack with a string seq', 'ack', { seq: '5' }, /^seq: Expected number/],
      ['heartbeat with an unknown field', 'heartbeat', { ping: 1 }, /^unknown field "ping"$/],
      ['logout with an array', 'logout', [1, 2], /Expected object/],
      ['an unknown event', 'launch_missiles', { now: true }, /unknown event "launch_missiles"/],
    ];
    for (const [title, event, payload, message] of cases) {
      it(`answers BAD_REQUEST to ${title}`, async function () {
        const answer = await call(socket, event, payload);
        expect(answer.ok).to.equal(false);
        expect(answer.error.code).to.equal('BAD_REQUEST');
        expect(answer.error.message).to.match(message);
        expect(socket.connected).to.equal(true);
      });
    }

    it('answers BAD_REQUEST to an event with two payloads', async function () {
      const answer = await socket.timeout(5000).emitWithAck('heartbeat', {}, {});
      expect(answer.error).to.deep.include({ code: 'BAD_REQUEST', message: 'send one payload object' });
    });

    it('answers NOT_LOGGED_IN to an ack before login', async function () {
      const answer = await call(socket, 'ack', { seq: 1 });
      expect(answer.error.code).to.equal('NOT_LOGGED_IN');
    });

    it('sends `rejected` for a failed request that has no ack callback', async function () {
      const rejected = next(socket, 'rejected');
      socket.emit('subscribe', { topic: 'no spaces allowed' });
      const payload = await rejected;
      expect(payload.event).to.equal('subscribe');
      expect(payload.error.code).to.equal('BAD_REQUEST');
      const unknown = next(socket, 'rejected');
      socket.emit('frobnicate');
      expect((await unknown).error.message).to.match(/unknown event "frobnicate"/);
    });

    it('accepts heartbeat with any body and without a payload', async function () {
      expect((await call(socket, 'heartbeat', { body: { anything: [1, 'two'] } })).ok).to.equal(true);
      expect((await call(socket, 'heartbeat')).ok).to.equal(true);
    });

    it('rate-limits a connection that floods events, with retryAfter', async function () {
      const answers = await Promise.all(Array.from({ length: 80 }, () => call(socket, 'heartbeat', {})));
      const limited = answers.filter((a) => a.ok === false);
      expect(limited.length).to.be.greaterThan(0);
      expect(limited[0].error.code).to.equal('RATE_LIMITED');
      expect(limited[0].error.retryAfter).to.be.at.least(1);
      expect(answers.filter((a) => a.ok === true).length).to.be.at.least(40);
    });

    it('closes a connection that sends a frame over maxPayloadBytes (64 KB), and only that one', async function () {
      const bystander = await connect(host.url);
      const gone = disconnected(socket);
      socket.emit('heartbeat', { body: 'x'.repeat(70 * 1024) });
      expect(await gone).to.be.oneOf(['transport close', 'transport error']);
      expect(bystander.connected).to.equal(true);
      expect((await call(bystander, 'heartbeat', {})).ok).to.equal(true);
    });
  });

  describe('HTTP API', function () {
    const good = { to: { uid: 'someone' }, data: { x: 1 } };

    it('answers 401 UNAUTHORIZED without an API key, with a wrong one, and with a malformed header', async function () {
      for (const call of [{ key: null }, { key: 'wrong-key-wrong-key' }, { key: null, headers: { authorization: 'Basic abc' } }]) {
        const answer = await api(host.url, '/api/v1/push', { body: good, ...call });
        expect(answer.status).to.equal(401);
        expect(answer.json).to.deep.equal({ ok: false, error: { code: 'UNAUTHORIZED', message: 'A valid API key is required (Authorization: Bearer <key>)' } });
      }
      expect((await api(host.url, '/api/v1/stats', { key: null })).status).to.equal(401);
    });

    it('answers 400 to malformed JSON, an empty body, and a JSON array', async function () {
      const bad = await api(host.url, '/api/v1/push', { raw: '{"to": {"uid": "a"', headers: { 'content-type': 'application/json' } });
      expect(bad.status).to.equal(400);
      expect(bad.json.error).to.deep.equal({ code: 'BAD_REQUEST', message: 'the body is not valid JSON' });
      const empty = await api(host.url, '/api/v1/push', { raw: '', headers: { 'content-type': 'application/json' } });
      expect(empty.json.error.message).to.match(/empty/);
      const array = await api(host.url, '/api/v1/push', { body: [good] });
      expect(array.status).to.equal(400);
    });

    it('answers 415 to a body that is not declared as JSON', async function () {
      const answer = await api(host.url, '/api/v1/push', { raw: JSON.stringify(good), headers: { 'content-type': 'text/plain' } });
      expect(answer.status).to.equal(415);
      expect(answer.json.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers 413 to a body over push.maxBodyBytes (1 MB)', async function () {
      const answer = await api(host.url, '/api/v1/push', { body: { to: { uid: 'a' }, data: 'x'.repeat(1100 * 1024) } });
      expect(answer.status).to.equal(413);
      expect(answer.json.error.code).to.equal('PAYLOAD_TOO_LARGE');
    });

    const invalid: [string, unknown, RegExp][] = [
      ['no target', { data: 1 }, /^to: is required and must be exactly one of \{ uid \}, \{ uids \}, \{ topic \}, \{ all: true \}/],
      ['two targets', { to: { uid: 'a', topic: 'b' }, data: 1 }, /^to/],
      ['a bad uid', { to: { uid: 'a b' }, data: 1 }, /^to.uid: must match/],
      ['an empty uids list', { to: { uids: [] }, data: 1 }, /^to.uids: Array must contain at least 1/],
      ['all: false', { to: { all: false }, data: 1 }, /^to/],
      ['an empty target', { to: {}, data: 1 }, /^to: must be exactly one of/],
      ['a target that is a string', { to: 'everyone', data: 1 }, /^to: Expected object/],
      ['data over push.maxDataBytes (64 KB)', { to: { uid: 'a' }, data: 'x'.repeat(65 * 1024) }, /^data: at most 65536 bytes/],
      ['no data', { to: { uid: 'a' } }, /^data: is required/],
      ['a reserved event name', { to: { uid: 'a' }, event: 'disconnect', data: 1 }, /^event: is a reserved event name/],
      ['an unknown field', { to: { uid: 'a' }, data: 1, priority: 'high' }, /^unknown field "priority"$/],
      ['a negative ttl', { to: { uid: 'a' }, data: 1, ttl: -5 }, /^ttl: Number must be greater than 0/],
      ['a bad platform', { to: { uid: 'a' }, data: 1, platform: 'iOS!' }, /^platform: must match/],
    ];
    for (const [title, body, message] of invalid) {
      it(`answers 400 BAD_REQUEST to a push with ${title}`, async function () {
        const answer = await api(host.url, '/api/v1/push', { body });
        expect(answer.status).to.equal(400);
        expect(answer.json.ok).to.equal(false);
        expect(answer.json.error.code).to.equal('BAD_REQUEST');
        expect(answer.json.error.message).to.match(message);
      });
    }

    it('answers 400 to more uids than push.maxUids (10,000)', async function () {
      const uids = Array.from({ length: 10_001 }, (_, i) => `u${i}`);
      const answer = await api(host.url, '/api/v1/push', { body: { to: { uids }, data: 1 } });
      expect(answer.status).to.equal(400);
      expect(answer.json.error.message).to.match(/at most 10000 uids/);
    });

    it('answers 400, not 500, to a polling request on a live session with a method other than GET or POST', async function () {
      const open = await fetch(`${host.url}/socket.io/?EIO=4&transport=polling`);
      const sid = (JSON.parse((await open.text()).slice(1)) as { sid: string }).sid;
      for (const method of ['PUT', 'DELETE', 'PATCH']) {
        const answer = await fetch(`${host.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method });
        expect(answer.status, method).to.equal(400);
      }
    });

    it('answers 404 to an unknown route and 405 to a wrong method', async function () {
      const missing = await api(host.url, '/api/v1/nothing-here');
      expect(missing.status).to.equal(404);
      expect(missing.json.error.code).to.equal('NOT_FOUND');
      const wrong = await api(host.url, '/api/v1/push');
      expect(wrong.status).to.equal(405);
      expect(wrong.headers.get('allow')).to.equal('POST');
    });

    it('answers 400 to an online query with a bad uid', async function () {
      const answer = await api(host.url, `/api/v1/online/${encodeURIComponent('no spaces')}`);
      expect(answer.status).to.equal(400);
      expect(answer.json.error.code).to.equal('BAD_REQUEST');
    });

    it('answers 400 to a kick with an unknown reason', async function () {
      const answer = await api(host.url, '/api/v1/kick', { body: { uid: 'a', reason: 'because' } });
      expect(answer.status).to.equal(400);
      expect(answer.json.error.message).to.match(/^reason: Invalid enum value/);
    });
  });
});
