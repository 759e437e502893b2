/**
 * A real host (primary + 2 workers, no Redis) with the http verifier against a fake main site,
 * driven by real socket.io-client clients over websocket and over long-polling.
 */
import { expect } from 'chai';
import { FakeMainSite } from '../support/fake-main-site';
import { call, closeClients, collect, connect, connectAndReceive, next, type Client, type Transport } from '../support/clients';
import { startHost, uniqueId, type HeraldHost } from '../support/herald-host';
import { api, push } from '../support/http';
import { sleep, waitFor } from '../support/wait';

describe('cluster delivery (2 workers, cluster adapter)', function () {
  let site: FakeMainSite;
  let host: HeraldHost;

  before(async function () {
    site = await new FakeMainSite().start();
    host = await startHost({
      env: {
        HERALD_AUTH_VERIFIER: 'http',
        HERALD_AUTH_URL: site.url,
        HERALD_AUTH_CACHE_TTL: '0',
        HERALD_AUTH_TIMEOUT_MS: '500',
        HERALD_MAX_CONNECTIONS_PER_USER: '3',
      },
    });
  });
  after(async function () {
    await host?.stop();
    await site?.stop();
  });
  afterEach(function () {
    closeClients();
    site.mode = 'normal';
  });

  /** A uid known to the fake main site, with a ukey and a token. */
  function newUser(): { uid: string; ukey: string; token: string } {
    const uid = uniqueId('u');
    const user = { uid, ukey: `ukey-${uid}`, token: `token-${uid}` };
    site.allow(user.ukey, uid).allow(user.token, uid);
    return user;
  }

  async function sessionsOf(uid: string): Promise<{ node: string; platform: string; sid: string }[]> {
    const answer = await api(host.url, `/api/v1/online/${uid}`);
    expect(answer.status).to.equal(200);
    return answer.json.sessions;
  }

  for (const transport of ['websocket', 'polling'] as Transport[]) {
    describe(`over ${transport}`, function () {
      it('logs in with a ukey and answers with the session and the idle figures', async function () {
        const user = newUser();
        const socket = await connect(host.url, { transport });
        const answer = await call(socket, 'login', { ukey: user.ukey });
        expect(answer).to.include({ ok: true, uid: user.uid, platform: 'web', device: null, idleTimeout: 180, heartbeatInterval: 150 });
        expect(answer.serverTime).to.be.closeTo(Date.now(), 5000);
        expect(site.calls.at(-1)).to.include({ type: 'ukey', value: user.ukey, platform: 'web', ip: '127.0.0.1' });
      });

      it('logs in with a token on the handshake and announces the result', async function () {
        const user = newUser();
        const { value: answer } = await connectAndReceive(host.url, 'login', { transport, auth: { token: user.token, platform: 'ios', device: 'phone-1' } });
        expect(answer).to.include({ ok: true, uid: user.uid, platform: 'ios', device: 'phone-1' });
      });

      it('rejects an unknown credential with AUTH_REJECTED', async function () {
        const socket = await connect(host.url, { transport });
        const answer = await call(socket, 'login', { token: 'nobody-knows-this' });
        expect(answer.ok).to.equal(false);
        expect(answer.error.code).to.equal('AUTH_REJECTED');
        expect(socket.connected).to.equal(true);
      });

      it('answers AUTH_UNAVAILABLE when the verification API fails or does not answer', async function () {
        const user = newUser();
        const socket = await connect(host.url, { transport });
        site.mode = 'down';
        const failed = await call(socket, 'login', { ukey: user.ukey });
        expect(failed.error).to.include({ code: 'AUTH_UNAVAILABLE' });
        expect(failed.error.retryAfter).to.be.a('number');
        site.mode = 'hang';
        const hung = await call(socket, 'login', { ukey: user.ukey });
        expect(hung.error.code).to.equal('AUTH_UNAVAILABLE');
        site.mode = 'normal';
        const ok = await call(socket, 'login', { ukey: user.ukey });
        expect(ok).to.include({ ok: true, uid: user.uid });
      });

      it("delivers a push to a uid on both of the user's devices, on different workers", async function () {
        const user = newUser();
        const web = await connect(host.url, { transport });
        await call(web, 'login', { ukey: user.ukey });
        // Least-connection sends the next connection to the other worker; keep trying until it does.
        let app: Client | undefined;
        for (let i = 0; i < 6 && app === undefined; i++) {
          const candidate = await connect(host.url, { transport });
          await call(candidate, 'login', { token: user.token, platform: 'android' });
          const nodes = new Set((await sessionsOf(user.uid)).map((s) => s.node));
          if (nodes.size === 2) app = candidate;
          else candidate.disconnect();
        }
        expect(app, 'a second device on the other worker').to.not.equal(undefined);
        const webGot = next(web, 'message');
        const appGot = next(app as Client, 'order.paid');
        const answer = await push(host.url, { to: { uid: user.uid }, event: 'order.paid', data: { n: 1 } });
        // A push to a uid is durable by default: committed before the answer, with the user's seq.
        expect(answer).to.include({ stored: true, online: 2 });
        const received = await appGot;
        expect(received).to.include({ id: answer.id, seq: 1 });
        expect(received.data).to.deep.equal({ n: 1 });
        expect(received.ts).to.be.a('number');
        // The web socket listens for `message`, so it must not see `order.paid` there; send it one.
        const ephemeral = await push(host.url, { to: { uid: user.uid }, data: 'hello', durable: false });
        expect(ephemeral.stored).to.equal(false);
        const hello = await webGot;
        expect(hello.data).to.equal('hello');
        expect(hello).to.not.have.property('seq');
      });

      it('filters a push by platform', async function () {
        const user = newUser();
        const web = await connect(host.url, { transport });
        await call(web, 'login', { ukey: user.ukey });
        const ios = await connect(host.url, { transport });
        await call(ios, 'login', { token: user.token, platform: 'ios' });
        const webSeen = collect(web, 'message');
        const iosGot = next(ios, 'message');
        const answer = await push(host.url, { to: { uid: user.uid }, platform: 'ios', data: 'ios only' });
        expect(answer.online).to.equal(1);
        expect((await iosGot).data).to.equal('ios only');
        // A marker to everyone of this user: once web has it, an earlier ios-only push would have arrived first.
        const marker = next(web, 'marker');
        await push(host.url, { to: { uid: user.uid }, event: 'marker', data: 1 });
        await marker;
        expect(webSeen).to.have.length(0);
      });

      it('delivers topic pushes to subscribers, anonymous ones included for public topics', async function () {
        const user = newUser();
        const member = await connect(host.url, { transport });
        await call(member, 'login', { ukey: user.ukey });
        const anonymous = await connect(host.url, { transport });
        expect(await call(anonymous, 'subscribe', { topic: 'public.news' })).to.deep.equal({ ok: true });
        expect(await call(member, 'subscribe', { topic: 'public.news' })).to.deep.equal({ ok: true });
        expect(await call(member, 'subscribe', { topic: 'room.lobby' })).to.deep.equal({ ok: true });
        const refused = await call(anonymous, 'subscribe', { topic: 'room.lobby' });
        expect(refused.error.code).to.equal('NOT_LOGGED_IN');
        const foreign = await call(member, 'subscribe', { topic: 'user.someone-else' });
        expect(foreign.error.code).to.equal('FORBIDDEN');

        const a = next(anonymous, 'news');
        const m = next(member, 'news');
        await push(host.url, { to: { topic: 'public.news' }, event: 'news', data: 'extra' });
        expect(await a).to.include({ topic: 'public.news', data: 'extra' });
        expect(await m).to.include({ topic: 'public.news', data: 'extra' });
        const lobby = next(member, 'message');
        await push(host.url, { to: { topic: 'room.lobby' }, data: 'hi room' });
        expect(await lobby).to.include({ topic: 'room.lobby', data: 'hi room' });

        expect(await call(anonymous, 'unsubscribe', { topic: 'public.news' })).to.deep.equal({ ok: true });
        const seen = collect(anonymous, 'news');
        const marker = next(anonymous, 'marker');
        await push(host.url, { to: { topic: 'public.news' }, event: 'news', data: 'after unsubscribe' });
        await push(host.url, { to: { all: true }, event: 'marker', data: 1 });
        await marker;
        expect(seen).to.have.length(0);
      });

      it('delivers an all push to every connection, and an all push with a platform to that platform', async function () {
        const user = newUser();
        const anonymous = await connect(host.url, { transport });
        const android = await connect(host.url, { transport });
        await call(android, 'login', { token: user.token, platform: 'android' });
        const both = [next(anonymous, 'broadcast'), next(android, 'broadcast')];
        const answer = await push(host.url, { to: { all: true }, event: 'broadcast', data: 'everyone' });
        expect(answer.online).to.equal(null);
        for (const got of await Promise.all(both)) expect(got.data).to.equal('everyone');
        const androidOnly = next(android, 'broadcast');
        const anonymousSeen = collect(anonymous, 'broadcast');
        await push(host.url, { to: { all: true }, platform: 'android', event: 'broadcast', data: 'android' });
        expect((await androidOnly).data).to.equal('android');
        const marker = next(anonymous, 'marker');
        await push(host.url, { to: { all: true }, event: 'marker', data: 1 });
        await marker;
        expect(anonymousSeen).to.have.length(0);
      });

      it('stops user pushes to a socket that logged out, which stays connected', async function () {
        const user = newUser();
        const socket = await connect(host.url, { transport });
        await call(socket, 'login', { ukey: user.ukey });
        expect(await call(socket, 'logout', {})).to.deep.equal({ ok: true });
        expect(socket.connected).to.equal(true);
        expect(await sessionsOf(user.uid)).to.have.length(0);
        const seen = collect(socket, 'message');
        const answer = await push(host.url, { to: { uid: user.uid }, data: 'not for you' });
        expect(answer.online).to.equal(0);
        const marker = next(socket, 'marker');
        await push(host.url, { to: { all: true }, event: 'marker', data: 1 });
        await marker;
        expect(seen).to.have.length(0);
      });

      it('leaves the old user when a socket logs in as another uid', async function () {
        const first = newUser();
        const second = newUser();
        const socket = await connect(host.url, { transport });
        await call(socket, 'login', { ukey: first.ukey });
        await call(socket, 'login', { ukey: second.ukey });
        expect(await sessionsOf(first.uid)).to.have.length(0);
        expect(await sessionsOf(second.uid)).to.have.length(1);
        const seen = collect(socket, 'message');
        await push(host.url, { to: { uid: first.uid }, data: 'old' });
        const got = next(socket, 'message');
        await push(host.url, { to: { uid: second.uid }, data: 'new' });
        expect((await got).data).to.equal('new');
        expect(seen.map((p) => p.data)).to.deep.equal(['new']);
      });

      it('kicks the oldest connection when a user goes over the per-user limit (3 here)', async function () {
        const user = newUser();
        const sockets: Client[] = [];
        for (let i = 0; i < 3; i++) {
          const socket = await connect(host.url, { transport });
          await call(socket, 'login', { token: user.token, platform: 'android', device: `d${i}` });
          sockets.push(socket);
          await sleep(5);
        }
        const kicked = next(sockets[0] as Client, 'kick');
        const fourth = await connect(host.url, { transport });
        await call(fourth, 'login', { token: user.token, platform: 'android', device: 'd3' });
        expect(await kicked).to.deep.equal({ reason: 'too_many_connections', reconnect: false });
        await waitFor(() => !(sockets[0] as Client).connected, 5000, 'the oldest to be disconnected');
        const devices = (await sessionsOf(user.uid)).map((s) => (s as unknown as { device: string }).device).sort();
        expect(devices).to.deep.equal(['d1', 'd2', 'd3']);
        expect((sockets[1] as Client).connected).to.equal(true);
      });
    });
  }
});
