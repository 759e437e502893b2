/**
 * The SDK against the REAL Herald gateway (Socket.IO, HTTP API, idle sweeper, jwt verifier) in
 * this process, with ONE fake clock driving both: Herald's idle sweep (every 5 s, kick after 180 s)
 * and the SDK's heartbeat, reconnect and login timers run on the same timeline, while sockets and
 * HTTP stay real. Between clock steps the test lets real I/O happen.
 */
import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage, type HeraldClient, type HeraldClientOptions, type HeraldLifecycleEvents, type PushMeta } from '../../client/src';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { packageRoot } from '../../shared/paths';
import type { HeraldSocket } from '../../server/socket/types';
import { advanceInSteps, nextEvent, realDelay, recordLifecycle, testClient, until, type LoggedEvent } from '../support/client-harness';
import { call, closeClients, connect, next } from '../support/clients';
import { createFakeClock, type FakeClock } from '../support/fake-clock';
import { api, push } from '../support/http';
import { startInProcess, type InProcessHerald } from '../support/in-process';

type LifecycleName = keyof HeraldLifecycleEvents;

interface Seen {
  /** Shared-clock time when Herald saw it. */
  at: number;
  sid: string;
  event: string;
  payload: unknown;
}

function token(uid: string): string {
  return signToken({ uid, secret: DEV_JWT_SECRET, ttl: 86_400 });
}

/** A real in-process Herald, SDK clients on the same fake clock, and what Herald saw of them. */
class RealHeraldFixture {
  readonly storage = new MemoryStorage();
  /** Every event a client sent, in the order Herald received it. */
  readonly received: Seen[] = [];
  /** Every connection Herald accepted. */
  readonly connections: { at: number; sid: string }[] = [];
  private readonly clients: HeraldClient[] = [];
  private readonly logs = new Map<HeraldClient, LoggedEvent[]>();

  private constructor(
    readonly clock: FakeClock,
    readonly herald: InProcessHerald,
    private readonly configDir: string | undefined,
  ) {
    herald.gateway.io.on('connection', (socket: HeraldSocket) => {
      this.connections.push({ at: clock.now(), sid: socket.id });
      socket.onAny((event: string, payload: unknown) => {
        this.received.push({ at: clock.now(), sid: socket.id, event, payload });
      });
    });
  }

  /** `app` is merged into config/local/app.json (for settings without a HERALD_* variable). */
  static async start(options: { env?: Record<string, string>; app?: Record<string, unknown> } = {}): Promise<RealHeraldFixture> {
    const clock = createFakeClock();
    let configDir: string | undefined;
    const env = { ...options.env };
    if (options.app !== undefined) {
      configDir = mkdtempSync(join(tmpdir(), 'herald-client-config-'));
      cpSync(join(packageRoot(), 'config', 'local'), join(configDir, 'local'), { recursive: true });
      const file = join(configDir, 'local', 'app.json');
      const app = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      writeFileSync(file, JSON.stringify({ ...app, ...options.app }));
      env.HERALD_CONFIG_DIR = configDir;
    }
    const herald = await startInProcess({ clock, env });
    return new RealHeraldFixture(clock, herald, configDir);
  }

  client(options: Partial<HeraldClientOptions> = {}): HeraldClient {
    const client = testClient(this.herald.url, this.clock, this.storage, options);
    this.logs.set(client, recordLifecycle(client, this.clock));
    this.clients.push(client);
    return client;
  }

  log(client: HeraldClient, event: LifecycleName): LoggedEvent[] {
    return (this.logs.get(client) ?? []).filter((e) => e.event === event);
  }

  /** The `heartbeat` events Herald received from the socket `sid` (every socket if omitted). */
  heartbeats(sid?: string): Seen[] {
    return this.received.filter((e) => e.event === 'heartbeat' && (sid === undefined || e.sid === sid));
  }

  /** The sockets Herald holds now. */
  sockets(): HeraldSocket[] {
    return [...this.herald.gateway.io.of('/').sockets.values()];
  }

  /** Herald's socket of the logged-in `uid`. */
  socketOf(uid: string): HeraldSocket | undefined {
    return this.sockets().find((socket) => socket.data.uid === uid);
  }

  advance(ms: number, step = 5_000): Promise<void> {
    return advanceInSteps((n) => this.clock.tick(n), ms, step);
  }

  /** Ticks `ms`, then lets I/O happen for a moment. */
  async tick(ms: number): Promise<void> {
    await this.clock.tick(ms);
    await realDelay(20);
  }

