/**
 * A first run, as the README tells it: `herald server start` (in the foreground and with -d)
 * prints where Herald answers — the API, the SDK example page, the test console, the dashboard,
 * readiness and metrics, each of which answers 200 — and in `local` the public API key and a
 * command that mints a login token, which works as printed. The dashboard's login form, on the
 * `local` default (no admin password), offers the API key, and the printed key logs in.
 *
 * Needs `dist/` built (the hosts run bin/herald.js); the browser part needs Debian's chromium.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { LOCAL_API_KEY } from '../../shared/config';
import { packageRoot } from '../../shared/paths';
import { chromiumMissing, launchChromium } from '../support/browser';
import { call, closeClients, connect } from '../support/clients';
import { herald } from '../support/cli';
import { startHost, type HeraldHost } from '../support/herald-host';
import { freePort } from '../support/ports';
import { waitFor } from '../support/wait';

const run = promisify(execFile);

/** The labels the banner of a `local` host lists, in order. */
const LOCAL_ITEMS = ['API', 'SDK example', 'test console', 'dashboard', 'readiness', 'metrics', 'dev API key', 'login token'];

/** Variables that would change the name the CLI gives itself (npm's, when mocha runs under npm). */
const PLAIN_INVOCATION = { HERALD_CLI_NAME: '', npm_lifecycle_script: '' };

interface Banner {
  head: string;
  items: Record<string, string>;
}

/** The banner in a host's output: its head line and `label  value` items (the value without a note). */
function readBanner(output: string): Banner | undefined {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Herald is listening on'));
  if (start < 0) return undefined;
  const items: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /^ {2}(\S+(?: \S+)*?) {2,}(.+)$/.exec(line);
    if (match === null) break;
    items[match[1] as string] = (match[2] as string).split('   (')[0] as string;
  }
  return { head: lines[start] as string, items };
}

/** The URLs of a banner (every item that is one). */
function urlsOf(banner: Banner): string[] {
  return Object.values(banner.items).filter((value) => /^https?:\/\//.test(value));
}

async function expectAllAnswer(urls: string[]): Promise<void> {
  expect(urls).to.have.length(6);
  for (const url of urls) {
    const response = await fetch(url);
    await response.arrayBuffer();
    expect(response.status, `GET ${url}`).to.equal(200);
  }
}

describe('a first run: what `herald server start` prints, and that it works', function () {
  this.timeout(60_000);
  let host: HeraldHost | undefined;
  let browser: Browser | undefined;

  before(async function () {
    host = await startHost({ env: { HERALD_LOG_FORMAT: 'pretty', HERALD_WORKERS: '1', ...PLAIN_INVOCATION } });
  });

  after(async function () {
    closeClients();
    await browser?.close();
    await host?.stop();
  });

  it('prints in the foreground the URLs it serves, each answering 200, the dev API key and a token command that works', async function () {
    const { url, output } = host as HeraldHost;
    const banner = await waitFor(() => readBanner(output()), 10_000, 'the start banner');
    expect(banner.head).to.equal(`Herald is listening on ${url}, env local:`);
    expect(Object.keys(banner.items)).to.deep.equal(LOCAL_ITEMS);
    expect(banner.items.API).to.equal(`${url}/api/v1/endpoint`);
    expect(banner.items.dashboard).to.equal(`${url}/admin`);
    await expectAllAnswer(urlsOf(banner));
    expect(banner.items['dev API key']).to.equal(LOCAL_API_KEY);

    const command = banner.items['login token'] as string;
    expect(command).to.equal('node bin/herald.js token --uid 42');
    const minted = await run('sh', ['-c', command], { cwd: packageRoot(), env: { ...process.env, PUSH_ENV: 'local' } });
    const socket = await connect(url);
    expect(await call(socket, 'login', { token: minted.stdout.trim() })).to.include({ ok: true, uid: '42' });
  });

  it('offers the API key on the dashboard login of the local default, and the printed key logs in', async function () {
    const missing = chromiumMissing();
    if (missing !== null) {
      console.warn(`      skipping the browser part: ${missing}`);
      this.skip();
    }
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${(host as HeraldHost).url}/admin`);
    await page.locator('body[data-view=login]').waitFor({ timeout: 5000 });
    await waitFor(async () => (await page.locator('#login-kind').inputValue()) === 'apiKey', 5000, 'the form to pick the API key');
    expect(await page.locator('#login-kind option[value=password]:disabled').count(), 'the password option is off').to.equal(1);
    expect(await page.locator('#login-kind option[value=apiKey]:disabled').count()).to.equal(0);
    await page.fill('#login-secret', LOCAL_API_KEY);
    await page.click('#login');
    await page.locator('body[data-view=dashboard]').waitFor({ timeout: 5000 });
    expect(await page.locator('#session-via').textContent()).to.match(/^API key [0-9a-f]{8}/);
  });

  it('prints the same list after `server start -d`, with the command named as configured', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'herald-first-run-'));
    const port = await freePort();
    const env = { PUSH_ENV: 'local', HERALD_DATA_DIR: dir, HERALD_PORT: String(port), HERALD_WORKERS: '1', HERALD_CLI_NAME: 'npx herald' };
    try {
      const started = await herald(['server', 'start', '-d'], env);
      expect(started.code, started.stderr).to.equal(0);
      const lines = started.stdout.trimEnd().split('\n');
      expect(lines[0]).to.match(new RegExp(`^herald started: pid \\d+, port ${port}, env local, log `));
      const banner = readBanner(started.stdout) as Banner;
      expect(banner.head).to.equal(`Herald is listening on http://127.0.0.1:${port}, env local:`);
      expect(Object.keys(banner.items)).to.deep.equal(LOCAL_ITEMS);
      expect(banner.items['login token']).to.equal('npx herald token --uid 42');
      await expectAllAnswer(urlsOf(banner));
      const stopped = await herald(['server', 'stop'], env);
      expect(stopped.code, stopped.stderr).to.equal(0);
    } finally {
      await herald(['server', 'stop', '-force'], env);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
