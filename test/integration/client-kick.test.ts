import { expect } from 'chai';
import type { HeraldClient } from '../../client/src';
import { ClientFixture, nextEvent, realDelay } from '../support/client-harness';

describe('client SDK: kicks and close() (when not to come back)', () => {
  let fx: ClientFixture;
  let client: HeraldClient;

  beforeEach(async () => {
    fx = await ClientFixture.start();
    client = fx.client({ credentials: { token: 't1' } });
    await nextEvent(client, 'loggedIn');
  });

  afterEach(async () => {
    await fx.cleanup();
  });

  async function expectNoAttemptWithin(ms: number): Promise<void> {
    const attempts = fx.herald.attempts.length;
    for (let spent = 0; spent < ms; spent += 60_000) {
      await fx.tick(60_000);
      await realDelay(5);
    }
    await realDelay(20);
    expect(fx.herald.attempts, 'reconnect attempts').to.have.length(attempts);
  }

  it('does not reconnect after a kick with reconnect: false', async () => {
    const kicked = nextEvent(client, 'kicked');
    const disconnected = nextEvent(client, 'disconnected');
    fx.herald.kick({ reason: 'admin', reconnect: false, message: 'bye' });
    expect((await kicked)[0]).to.deep.equal({ reason: 'admin', reconnect: false, message: 'bye' });
    expect((await disconnected)[0]).to.deep.equal({ reason: 'kicked', willReconnect: false });
    expect(client.state).to.equal('closed');
    await expectNoAttemptWithin(3_600_000);
    expect(fx.log(client, 'reconnecting')).to.have.length(0);
  });

  it('comes back within 3 s (at a random moment) after kick reload, when the server is replacing a worker', async () => {
    await fx.cleanup();
    fx = await ClientFixture.start();
    client = fx.client({ credentials: { token: 't1' }, random: () => 0.5 });
    await nextEvent(client, 'loggedIn');
    const kickedAt = fx.fake.now;
    const reconnecting = nextEvent(client, 'reconnecting');
    fx.herald.kick({ reason: 'reload', reconnect: true });
    expect((await reconnecting)[0]).to.deep.equal({ attempt: 0, delay: 1500 });
    const loggedIn = nextEvent(client, 'loggedIn');
    await fx.tick(1499);
    await realDelay(20);
    expect(fx.herald.logins).to.have.length(1);
    await fx.tick(1);
    await loggedIn;
    expect(fx.herald.logins[1]?.at).to.equal(kickedAt + 1500);
  });

  it('reconnects after 60 s and logs in again after another kick with reconnect: true', async () => {
    const kickedAt = fx.fake.now;
    const disconnected = nextEvent(client, 'disconnected');
    fx.herald.kick({ reason: 'idle', reconnect: true });
    expect((await disconnected)[0]).to.deep.equal({ reason: 'kicked', willReconnect: true });
    const loggedIn = nextEvent(client, 'loggedIn');
    await fx.tick(60_000);
    await loggedIn;
    expect(fx.herald.logins[1]?.at).to.equal(kickedAt + 60_000);
  });

  it('does not reconnect after close()', async () => {
    client.close();
    await fx.herald.waitFor('disconnects', 1);
    expect(client.state).to.equal('closed');
    await expectNoAttemptWithin(3_600_000);
  });

  it('close() while waiting to reconnect cancels the attempt', async () => {
    fx.herald.dropConnections();
    await nextEvent(client, 'disconnected');
    expect(client.state).to.equal('reconnecting');
    client.close();
    await expectNoAttemptWithin(600_000);
    expect(client.state).to.equal('closed');
  });

  it('connect() after a kick without reconnect comes back and logs in', async () => {
    fx.herald.kick({ reason: 'logout', reconnect: false });
    await nextEvent(client, 'disconnected');
    client.connect();
    await nextEvent(client, 'loggedIn');
    expect(client.state).to.equal('connected');
  });
});
