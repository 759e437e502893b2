import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { HttpVerifier, JwtVerifier, signToken } from '../../shared/auth';
import { createLogger, silentLogger } from '../../shared/logger';
import { FakeMainSite } from '../support/fake-main-site';
import { rejection } from '../support/assertions';
import { createFakeClock } from '../support/fake-clock';


describe('jwt verifier', function () {
  const secret = 's'.repeat(40);
  const hs = new JwtVerifier({ algorithm: 'HS256', secret, clockTolerance: 0 });
  const ctx = { platform: 'web', ip: '127.0.0.1' };

  it('takes the uid from sub (a string or a number)', async function () {
    expect(await hs.verify({ type: 'token', value: signToken({ uid: 'alice', secret, ttl: 60 }) })).to.deep.equal({ uid: 'alice' });
    const numeric = jwt.sign({ sub: 42 as unknown as string }, secret, { expiresIn: 60 });
    expect(await hs.verify({ type: 'ukey', value: numeric })).to.deep.equal({ uid: '42' });
  });

  it('rejects expired, unsigned, wrongly signed, exp-less and sub-less tokens with AUTH_REJECTED', async function () {
    const expired = jwt.sign({ sub: 'a', exp: Math.floor(Date.now() / 1000) - 10 }, secret);
    expect((await rejection(hs.verify({ type: 'token', value: expired }))).message).to.equal('the token has expired');
    const none = jwt.sign({ sub: 'a' }, '', { algorithm: 'none', expiresIn: 60 });
    const other = jwt.sign({ sub: 'a' }, 'x'.repeat(40), { expiresIn: 60 });
    const noExp = jwt.sign({ sub: 'a' }, secret);
    const noSub = jwt.sign({}, secret, { expiresIn: 60 });
    const badSub = jwt.sign({ sub: 'has space' }, secret, { expiresIn: 60 });
    for (const value of [none, other, 'not-a-jwt', noExp, noSub, badSub]) {
      expect((await rejection(hs.verify({ type: 'token', value }))).code).to.equal('AUTH_REJECTED');
    }
    void ctx;
  });

  it('says which credential it refused, and where a ukey is checked when it is not a signed token', async function () {
    expect((await rejection(hs.verify({ type: 'token', value: 'not-a-jwt' }))).message).to.equal('the token is not valid');
    const ukey = await rejection(hs.verify({ type: 'ukey', value: 'a-main-site-session-key' }));
    expect(ukey.code).to.equal('AUTH_REJECTED');
    expect(ukey.message).to.match(/^the ukey is not valid \(auth\.verifier jwt takes signed tokens only; .*auth\.verifier http.*herald dev-site\)$/);
    expect(ukey.message).to.not.include('a-main-site-session-key');
    const expired = jwt.sign({ sub: 'a', exp: Math.floor(Date.now() / 1000) - 10 }, secret);
    expect((await rejection(hs.verify({ type: 'ukey', value: expired }))).message).to.match(/^the ukey has expired \(/);
  });

  it('verifies RS256 with the public key and refuses an HS256 token forged with that key', async function () {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rs = new JwtVerifier({ algorithm: 'RS256', publicKey: pem, clockTolerance: 5 });
    const good = jwt.sign({ sub: 'bob' }, privateKey, { algorithm: 'RS256', expiresIn: 60 });
    expect(await rs.verify({ type: 'token', value: good })).to.deep.equal({ uid: 'bob' });
    const forged = jwt.sign({ sub: 'bob' }, pem, { algorithm: 'HS256', expiresIn: 60 });
    expect((await rejection(rs.verify({ type: 'token', value: forged }))).code).to.equal('AUTH_REJECTED');
  });
});

describe('http verifier (the main site over real HTTP)', function () {
  let site: FakeMainSite;
  const options = {
    timeoutMs: 300,
    cacheTtl: 60,
    cacheSize: 2,
    successStatus: 200,
    successPath: 'code',
    successValue: 0,
    uidPath: 'data.uid',
    headers: { 'x-shared-secret': 'abc' },
  };
  const ctx = { platform: 'ios', ip: '10.1.2.3' };

  beforeEach(async function () {
    site = await new FakeMainSite().start();
    site.allow('good-token', '1001');
  });
  afterEach(async function () {
    await site.stop();
  });

  it('posts { type, value, platform, ip } and reads the uid at data.uid', async function () {
    const verifier = new HttpVerifier({ ...options, url: site.url }, silentLogger());
    expect(await verifier.verify({ type: 'token', value: 'good-token' }, ctx)).to.deep.equal({ uid: '1001' });
    expect(site.calls).to.deep.equal([{ type: 'token', value: 'good-token', platform: 'ios', ip: '10.1.2.3' }]);
  });

  it('answers AUTH_REJECTED when the success rule fails, naming the credential refused', async function () {
    const verifier = new HttpVerifier({ ...options, url: site.url }, silentLogger());
    const ukey = await rejection(verifier.verify({ type: 'ukey', value: 'bad' }, ctx));
    expect(ukey.code).to.equal('AUTH_REJECTED');
    expect(ukey.message).to.equal('the main site refused the ukey');
    expect((await rejection(verifier.verify({ type: 'token', value: 'bad' }, ctx))).message).to.equal('the main site refused the token');
  });

  it('answers AUTH_UNAVAILABLE with retryAfter on 5xx, on no answer within the timeout, and on a closed port', async function () {
    const verifier = new HttpVerifier({ ...options, url: site.url }, silentLogger());
    site.mode = 'down';
    const down = await rejection(verifier.verify({ type: 'token', value: 'good-token' }, ctx));
    expect(down.code).to.equal('AUTH_UNAVAILABLE');
    expect(down.retryAfter).to.equal(30);
    site.mode = 'hang';
    const started = Date.now();
    expect((await rejection(verifier.verify({ type: 'token', value: 'good-token' }, ctx))).code).to.equal('AUTH_UNAVAILABLE');
    expect(Date.now() - started).to.be.within(250, 2000);
    const closed = new HttpVerifier({ ...options, url: 'http://127.0.0.1:1/verify' }, silentLogger());
    expect((await rejection(closed.verify({ type: 'token', value: 'x' }, ctx))).code).to.equal('AUTH_UNAVAILABLE');
  });

  it('follows a configured success rule and uid location', async function () {
    const verifier = new HttpVerifier({ ...options, url: site.url, successPath: '', uidPath: 'data.uid' }, silentLogger());
    // With no success path, any 200 with a uid passes; the fake answers code 1001 without uid for unknowns.
    expect((await rejection(verifier.verify({ type: 'token', value: 'unknown' }, ctx))).code).to.equal('AUTH_UNAVAILABLE');
    expect(await verifier.verify({ type: 'token', value: 'good-token' }, ctx)).to.deep.equal({ uid: '1001' });
  });

  it('caches successes by a hash of the credential for cacheTtl, and shares concurrent checks', async function () {
    const clock = createFakeClock();
    const verifier = new HttpVerifier({ ...options, url: site.url }, silentLogger(), clock);
    const results = await Promise.all(Array.from({ length: 5 }, () => verifier.verify({ type: 'token', value: 'good-token' }, ctx)));
    expect(results.every((r) => r.uid === '1001')).to.equal(true);
    expect(site.calls).to.have.length(1);
    site.mode = 'down';
    expect(await verifier.verify({ type: 'token', value: 'good-token' }, ctx)).to.deep.equal({ uid: '1001' });
    await clock.tick(61_000);
    expect((await rejection(verifier.verify({ type: 'token', value: 'good-token' }, ctx))).code).to.equal('AUTH_UNAVAILABLE');
    expect(site.calls).to.have.length(2);
  });

  it('keys the cache on the whole question: the same token on another platform asks the main site again', async function () {
    const verifier = new HttpVerifier({ ...options, url: site.url }, silentLogger(), createFakeClock());
    await verifier.verify({ type: 'token', value: 'good-token' }, ctx);
    await verifier.verify({ type: 'token', value: 'good-token' }, { ...ctx, ip: '10.9.9.9' });
    expect(site.calls).to.have.length(1);
    await verifier.verify({ type: 'token', value: 'good-token' }, { ...ctx, platform: 'android' });
    await verifier.verify({ type: 'ukey', value: 'good-token' }, ctx).catch(() => undefined);
    expect(site.calls.map((c) => `${c.type}/${c.platform}`)).to.deep.equal(['token/ios', 'token/android', 'ukey/ios']);
  });

  it('caps the cache at 60 s, so a credential revoked on the main site stops working within a minute', async function () {
    const clock = createFakeClock();
    const verifier = new HttpVerifier({ ...options, cacheTtl: 3600, url: site.url }, silentLogger(), clock);
    await verifier.verify({ type: 'token', value: 'good-token' }, ctx);
    site.revoke('good-token');
    await clock.tick(59_000);
    expect(await verifier.verify({ type: 'token', value: 'good-token' }, ctx)).to.deep.equal({ uid: '1001' });
    await clock.tick(1_000);
    expect((await rejection(verifier.verify({ type: 'token', value: 'good-token' }, ctx))).code).to.equal('AUTH_REJECTED');
  });

  it('logs a verification API that is down once a minute with a count, not once per login', async function () {
    const clock = createFakeClock();
    let text = '';
    const logger = createLogger({ level: 'info', format: 'json', stream: new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }) });
    const verifier = new HttpVerifier({ ...options, url: site.url }, logger, clock);
    site.mode = 'down';
    for (let i = 0; i < 40; i++) await rejection(verifier.verify({ type: 'token', value: `t${i}` }, ctx));
    const lines = () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { message: string; count: number; status: number });
    expect(lines().map((l) => [l.message, l.count])).to.deep.equal([['verification API failed', 1]]);
    await clock.tick(60_000);
    expect(lines().map((l) => [l.message, l.count, l.status])).to.deep.equal([
      ['verification API failed', 1, 500],
      ['verification API failed', 39, 500],
    ]);
    verifier.close();
  });

  it('does not cache rejections', async function () {
    const verifier = new HttpVerifier({ ...options, url: site.url }, silentLogger());
    await rejection(verifier.verify({ type: 'token', value: 'later' }, ctx));
    site.allow('later', '7');
    expect(await verifier.verify({ type: 'token', value: 'later' }, ctx)).to.deep.equal({ uid: '7' });
  });
});
