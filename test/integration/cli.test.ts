/** The `herald` command's token and push commands, as an operator types them. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { packageRoot } from '../../shared/paths';
import { call, closeClients, connect, next } from '../support/clients';
import { herald as runHerald } from '../support/cli';
import { startInProcess, type InProcessHerald } from '../support/in-process';

function herald(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(packageRoot(), 'bin', 'herald.js'), ...args], {
    env: { ...process.env, PUSH_ENV: 'local', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

/** Like herald(), without blocking this process (which serves the in-process Herald). */
async function heraldAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const result = await runHerald(args, { PUSH_ENV: 'local' });
  return { status: result.code, stdout: result.stdout, stderr: result.stderr };
}

describe('herald CLI', function () {
  let server: InProcessHerald;
  before(async function () {
    server = await startInProcess();
  });
  after(async function () {
    closeClients();
    await server.close();
  });

  it('`herald token --uid 42` prints a token that logs in as 42', async function () {
    const result = herald(['token', '--uid', '42', '--ttl', '600']);
    expect(result.status).to.equal(0);
    const token = result.stdout.trim();
    expect(token).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const socket = await connect(server.url);
    expect(await call(socket, 'login', { token })).to.include({ ok: true, uid: '42' });
  });

  it('refuses a bad uid or ttl, and a token for an environment without a local secret, in one line', function () {
    const badUid = herald(['token', '--uid', 'not valid']);
    expect(badUid.status).to.equal(2);
    expect(badUid.stderr.trim()).to.equal('herald: --uid must match ^[A-Za-z0-9_.:@-]{1,64}$');
    expect(herald(['token', '--uid', '1', '--ttl', '-5']).stderr.trim()).to.equal('herald: --ttl must be a positive whole number of seconds');
    const test = herald(['token', '--uid', '1', '--env', 'test']);
    expect(test.status).to.equal(2);
    expect(test.stderr.trim()).to.equal('herald: tokens can be signed only with the jwt verifier and HS256 (this environment uses http)');
  });

  it('`herald push` sends through the HTTP API and prints the answer', async function () {
    const token = herald(['token', '--uid', 'cli-user']).stdout.trim();
    const socket = await connect(server.url);
    await call(socket, 'login', { token });
    const got = next(socket, 'notice');
    const result = await heraldAsync(['push', '--uid', 'cli-user', '--event', 'notice', '--data', '{"n":1}', '--url', server.url]);
    expect(result.status, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ ok: true, online: 1 });
    expect((await got).data).to.deep.equal({ n: 1 });
    const bad = await heraldAsync(['push', '--uid', 'x', '--topic', 'y', '--url', server.url]);
    expect(bad.stderr.trim()).to.equal('herald: give exactly one of --uid, --uids, --topic, --all');
  });

  it('`server stop -force` leaves alone a live process that a stale pid file names but is not Herald', function () {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-stale-pid-'));
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      mkdirSync(join(dataDir, 'run'), { recursive: true });
      writeFileSync(join(dataDir, 'run', 'herald.pid'), `${stranger.pid}\n`);
      const result = herald(['server', 'stop', '-force'], { HERALD_DATA_DIR: dataDir });
      expect(result.status).to.equal(1);
      expect(result.stderr).to.include('herald is not running');
      expect(stranger.exitCode).to.equal(null);
      expect(() => process.kill(stranger.pid as number, 0)).to.not.throw();
    } finally {
      stranger.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('names itself in help, usage and hints the way it was invoked', function () {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-cli-name-'));
    const invoked = (env: Record<string, string>, args: string[]) =>
      spawnSync(process.execPath, [join('bin', 'herald.js'), ...args], {
        cwd: packageRoot(),
        env: { ...process.env, PUSH_ENV: 'local', HERALD_DATA_DIR: dataDir, HERALD_CLI_NAME: '', npm_command: '', npm_lifecycle_script: '', ...env },
        encoding: 'utf8',
        timeout: 20_000,
      });
    try {
      expect(invoked({}, ['--help']).stdout).to.match(/^Usage: node bin\/herald\.js \[options\] \[command\]\n/);
      // What npm sets for `npx herald …` (npm exec runs the package's bin as the script `herald`).
      const npx = { npm_command: 'exec', npm_lifecycle_script: 'herald' };
      expect(invoked(npx, ['server', 'start', '--help']).stdout).to.match(/^Usage: npx herald server start \[options\]\n/);
      const status = invoked(npx, ['server', 'status']);
      expect(status.status).to.equal(1);
      expect(status.stderr.trim()).to.match(/^herald: herald is not running \(no server answers at .*\); start it with npx herald server start -d$/);
      expect(invoked({ HERALD_CLI_NAME: 'herald' }, ['token']).stderr).to.include('Usage: herald token [options]');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('accepts the seed spelling -mode=websocket and prints its version', function () {
    const result = herald(['--version', '-mode=websocket']);
    expect(result.status).to.equal(0);
    expect(result.stdout.trim()).to.match(/^\d+\.\d+\.\d+$/);
  });
});
