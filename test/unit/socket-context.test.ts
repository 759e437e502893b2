/**
 * The socket router's answers and the handlers' context, without a network: the answer goes
 * before what a handler left on `ctx.afterAnswer` (the login's replay), a failed request never
 * runs it, and the handshake login and the `login` event go through one path (LoginService.enter
 * and the router's answer code), so the same credential gives the same error and the same answer.
 */
import { expect } from 'chai';
import { Registry } from 'prom-client';
import type { Credential, Verifier } from '../../shared/auth';
import { HeraldError, toErrorBody } from '../../shared/errors';
import { silentLogger } from '../../shared/logger';
import { KeyedRateLimiter } from '../../shared/rate-limiter';
import { Metrics } from '../../server/metrics';
import { EventContext } from '../../server/socket/event-context';
import type { EventHandler } from '../../server/socket/event-handlers';
import { LoginService } from '../../server/socket/login-service';
import type { SessionManager } from '../../server/socket/session-manager';
import { SocketRouter } from '../../server/socket/socket-router';
import type { HeraldSocket } from '../../server/socket/types';
import { createFakeClock } from '../support/fake-clock';

/** What a fake socket saw, in order: answers, emitted events, after-answer work. */
type Seen = string[];

interface FakeSocket {
  socket: HeraldSocket;
  seen: Seen;
  /** Sends a packet through the router's middleware, as Socket.IO would. */
  send(event: string, payload: unknown, ack?: (answer: unknown) => void): void;
}

function fakeSocket(handshakeAuth: Record<string, unknown> = {}): FakeSocket {
  const seen: Seen = [];
  let middleware: ((packet: unknown[]) => void) | undefined;
  const fake = {
    id: 'sid-1',
    connected: true,
    data: { ip: '10.1.2.3', lastActive: 0 },
    handshake: { auth: handshakeAuth },
    use(fn: (packet: unknown[]) => void) {
      middleware = fn;
    },
    emit(event: string, payload: unknown) {
      seen.push(`emit ${event} ${JSON.stringify(payload)}`);
      return true;
    },
  };
  return {
    socket: fake as unknown as HeraldSocket,
    seen,
    send(event, payload, ack) {
      middleware?.(ack === undefined ? [event, payload] : [event, payload, ack]);
    },
  };
}

const metrics = () => new Metrics({ registry: new Registry() });
const clock = createFakeClock(1_700_000_000_000);
const anything = { safeParse: (data: unknown) => ({ success: true as const, data }) } as unknown as EventHandler['schema'];

