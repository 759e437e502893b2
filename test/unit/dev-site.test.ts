/**
 * `herald dev-site`, the main site's stand-in: it answers the http verifier's contract with its
 * default settings (so a ukey login can be tried without the main site), refuses to run in
 * `online`, and an `online` Herald refuses its answers even when pointed at it.
 */
import { expect } from 'chai';
import { assertDevSiteAllowed, DevSite, devSiteUid, HTTP_VERIFIER, HttpSettingsSchema, HttpVerifier, type DevSiteCall } from '../../shared/auth';
import { ConfigError } from '../../shared/errors';
import { silentLogger } from '../../shared/logger';
import { rejection } from '../support/assertions';

describe('herald dev-site (stand-in for the main site)', function () {
  let site: DevSite;
  const calls: DevSiteCall[] = [];
  const ctx = { platform: 'web', ip: '10.0.0.7' };

  before(async function () {
    site = new DevSite({ port: 0, users: { 'alice-session-key': 'alice' } }, (call) => calls.push(call));
    await site.start();
  });
  after(async function () {
    await site.close();
    await site.close();
  });

  /** The http verifier exactly as `local` builds it from HERALD_AUTH_URL (defaults for the rest). */
  function localVerifier(environment: 'local' | 'online' = 'local'): HttpVerifier {
    const settings = HTTP_VERIFIER.resolve(HttpSettingsSchema.parse({ url: site.url, cacheTtl: 0 }), { environment, label: (k) => k });
    return new HttpVerifier(settings, silentLogger());
  }

  it('accepts dev:<uid> and the configured credentials, as a ukey or a token', function () {
    expect(devSiteUid('dev:42', {})).to.equal('42');
    expect(devSiteUid('dev:a.b@c', {})).to.equal('a.b@c');
    expect(devSiteUid('alice-session-key', { 'alice-session-key': 'alice' })).to.equal('alice');
    for (const refused of ['dev:', 'dev:has space', '42', 'DEV:42', 'toString', '__proto__']) {
      expect(devSiteUid(refused, {}), refused).to.equal(undefined);
    }
  });

  it('logs a ukey in through the real http verifier, and names the ukey when it refuses one', async function () {
    calls.length = 0;
    const verifier = localVerifier();
    expect(await verifier.verify({ type: 'ukey', value: 'dev:42' }, ctx)).to.deep.equal({ uid: '42' });
    expect(await verifier.verify({ type: 'token', value: 'alice-session-key' }, { ...ctx, platform: 'ios' })).to.deep.equal({ uid: 'alice' });
    const refused = await rejection(verifier.verify({ type: 'ukey', value: 'not-a-dev-key' }, ctx));
    expect(refused.code).to.equal('AUTH_REJECTED');
    expect(refused.message).to.equal('the main site refused the ukey');
    expect(calls).to.deep.equal([
      { type: 'ukey', platform: 'web', ip: '10.0.0.7', uid: '42' },
      { type: 'token', platform: 'ios', ip: '10.0.0.7', uid: 'alice' },
      { type: 'ukey', platform: 'web', ip: '10.0.0.7', uid: undefined },
    ]);
  });

  it('answers 404 to other routes and 400 to a body that is not the contract', async function () {
    expect((await fetch(site.url, { method: 'GET' })).status).to.equal(404);
    expect((await fetch(site.url.replace('/verify', '/other'), { method: 'POST', body: '{}' })).status).to.equal(404);
    expect((await fetch(site.url, { method: 'POST', body: 'not json' })).status).to.equal(400);
    expect((await fetch(site.url, { method: 'POST', body: 'x'.repeat(20_000) })).status).to.equal(413);
    expect((await fetch(site.url, { method: 'POST', body: JSON.stringify({ type: 'ukey', value: 5 }) })).status).to.equal(400);
    const unknownType = await fetch(site.url, { method: 'POST', body: JSON.stringify({ type: 'cookie', value: 'dev:1' }) });
    expect(((await unknownType.json()) as { code: number }).code).to.equal(1001);
  });

  it('is refused by an online Herald even when auth.http.url points at it', async function () {
    const settings = HTTP_VERIFIER.resolve(HttpSettingsSchema.parse({ url: site.url }), { environment: 'online', label: (k) => k });
    expect(settings.acceptDevSite).to.equal(false);
    const refused = await rejection(localVerifier('online').verify({ type: 'ukey', value: 'dev:42' }, ctx));
    expect(refused.code).to.equal('AUTH_UNAVAILABLE');
  });

  it('refuses to run in online with a ConfigError, and runs in local and test', function () {
    expect(() => assertDevSiteAllowed('online')).to.throw(ConfigError, /^in PUSH_ENV: online refuses herald dev-site/);
    expect(() => assertDevSiteAllowed('local')).to.not.throw();
    expect(() => assertDevSiteAllowed('test')).to.not.throw();
  });

  it('refuses a --user uid that is not a valid uid', function () {
    expect(() => new DevSite({ users: { key: 'has space' } })).to.throw(ConfigError, /uid must match/);
  });
});