  async cleanup(): Promise<void> {
    for (const client of this.clients) client.close();
    closeClients();
    await this.herald.close();
    if (this.configDir !== undefined) rmSync(this.configDir, { recursive: true, force: true });
  }
}

describe('client SDK against a real in-process Herald (one fake clock for Herald and the SDK)', function () {
  let fx: RealHeraldFixture;

  afterEach(async function () {
    await fx?.cleanup();
  });

  describe('with the default configuration', function () {
    beforeEach(async function () {
      fx = await RealHeraldFixture.start();
    });

    it('keeps a healthy idle client connected for a simulated hour while the idle kick is on', async function () {
      // A raw Socket.IO connection that sends nothing after its login: proof that the sweeper runs
      // on this timeline. (Logged in: an anonymous one goes after connection.loginTimeout, 60 s.)
      const control = await connect(fx.herald.url);
      expect((await call(control, 'login', { token: token('control-1') })).ok).to.equal(true);
      const controlAt = fx.clock.now();
      let controlKickedAt = 0;
      control.on('kick', () => (controlKickedAt = fx.clock.now()));
      const controlKick = next(control, 'kick', 10_000);
      const controlGone = next<string>(control, 'disconnect', 10_000);

      const client = fx.client({ credentials: { token: token('hour-1') } });
      const [user] = await nextEvent(client, 'loggedIn');
      const t0 = fx.clock.now();
      expect(user).to.include({ uid: 'hour-1', platform: 'app', idleTimeout: 180, heartbeatInterval: 150 });
      const sid = fx.socketOf('hour-1')?.id as string;
      expect(sid, "Herald's socket of hour-1").to.be.a('string');

      await fx.advance(3_600_000);
      await until(() => fx.heartbeats(sid).length === 24, '24 heartbeats at Herald');

      expect(fx.heartbeats(sid).map((h) => h.at - t0), 'heartbeats Herald received (ms after login)').to.deep.equal(
        Array.from({ length: 24 }, (_, i) => (i + 1) * 150_000),
      );
      expect(fx.heartbeats(sid).every((h) => JSON.stringify(h.payload) === '{}')).to.equal(true);
      expect(fx.log(client, 'kicked')).to.deep.equal([]);
      expect(fx.log(client, 'disconnected')).to.deep.equal([]);
      expect(client.state).to.equal('connected');
      expect(client.user?.uid).to.equal('hour-1');
      expect(fx.sockets().map((s) => s.id), 'sockets Herald holds after the hour').to.deep.equal([sid]);
      expect(fx.socketOf('hour-1')?.id).to.equal(sid);
      expect(fx.connections, 'the SDK never reconnected').to.have.length(2);

      expect(await controlKick).to.deep.equal({ reason: 'idle', reconnect: true });
      expect(controlKickedAt - controlAt, 'the silent control connection was kicked after 180-185 s').to.be.greaterThan(180_000).and.at.most(185_000);
      expect(await controlGone, 'an idle kick closes only the transport').to.equal('transport close');
    });

    it('is kicked between 180 s and 185 s of silence with heartbeat: false, then reconnects after 60 s and logs in again', async function () {
      const client = fx.client({ credentials: { token: token('silent-1') }, heartbeat: false });
      await nextEvent(client, 'loggedIn');
      const t0 = fx.clock.now();

      for (let s = 1; s <= 200 && fx.log(client, 'kicked').length === 0; s++) {
        await fx.clock.tick(1_000);
        await realDelay(10);
      }
      const [kick] = fx.log(client, 'kicked');
      expect(kick, 'a kick within 200 s').to.not.equal(undefined);
      expect(kick?.args).to.deep.equal([{ reason: 'idle', reconnect: true }]);
      const kickedAfter = (kick?.at as number) - t0;
      expect(kickedAfter, 'ms of silence before the kick').to.be.greaterThan(180_000).and.at.most(185_000);
      expect(fx.heartbeats()).to.deep.equal([]);
      expect(fx.log(client, 'disconnected').map((e) => e.args[0])).to.deep.equal([{ reason: 'kicked', willReconnect: true }]);
      expect(fx.log(client, 'reconnecting').map((e) => e.args[0])).to.deep.equal([{ attempt: 1, delay: 60_000 }]);
      await until(() => fx.sockets().length === 0, 'Herald to drop the socket');

      const loggedIn = nextEvent(client, 'loggedIn');
      await fx.tick(59_999);
      expect(fx.connections, 'no attempt before 60 s').to.have.length(1);
      await fx.clock.tick(1);
      const [again] = await loggedIn;
      expect(again.uid).to.equal('silent-1');
      expect(fx.connections[1]?.at).to.equal((kick?.at as number) + 60_000);
    });

    it('hands an ephemeral push that arrives twice (the same id, sent again by the server) to the app once', async function () {
      const client = fx.client({ credentials: { token: token('twice-1') }, platform: 'server', device: 'node-1' });
      await nextEvent(client, 'loggedIn');
      const got: string[] = [];
      client.on('message', (_data, meta) => {
        got.push(meta.id);
      });
      const socket = fx.socketOf('twice-1');
      const ts = fx.clock.now();
      // What the outage buffer does after a Redis restart: the copy follows the first.
      for (const id of ['p-1', 'p-2', 'p-1', 'p-3', 'p-2']) socket?.emit('message', { id, data: { id }, ts });
      await until(() => got.length >= 3, 'the pushes');
      await realDelay(50);
      expect(got).to.deep.equal(['p-1', 'p-2', 'p-3']);
    });
  });

  describe('reconnecting to the real server', function () {
    beforeEach(async function () {
      fx = await RealHeraldFixture.start();
    });

    const drops: { title: string; reason: string; drop: (f: RealHeraldFixture) => void }[] = [
      {
        title: 'closes the transport',
        reason: 'transport close',
        drop: (f) => {
          for (const socket of f.sockets()) socket.conn.close();
        },
      },
      {
        title: 'disconnects the namespace (disconnectSockets)',
        reason: 'server disconnect',
        drop: (f) => f.herald.gateway.io.disconnectSockets(true),
      },
    ];

    for (const { title, reason, drop } of drops) {
      it(`logs in again 60 s after Herald ${title}, and gets a push sent through the HTTP API`, async function () {
        const credential = token('back-1');
        const client = fx.client({ credentials: { token: credential }, platform: 'server', device: 'node-1' });
        const [first] = await nextEvent(client, 'loggedIn');
        expect(first).to.include({ uid: 'back-1', platform: 'server', device: 'node-1' });

        const disconnected = nextEvent(client, 'disconnected');
        drop(fx);
        expect((await disconnected)[0]).to.deep.equal({ reason, willReconnect: true });
        const lostAt = fx.clock.now();
        expect(fx.log(client, 'reconnecting').map((e) => e.args[0])).to.deep.equal([{ attempt: 1, delay: 60_000 }]);
        expect(client.user).to.equal(null);

        const loggedIn = nextEvent(client, 'loggedIn');
        await fx.tick(59_999);
        expect(fx.connections, 'no attempt before 60 s').to.have.length(1);
        await fx.clock.tick(1);
        const [again] = await loggedIn;
        expect(again).to.include({ uid: 'back-1', platform: 'server', device: 'node-1' });
        expect(fx.connections[1]?.at, 'the reconnect, on the shared clock').to.equal(lostAt + 60_000);
        const logins = fx.received.filter((e) => e.event === 'login');
        expect(logins.map((e) => e.sid)).to.deep.equal([fx.connections[0]?.sid, fx.connections[1]?.sid]);
        expect(logins[1]?.at).to.equal(lostAt + 60_000);
        expect(logins[1]?.payload).to.deep.equal({ token: credential, platform: 'server', device: 'node-1' });

        const got: { data: unknown; meta: unknown }[] = [];
        client.on('message', (data, meta) => {
          got.push({ data, meta });
        });
        const answer = await push(fx.herald.url, { to: { uid: 'back-1' }, data: { text: 'hello again' } });
        // This in-process Herald has no store: the push is ephemeral and carries no seq.
        expect(answer).to.include({ stored: false, online: 1 });
        await until(() => got.length === 1, 'the push');
        const meta = got[0]?.meta as PushMeta;
        expect(got[0]?.data).to.deep.equal({ text: 'hello again' });
        expect(meta).to.include({ event: 'message', id: answer.id, ts: fx.clock.now(), topic: undefined });
        expect(meta.seq).to.equal(undefined);
      });
    }

    it('stays away after a kick with reconnect:false (POST /api/v1/kick)', async function () {
      const client = fx.client({ credentials: { token: token('banned-1') } });
      await nextEvent(client, 'loggedIn');
      const kicked = nextEvent(client, 'kicked');
      const answer = await api(fx.herald.url, '/api/v1/kick', { body: { uid: 'banned-1' } });
      expect(answer.json).to.include({ ok: true, kicked: 1 });
      expect((await kicked)[0]).to.deep.equal({ reason: 'admin', reconnect: false });
      expect(fx.log(client, 'disconnected').map((e) => e.args[0])).to.deep.equal([{ reason: 'kicked', willReconnect: false }]);
      expect(client.state).to.equal('closed');

      await fx.advance(600_000);
      expect(fx.connections, 'no reconnect in 10 minutes').to.have.length(1);
      expect(fx.log(client, 'reconnecting')).to.deep.equal([]);
    });
  });

  describe('with the endpoint look-up (a server policy that differs from the defaults)', function () {
    const endpointPath = '/api/v1/endpoint';

    beforeEach(async function () {
      fx = await RealHeraldFixture.start({
        env: { HERALD_IDLE_TIMEOUT: '60' },
        app: { client: { endpointTtl: 60, reconnectDelays: [5, 10], loginRetryInterval: 10 } },
      });
    });

    it("applies the endpoint's policy, caches the answer for its ttl, and drops it after failed", async function () {
      const fetches: number[] = [];
      const endpoint = `${fx.herald.url}${endpointPath}`;
      const client = fx.client({
        endpoint,
        credentials: { token: token('ep-1') },
        fetch: (input, init) => {
          fetches.push(fx.clock.now());
          return globalThis.fetch(input, init);
        },
      });
      const [user] = await nextEvent(client, 'loggedIn');
      const t0 = fx.clock.now();
      expect(user).to.include({ idleTimeout: 60, heartbeatInterval: 30 });
      expect(client.url, 'the URL the endpoint named').to.equal(fx.herald.url);
      expect(client.policy).to.deep.equal({
        reconnect: { delays: [5, 10], jitter: 0 },
        heartbeat: { interval: 30, timeout: 30, retries: 1 },
        login: { retryInterval: 10 },
        idleTimeout: 60,
        connectTimeout: 10,
      });
      expect(fetches).to.deep.equal([t0]);
      const stored = JSON.parse(fx.storage.getItem(`herald:endpoint:${endpoint}`) ?? 'null') as { expiresAt: number } | null;
      expect(stored?.expiresAt, 'cached in storage for the ttl').to.equal(t0 + 60_000);

      // The announced heartbeatInterval (idleTimeout − 30 s = 30 s) is what the SDK uses.
      await fx.advance(30_000);
      await until(() => fx.heartbeats().length === 1, 'the first heartbeat');
      expect(fx.heartbeats()[0]?.at).to.equal(t0 + 30_000);

      // Within the ttl a reconnect uses the cached answer, after the server's 5 s delay.
      let loggedIn = nextEvent(client, 'loggedIn');
      for (const socket of fx.sockets()) socket.conn.close();
      await nextEvent(client, 'disconnected');
      const lostAt = fx.clock.now();
      expect(fx.log(client, 'reconnecting').map((e) => e.args[0])).to.deep.equal([{ attempt: 1, delay: 5_000 }]);
      await fx.tick(5_000);
      await loggedIn;
      expect(fx.connections[1]?.at).to.equal(lostAt + 5_000);
      expect(fetches, 'no second look-up within the ttl').to.have.length(1);

      // Past the ttl, the next attempt asks again.
      await fx.advance(t0 + 61_000 - fx.clock.now());
      loggedIn = nextEvent(client, 'loggedIn');
      for (const socket of fx.sockets()) socket.conn.close();
      await nextEvent(client, 'disconnected');
      await fx.tick(5_000);
      await loggedIn;
      expect(fetches, 'a new look-up after the ttl').to.have.length(2);

      // Herald shuts down: kick with reconnect:true, both attempts fail, `failed` drops the answer.
      const kicked = nextEvent(client, 'kicked');
      await fx.herald.close();
      expect((await kicked)[0]).to.deep.equal({ reason: 'shutdown', reconnect: true });
      expect(fx.log(client, 'reconnecting').at(-1)?.args[0]).to.deep.equal({ attempt: 1, delay: 5_000 });
      let reconnecting = nextEvent(client, 'reconnecting');
      await fx.tick(5_000);
      expect((await reconnecting)[0]).to.deep.equal({ attempt: 2, delay: 10_000 });
      const failed = nextEvent(client, 'failed');
      await fx.tick(10_000);
      const [info] = await failed;
      expect(info.attempts).to.equal(2);
      expect(info.error.code).to.equal('CONNECT_FAILED');
      expect(fetches, 'the cached answer was used for both attempts').to.have.length(2);
      expect(fx.storage.getItem(`herald:endpoint:${endpoint}`), 'dropped from storage').to.equal(null);

      reconnecting = nextEvent(client, 'reconnecting');
      client.connect();
      await reconnecting;
      expect(fetches, 'connect() after failed looks the endpoint up again').to.have.length(3);
      expect(fx.log(client, 'reconnecting').at(-1)?.args[0]).to.deep.equal({ attempt: 1, delay: 5_000 });
    });
  });
});