function router(handlers: Record<string, EventHandler>, m = metrics()): SocketRouter {
  return new SocketRouter(handlers, { rate: 100, burst: 100 }, clock, m, silentLogger());
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('socket handler context', function () {
  it('runs after-answer work once, in the order it was left, only when told the answer went', function () {
    const ctx = new EventContext(fakeSocket().socket);
    const order: string[] = [];
    ctx.afterAnswer(() => order.push('first'));
    ctx.afterAnswer(() => order.push('second'));
    expect(order).to.deep.equal([]);
    ctx.answered();
    ctx.answered();
    expect(order).to.deep.equal(['first', 'second']);
  });

  for (const mode of ['sync', 'async'] as const) {
    it(`answers ${mode === 'sync' ? 'a sync' : 'an async'} handler first, then runs what it left on ctx.afterAnswer`, async function () {
      const client = fakeSocket();
      const handler: EventHandler = {
        schema: anything,
        run: (ctx) => {
          expect(ctx.socket).to.equal(client.socket);
          ctx.afterAnswer(() => client.seen.push('after'));
          return mode === 'sync' ? { n: 1 } : Promise.resolve({ n: 1 });
        },
      };
      router({ echo: handler }).attach(client.socket);
      client.send('echo', {}, (answer) => client.seen.push(`ack ${JSON.stringify(answer)}`));
      await tick();
      expect(client.seen).to.deep.equal(['ack {"ok":true,"n":1}', 'after']);
    });

    it(`never runs the after-answer work of ${mode === 'sync' ? 'a sync' : 'an async'} handler that fails`, async function () {
      const client = fakeSocket();
      const m = metrics();
      const handler: EventHandler = {
        schema: anything,
        run: (ctx) => {
          ctx.afterAnswer(() => client.seen.push('after'));
          const err = new HeraldError('FORBIDDEN', 'no');
          if (mode === 'sync') throw err;
          return Promise.reject(err);
        },
      };
      router({ echo: handler }, m).attach(client.socket);
      client.send('echo', {}, (answer) => client.seen.push(`ack ${JSON.stringify(answer)}`));
      await tick();
      expect(client.seen).to.deep.equal(['ack {"ok":false,"error":{"code":"FORBIDDEN","message":"no"}}']);
      expect((await m.rejected.get()).values.find((v) => v.labels.code === 'FORBIDDEN')?.value).to.equal(1);
    });
  }

  it('makes a new context per request, so concurrent requests keep their own after-answer work', async function () {
    const client = fakeSocket();
    let release: (() => void) | undefined;
    const handler: EventHandler = {
      schema: anything,
      run: (ctx, payload) => {
        const name = (payload as { name: string }).name;
        ctx.afterAnswer(() => client.seen.push(`after ${name}`));
        if (name === 'slow') return new Promise<object>((resolve) => (release = () => resolve({})));
        return {};
      },
    };
    router({ echo: handler }).attach(client.socket);
    client.send('echo', { name: 'slow' }, () => client.seen.push('ack slow'));
    client.send('echo', { name: 'fast' }, () => client.seen.push('ack fast'));
    release?.();
    await tick();
    expect(client.seen).to.deep.equal(['ack fast', 'after fast', 'ack slow', 'after slow']);
  });
});

describe('one login path for the handshake and the login event', function () {
  /** Accepts `good-<uid>`; refuses anything else the way the JWT verifier does. */
  const verifier: Verifier = {
    kind: 'jwt',
    verify: async (credential: Credential) => {
      if (!credential.value.startsWith('good-')) throw new HeraldError('AUTH_REJECTED', 'the token is not valid');
      return { uid: credential.value.slice(5) };
    },
  };

  /** A session manager that answers like the real one and leaves a replay for after the answer. */
  function fakeSessions(seen: () => Seen): SessionManager {
    return {
      establish: async (ctx: EventContext, uid: string, platform: string, device: string | null) => {
        ctx.afterAnswer(() => seen().push('replay'));
        return { uid, platform, device, serverTime: clock.now(), idleTimeout: 180, heartbeatInterval: 150 };
      },
    } as unknown as SessionManager;
  }

  function setup() {
    let current: Seen = [];
    const m = metrics();
    const logins = new LoginService(verifier, fakeSessions(() => current), new KeyedRateLimiter({ rate: 100, burst: 100 }, clock), m, clock, silentLogger());
    const handlers: Record<string, EventHandler> = {
      login: { schema: anything, run: (ctx, payload) => logins.login(ctx, payload as { token: string }) },
    };
    const r = router(handlers, m);
    return {
      metrics: m,
      /** The `login` event; resolves to what the socket saw. */
      async byEvent(auth: Record<string, unknown>): Promise<Seen> {
        const client = fakeSocket();
        current = client.seen;
        r.attach(client.socket);
        client.send('login', auth, (answer) => client.seen.push(`answer ${JSON.stringify(answer)}`));
        await tick();
        return client.seen;
      },
      /** The handshake as gateway.ts wires it; resolves to what the socket saw (or the refusal). */
      async byHandshake(auth: Record<string, unknown>): Promise<Seen> {
        const client = fakeSocket(auth);
        current = client.seen;
        try {
          await logins.verifyHandshake(client.socket);
        } catch (err) {
          return [`refused ${JSON.stringify({ ok: false, error: toErrorBody(err) })}`];
        }
        r.attach(client.socket);
        const verified = logins.takeHandshake(client.socket);
        if (verified !== undefined) r.emitAnswer(client.socket, 'login', (ctx) => logins.enter(ctx, verified));
        expect(logins.takeHandshake(client.socket)).to.equal(undefined);
        await tick();
        return client.seen;
      },
    };
  }

  it('gives the same error for the same bad credential either way', async function () {
    const login = setup();
    const event = await login.byEvent({ token: 'bad-token' });
    const handshake = await login.byHandshake({ token: 'bad-token' });
    const error = '{"ok":false,"error":{"code":"AUTH_REJECTED","message":"the token is not valid"}}';
    expect(event).to.deep.equal([`answer ${error}`]);
    expect(handshake).to.deep.equal([`refused ${error}`]);
    const failures = (await login.metrics.logins.get()).values.find((v) => v.labels.result === 'AUTH_REJECTED');
    expect(failures?.value).to.equal(2);
  });

  it('gives the same answer, then the replay, either way', async function () {
    const login = setup();
    const auth = { token: 'good-42', platform: 'ios', device: 'phone-1' };
    const answer = `{"ok":true,"uid":"42","platform":"ios","device":"phone-1","serverTime":${clock.now()},"idleTimeout":180,"heartbeatInterval":150}`;
    expect(await login.byEvent(auth)).to.deep.equal([`answer ${answer}`, 'replay']);
    expect(await login.byHandshake(auth)).to.deep.equal([`emit login ${answer}`, 'replay']);
    const ok = (await login.metrics.logins.get()).values.find((v) => v.labels.result === 'ok');
    expect(ok?.value).to.equal(2);
  });

  it('opens an anonymous connection when the handshake carries no credential', async function () {
    const login = setup();
    expect(await login.byHandshake({})).to.deep.equal([]);
  });
});
