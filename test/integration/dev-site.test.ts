/**
 * Trying a ukey login without the main site: `herald dev-site` runs the stand-in, a real host is
 * pointed at it with the two variables the command prints, and a Socket.IO client logs in with a
 * ukey — by event and on the handshake. Against the local default (jwt) a ukey login says which
 * credential was refused and where ukeys are checked.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { packageRoot } from '../../shared/paths';
import { call, closeClients, connect, connectAndReceive, connectError } from '../support/clients';
import { herald } from '../support/cli';
import { startHost, type HeraldHost } from '../support/herald-host';
import { startInProcess } from '../support/in-process';
import { trackChild } from '../support/processes';
import { waitFor } from '../support/wait';

describe('herald dev-site: a ukey login without the main site', function () {
  let site: ChildProcess;
  let siteOutput = '';
  let verifyUrl: string;
  let host: HeraldHost;

  before(async function () {
    site = trackChild(
      fork(join(packageRoot(), 'bin', 'herald.js'), ['dev-site', '--port', '0', '--user', 'main-site-session=7'], {
        env: { ...process.env, PUSH_ENV: 'local' },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      }),
    );
    site.stdout?.on('data', (d: Buffer) => (siteOutput += d.toString()));
    site.stderr?.on('data', (d: Buffer) => (siteOutput += d.toString()));
    verifyUrl = await waitFor(() => /listening on (http:\/\/\S+)/.exec(siteOutput)?.[1], 10_000, 'the dev site to listen');
    expect(siteOutput).to.include(`HERALD_AUTH_VERIFIER=http HERALD_AUTH_URL=${verifyUrl} herald server start`);
    host = await startHost({ env: { HERALD_AUTH_VERIFIER: 'http', HERALD_AUTH_URL: verifyUrl, HERALD_WORKERS: '1' } });
  });
  afterEach(function () {
    closeClients();
  });
  after(async function () {
    await host?.stop();
    if (site !== undefined && site.exitCode === null) {
      const exited = new Promise<number | null>((resolve) => site.once('exit', (code) => resolve(code)));
      site.kill('SIGTERM');
      expect(await exited).to.equal(0);
    }
  });

  it('logs a ukey in by event through the real http verifier, as platform web', async function () {
    const socket = await connect(host.url);
    const answer = await call(socket, 'login', { ukey: 'dev:42' });
    expect(answer).to.deep.include({ ok: true, uid: '42', platform: 'web' });
    expect((await call(socket, 'login', { ukey: 'main-site-session' })).uid).to.equal('7');
    await waitFor(() => siteOutput.includes('ukey platform=web ip=127.0.0.1 → uid 42'), 5000, 'the dev site to print the call');
  });

  it('logs a ukey in on the handshake', async function () {
    const { value } = await connectAndReceive(host.url, 'login', { auth: { ukey: 'dev:43' } });
    expect(value).to.deep.include({ ok: true, uid: '43', platform: 'web' });
  });

  it('refuses an unknown ukey saying it was the ukey, and never prints the credential', async function () {
    const socket = await connect(host.url);
    const answer = await call(socket, 'login', { ukey: 'made-up-session-key' });
    expect(answer.error).to.deep.include({ code: 'AUTH_REJECTED', message: 'the main site refused the ukey' });
    const refused = await connectError(host.url, { auth: { token: 'made-up-token' } });
    expect(refused.data).to.deep.include({ code: 'AUTH_REJECTED', message: 'the main site refused the token' });
    await waitFor(() => siteOutput.includes('→ refused'), 5000, 'the dev site to print the refusal');
    expect(siteOutput).to.not.include('made-up');
    expect(host.output()).to.not.include('made-up');
  });

  it('refuses to run in online with the configuration exit code', async function () {
    const result = await herald(['dev-site', '--port', '0'], { PUSH_ENV: 'online' }, 20_000);
    expect(result.code).to.equal(78);
    expect(result.stderr).to.match(/^herald: invalid configuration: in PUSH_ENV: online refuses herald dev-site/);
  });
});

describe('a ukey login against the local default (jwt)', function () {
  it('names the ukey and says where ukeys are checked', async function () {
    const local = await startInProcess();
    try {
      const socket = await connect(local.url);
      const answer = await call(socket, 'login', { ukey: 'a-main-site-session-key' });
      expect(answer.error.code).to.equal('AUTH_REJECTED');
      expect(answer.error.message).to.match(/^the ukey is not valid \(.*auth\.verifier http.*herald dev-site\)$/);
      expect((await call(socket, 'login', { token: 'not-a-jwt' })).error.message).to.equal('the token is not valid');
    } finally {
      closeClients();
      await local.close();
    }
  });
});
