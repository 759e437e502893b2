/**
 * The idle rule with Herald's clock under the test's control: a gateway in this process, real
 * socket.io-client connections, and minutes of Herald time passing in milliseconds.
 */
import { expect } from 'chai';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { call, closeClients, connect, next } from '../support/clients';
import { createFakeClock, type FakeClock } from '../support/fake-clock';
import { startInProcess, type InProcessHerald } from '../support/in-process';
import { waitFor } from '../support/wait';

describe('idle kick (fake clock)', function () {
  let clock: FakeClock;
  let herald: InProcessHerald;

  beforeEach(async function () {
    clock = createFakeClock();
    herald = await startInProcess({ clock });
  });
  afterEach(async function () {
    closeClients();
    await herald.close();
  });

  const token = (uid: string) => signToken({ uid, secret: DEV_JWT_SECRET, ttl: 3600 });
  const serverSockets = () => herald.gateway.io.of('/').sockets.size;

  /** Advances Herald's time second by second; returns the seconds elapsed when the server dropped the last socket. */
  async function secondsUntilDropped(limitSeconds: number): Promise<number | undefined> {
    for (let s = 1; s <= limitSeconds; s++) {
      await clock.tick(1000);
      if (serverSockets() === 0) return s;
    }
    return undefined;
  }

  it('kicks a connection that was silent for 180 s, between 180 s and 185 s after its last event', async function () {
    const socket = await connect(herald.url);
    const answer = await call(socket, 'login', { token: token('idle-1') });
    expect(answer).to.include({ ok: true, idleTimeout: 180, heartbeatInterval: 150 });
    const kick = next(socket, 'kick');
    const dropped = await secondsUntilDropped(200);
    expect(dropped, 'seconds until the kick').to.be.a('number');
    expect(dropped).to.be.greaterThan(180).and.at.most(185);
    expect(await kick).to.deep.equal({ reason: 'idle', reconnect: true });
    await waitFor(() => !socket.connected, 5000, 'the client to see the close');
  });

  it('kicks an anonymous connection that never logged in sooner: between 60 s and 65 s (connection.loginTimeout)', async function () {
    const socket = await connect(herald.url);
    const kick = next(socket, 'kick');
    const dropped = await secondsUntilDropped(200);
    expect(dropped).to.be.greaterThan(60).and.at.most(65);
    expect(await kick).to.deep.equal({ reason: 'idle', reconnect: true, message: 'not logged in' });
  });

  it('keeps an anonymous connection that reads a public topic until the 180 s idle rule', async function () {
    const socket = await connect(herald.url);
    expect((await call(socket, 'subscribe', { topic: 'public.news' })).ok).to.equal(true);
    const dropped = await secondsUntilDropped(200);
    expect(dropped).to.be.greaterThan(180).and.at.most(185);
  });

  it('gives a connection that logged out the pre-login time again, not an instant kick', async function () {
    const socket = await connect(herald.url);
    await call(socket, 'login', { token: token('idle-5') });
    await clock.tick(100_000);
    expect((await call(socket, 'logout', {})).ok).to.equal(true);
    const dropped = await secondsUntilDropped(100);
    expect(dropped).to.be.greaterThan(55).and.at.most(65);
  });

  it('never kicks a connection that receives a push every 100 s', async function () {
    const socket = await connect(herald.url);
    await call(socket, 'login', { token: token('idle-2') });
    let received = 0;
    socket.on('message', () => received++);
    for (let i = 1; i <= 10; i++) {
      await clock.tick(100_000);
      await herald.gateway.push.push({ to: { uid: 'idle-2' }, data: i }, 'api');
      await waitFor(() => received === i, 5000, `push ${i}`);
      expect(serverSockets(), `connected after ${i * 100} s`).to.equal(1);
    }
    expect(socket.connected).to.equal(true);
  });

  it('keeps a connection that sends a heartbeat every 150 s for a simulated hour', async function () {
    const socket = await connect(herald.url);
    await call(socket, 'login', { token: token('idle-3') });
    for (let elapsed = 0; elapsed < 3600; elapsed += 150) {
      await clock.tick(150_000);
      const beat = await call(socket, 'heartbeat', {});
      expect(beat.ok).to.equal(true);
      expect(beat.serverTime).to.equal(clock.now());
    }
    expect(serverSockets()).to.equal(1);
    expect(socket.connected).to.equal(true);
  });

  it('does not count a push to someone else as activity', async function () {
    const socket = await connect(herald.url);
    await call(socket, 'login', { token: token('idle-4') });
    await clock.tick(100_000);
    await herald.gateway.push.push({ to: { uid: 'somebody-else' }, data: 1 }, 'api');
    const dropped = await secondsUntilDropped(100);
    expect(dropped).to.be.greaterThan(80).and.at.most(85);
  });
});
