import { expect } from 'chai';
import type { PushMeta } from '../../client/src';
import { ClientFixture, nextEvent, realDelay, T0, until } from '../support/client-harness';

describe('client SDK: connecting, logging in and receiving pushes', () => {
  let fx: ClientFixture;

  beforeEach(async () => {
    fx = await ClientFixture.start();
  });

  afterEach(async () => {
    await fx.cleanup();
  });

  it('connects, logs in with the token, platform and a generated device id, and reports both', async () => {
    const client = fx.client({ credentials: { token: 't1' }, platform: 'ios' });
    const [connected] = await nextEvent(client, 'connected');
    expect(connected).to.deep.equal({ url: fx.herald.url, transport: 'websocket' });
    const [result] = await nextEvent(client, 'loggedIn');
    expect(result).to.include({ uid: 'user-t1', platform: 'ios', idleTimeout: 180, heartbeatInterval: 150 });
    expect(client.state).to.equal('connected');
    expect(client.user?.uid).to.equal('user-t1');
    expect(fx.herald.logins).to.have.length(1);
    expect(fx.herald.logins[0]?.payload).to.deep.equal({ token: 't1', platform: 'ios', device: client.deviceId });
    expect(client.deviceId).to.match(/^d-[0-9a-f-]{36}$/);
  });

  it('logs in web sessions with a ukey and a given device id', async () => {
    const client = fx.client({ credentials: { ukey: 'k1' }, device: 'tab-7' });
    await nextEvent(client, 'loggedIn');
    expect(fx.herald.logins[0]?.payload).to.deep.equal({ ukey: 'k1', device: 'tab-7' });
  });

  it('keeps the generated device id in storage, so the next client reuses it', async () => {
    const first = fx.client({ autoConnect: false });
    const second = fx.client({ autoConnect: false });
    expect(second.deviceId).to.equal(first.deviceId);
    expect(fx.storage.getItem('herald:device')).to.equal(first.deviceId);
  });

  it('stays anonymous without credentials and logs in later with login()', async () => {
    const client = fx.client();
    await nextEvent(client, 'connected');
    await realDelay(30);
    expect(fx.herald.logins).to.have.length(0);
    const result = await client.login({ token: 't2' });
    expect(result?.uid).to.equal('user-t2');
    expect(client.user?.uid).to.equal('user-t2');
  });

  it('hands each push to its handlers with { id, seq, ts, topic }', async () => {
    const client = fx.client({ credentials: { token: 't1' } });
    const got: [unknown, PushMeta][] = [];
    client.on('message', (data, meta) => {
      got.push([data, meta]);
    });
    client.on('order', (data, meta) => {
      got.push([data, meta]);
    });
    await nextEvent(client, 'loggedIn');
    fx.herald.push({ text: 'hi' }, { topic: 'news' });
    fx.herald.push([1, 2], { event: 'order', seq: 4 });
    await until(() => got.length === 2, 'two pushes');
    expect(got[0]).to.deep.equal([{ text: 'hi' }, { event: 'message', id: 'p1', seq: undefined, ts: T0, topic: 'news' }]);
    expect(got[1]).to.deep.equal([[1, 2], { event: 'order', id: 'p2', seq: 4, ts: T0, topic: undefined }]);
  });

  it('delivers a push named like a lifecycle event through onPush', async () => {
    const client = fx.client();
    const got: unknown[] = [];
    client.onPush('connected', (data) => {
      got.push(data);
    });
    await nextEvent(client, 'connected');
    fx.herald.push('x', { event: 'connected' });
    await until(() => got.length === 1, 'the push');
    expect(got).to.deep.equal(['x']);
  });

  it('reports a malformed push through the error event', async () => {
    const client = fx.client();
    await nextEvent(client, 'connected');
    const error = nextEvent(client, 'error');
    fx.herald.io.emit('message', { nope: true });
    const [body] = await error;
    expect(body.code).to.equal('BAD_PUSH');
  });

  it('subscribes after login, answers with the server answer, and forgets refused topics', async () => {
    const client = fx.client({ credentials: { token: 't1' }, autoConnect: false });
    const early = client.subscribe('news');
    client.connect();
    await nextEvent(client, 'loggedIn');
    expect(await early).to.deep.equal({ ok: true });
    expect(fx.herald.subscribes[0]?.at).to.equal(T0);
    expect(await client.subscribe('private.x')).to.deep.include({ ok: false });
    expect(client.subscriptions).to.deep.equal(['news']);
    expect(await client.unsubscribe('news')).to.deep.equal({ ok: true });
    expect(client.subscriptions).to.deep.equal([]);
    expect(fx.herald.unsubscribes.map((r) => r.payload.topic)).to.deep.equal(['news']);
  });

  it('logout() stays connected, anonymous, and logs out on the server', async () => {
    const client = fx.client({ credentials: { token: 't1' } });
    await nextEvent(client, 'loggedIn');
    const loggedOut = nextEvent(client, 'loggedOut');
    expect(await client.logout()).to.deep.equal({ ok: true });
    await loggedOut;
    expect(client.user).to.equal(null);
    expect(client.state).to.equal('connected');
    expect(fx.herald.logouts).to.have.length(1);
  });

  it('close() disconnects, answers pending requests CLOSED, and is idempotent', async () => {
    const client = fx.client({ credentials: { token: 't1' } });
    await nextEvent(client, 'loggedIn');
    fx.herald.loginMode = 'silent';
    const pendingLogin = client.login({ token: 't3' });
    client.close();
    client.close();
    expect(await pendingLogin).to.equal(null);
    expect(client.state).to.equal('closed');
    await fx.herald.waitFor('disconnects', 1);
    expect(fx.log(client, 'disconnected').map((e) => e.args[0])).to.deep.equal([{ reason: 'closed', willReconnect: false }]);
  });
});
