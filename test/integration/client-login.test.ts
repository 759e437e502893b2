import { expect } from 'chai';
import { ClientFixture, nextEvent, realDelay } from '../support/client-harness';

describe('client SDK: login (on every connect, retried every 30 s)', () => {
  let fx: ClientFixture;

  beforeEach(async () => {
    fx = await ClientFixture.start();
  });

  afterEach(async () => {
    await fx.cleanup();
  });

  it('retries every 30 s while the credential is rejected or the verification API is down, until it is accepted', async () => {
    fx.herald.loginMode = 'AUTH_REJECTED';
    const client = fx.client({ credentials: { token: 't1' } });
    const [first] = await nextEvent(client, 'loginFailed');
    const t0 = fx.herald.logins[0]!.at;
    expect(first).to.deep.equal({ code: 'AUTH_REJECTED', message: 'The credential was rejected', retryIn: 30_000 });
    expect(client.user).to.equal(null);

    await fx.expectRecordAt('logins', t0 + 30_000);
    fx.herald.loginMode = 'AUTH_UNAVAILABLE';
    await fx.expectRecordAt('logins', t0 + 60_000);
    await fx.expectRecordAt('logins', t0 + 90_000);
    fx.herald.loginMode = 'accept';
    const loggedIn = nextEvent(client, 'loggedIn');
    await fx.expectRecordAt('logins', t0 + 120_000);
    expect((await loggedIn)[0].uid).to.equal('user-t1');

    expect(fx.log(client, 'loginFailed').map((e) => [e.at - t0, (e.args[0] as { code: string }).code])).to.deep.equal([
      [0, 'AUTH_REJECTED'],
      [30_000, 'AUTH_REJECTED'],
      [60_000, 'AUTH_UNAVAILABLE'],
      [90_000, 'AUTH_UNAVAILABLE'],
    ]);
    await fx.tick(600_000);
    expect(fx.herald.logins, 'no login after success').to.have.length(5);
    expect(fx.herald.connections, 'one connection all along').to.have.length(1);
  });

  it('counts a login without an answer as failed after 30 s and tries again', async () => {
    fx.herald.loginMode = 'silent';
    const client = fx.client({ credentials: { token: 't1' } });
    await fx.herald.waitFor('logins', 1);
    const t0 = fx.herald.logins[0]!.at;
    fx.herald.loginMode = 'accept';
    await fx.expectRecordAt('logins', t0 + 30_000);
    await nextEvent(client, 'loggedIn');
    expect(fx.log(client, 'loginFailed').map((e) => (e.args[0] as { code: string }).code)).to.deep.equal(['TIMEOUT']);
  });

  it('stops retrying on logout()', async () => {
    fx.herald.loginMode = 'AUTH_REJECTED';
    const client = fx.client({ credentials: { token: 't1' } });
    const pending = client.login({ token: 't2' });
    await nextEvent(client, 'loginFailed');
    await client.logout();
    expect(await pending).to.equal(null);
    const logins = fx.herald.logins.length;
    await fx.tick(300_000);
    await realDelay(20);
    expect(fx.herald.logins).to.have.length(logins);
  });

  it('logs in again with the same credentials after a reconnect and stays logged in', async () => {
    const client = fx.client({ credentials: { ukey: 'k1' }, device: 'dev-1' });
    await nextEvent(client, 'loggedIn');
    const lost = fx.fake.now;
    fx.herald.dropConnections();
    await nextEvent(client, 'disconnected');
    expect(client.user).to.equal(null);
    const loggedIn = nextEvent(client, 'loggedIn');
    await fx.expectRecordAt('logins', lost + 60_000);
    expect((await loggedIn)[0].uid).to.equal('user-k1');
    expect(client.user?.uid).to.equal('user-k1');
    expect(fx.herald.logins.map((l) => l.payload)).to.deep.equal([
      { ukey: 'k1', device: 'dev-1' },
      { ukey: 'k1', device: 'dev-1' },
    ]);
  });

  it('sends kept topics again after the login of every new connection', async () => {
    const client = fx.client({ credentials: { token: 't1' } });
    await nextEvent(client, 'loggedIn');
    await client.subscribe('news');
    fx.herald.dropConnections();
    await nextEvent(client, 'disconnected');
    fx.herald.loginMode = 'AUTH_UNAVAILABLE';
    await fx.tick(60_000);
    await nextEvent(client, 'loginFailed');
    await realDelay(20);
    expect(fx.herald.subscribes, 'no subscribe before login').to.have.length(1);
    fx.herald.loginMode = 'accept';
    await fx.tick(30_000);
    await fx.herald.waitFor('subscribes', 2);
    expect(fx.herald.subscribes[1]?.at).to.equal(fx.herald.logins[2]?.at);
    expect(fx.herald.subscribes[1]?.socketId).to.equal(fx.herald.logins[2]?.socketId);
  });
});
