/**
 * What the CLI prints that is not a command's data: the name it gives itself (help, usage, hints,
 * the start banner), times with their zone, and the URLs a started host lists.
 */
import { expect } from 'chai';
import { startBanner } from '../../server/cli/start-banner';
import { invokedName, type Invocation } from '../../server/cli/invoked-name';
import { time } from '../../server/cli/table';
import { hostUrls } from '../../server/primary/host-urls';
import { loadConfig } from '../../shared/config';

function invocation(script: string | undefined, env: Record<string, string> = {}, cwd = '/srv/herald'): Invocation {
  return { env, argv: script === undefined ? ['/usr/bin/node'] : ['/usr/bin/node', script, 'server', 'start'], cwd };
}

describe('the name the CLI gives itself', function () {
  it('is `node bin/herald.js` when run as a file below the working directory, else the absolute path', function () {
    expect(invokedName(invocation('/srv/herald/bin/herald.js'))).to.equal('node bin/herald.js');
    expect(invokedName(invocation('/srv/herald/bin/herald.js', {}, '/home/ops'))).to.equal('node /srv/herald/bin/herald.js');
    expect(invokedName(invocation('/opt/my herald/bin/herald.js', {}, '/'))).to.equal('node "opt/my herald/bin/herald.js"');
  });

  it('is `herald` when run from PATH (npm link, a global install)', function () {
    expect(invokedName(invocation('/usr/local/bin/herald'))).to.equal('herald');
    expect(invokedName(invocation(undefined))).to.equal('herald');
  });

  it('is `npx herald` when npm ran it directly (npx herald, npm exec herald, npm start)', function () {
    const npx = { npm_command: 'exec', npm_lifecycle_script: 'herald' };
    expect(invokedName(invocation('/root/.npm/_npx/cc35/node_modules/.bin/herald', npx))).to.equal('npx herald');
    const start = { npm_command: 'start', npm_lifecycle_script: 'node bin/herald.js server start' };
    expect(invokedName(invocation('/srv/herald/bin/herald.js', start))).to.equal('npx herald');
  });

  it('ignores npm variables a process inherited from some other npm script (mocha under npx)', function () {
    const mocha = { npm_command: 'exec', npm_lifecycle_script: 'mocha' };
    expect(invokedName(invocation('/srv/herald/bin/herald.js', mocha))).to.equal('node bin/herald.js');
  });

  it('is HERALD_CLI_NAME when a wrapper sets it, and ignores it when empty', function () {
    expect(invokedName(invocation('/srv/herald/bin/herald.js', { HERALD_CLI_NAME: 'push-admin' }))).to.equal('push-admin');
    expect(invokedName(invocation('/usr/local/bin/herald', { HERALD_CLI_NAME: ' ' }))).to.equal('herald');
  });
});

describe('times in CLI tables', function () {
  const saved = process.env.TZ;
  afterEach(function () {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('carry the UTC offset of the local time they show', function () {
    const at = Date.UTC(2026, 10, 26, 4, 5, 6);
    process.env.TZ = 'UTC';
    expect(time(at, true)).to.equal('2026-11-26 04:05:06 +00:00');
    process.env.TZ = 'Asia/Shanghai';
    expect(time(at, true)).to.equal('2026-11-26 12:05:06 +08:00');
    process.env.TZ = 'America/St_Johns';
    expect(time(at, true)).to.equal('2026-11-26 00:35:06 -03:30');
  });

  it('stay unix seconds unformatted, and `-` when there is none', function () {
    expect(time(Date.UTC(2026, 0, 1), false)).to.equal('1767225600');
    expect(time(null, true)).to.equal('-');
  });
});

describe('the URLs a started host prints', function () {
  it('uses 127.0.0.1 for a host listening on every address, and says so', function () {
    const config = loadConfig({ env: { PUSH_ENV: 'local', HERALD_HOST: '0.0.0.0' } });
    const urls = hostUrls(config, 9501);
    expect(urls.base).to.equal('http://127.0.0.1:9501');
    expect(urls.wildcard).to.equal('0.0.0.0');
    expect(startBanner(config, 9501, 'herald').split('\n')[0]).to.equal('Herald is listening on every address (0.0.0.0), port 9501, env local; from this machine:');
    expect(hostUrls({ ...config, host: '::' }, 9501).base).to.equal('http://localhost:9501');
    expect(hostUrls({ ...config, host: '::1' }, 9501).base).to.equal('http://[::1]:9501');
  });

  it('lists the local pages, the public dev key and the token command under the invoked name', function () {
    const config = loadConfig({ env: { PUSH_ENV: 'local' } });
    expect(startBanner(config, 9501, 'npx herald')).to.equal(
      [
        'Herald is listening on http://127.0.0.1:9501, env local:',
        '  API           http://127.0.0.1:9501/api/v1/endpoint   (every other /api/v1 route takes Authorization: Bearer <api key>)',
        '  SDK example   http://127.0.0.1:9501/sdk/example.html',
        '  test console  http://127.0.0.1:9501/console',
        '  dashboard     http://127.0.0.1:9501/admin   (log in with an API key)',
        '  readiness     http://127.0.0.1:9501/readyz',
        '  metrics       http://127.0.0.1:9501/metrics',
        '  dev API key   local-development-api-key   (public: Authorization: Bearer …, and the dashboard login)',
        '  login token   npx herald token --uid 42',
      ].join('\n'),
    );
  });

  it('prints no key outside local, https with TLS, and how to get into the gated pages', function () {
    const config = loadConfig({ env: { PUSH_ENV: 'local', HERALD_API_KEYS: 'my-own-key-0123456789', HERALD_ADMIN_PASSWORD: 'a-long-admin-password', HERALD_METRICS_KEY: 'scrape-key-0123456789' } });
    const banner = startBanner({ ...config, env: 'test', console: { enabled: false }, tls: { enabled: true, cert: 'c.pem', key: 'k.pem' } }, 443, 'herald');
    expect(banner).to.not.include('my-own-key').and.not.include('token --uid').and.not.include('/console');
    expect(banner).to.include('https://127.0.0.1:443/admin   (the admin password or an API key)');
    expect(banner).to.include('https://127.0.0.1:443/metrics   (Authorization: Bearer <metrics.key>)');
    const own = startBanner(config, 9501, 'herald');
    expect(own, 'a local key that is not the public one stays unprinted').to.not.include('my-own-key').and.not.include('dev API key');
    expect(own).to.include('  login token   herald token --uid 42');
  });
});
