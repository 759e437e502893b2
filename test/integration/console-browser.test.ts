/**
 * The test tool (/console) and the dashboard (/admin) in headless Chromium (Debian's package,
 * through playwright-core) against a REAL multi-process host (`bin/herald.js server start`: a
 * primary, 2 workers, a task and a cron process):
 * - the test tool connects over websocket and over long-polling, logs in with a token and logs a
 *   push sent through the HTTP API, with the SDK's state beside it; when its worker is killed it
 *   shows the reconnect attempt and countdown, and comes back on "Reconnect now";
 * - the dashboard logs in with the admin password, shows the workers and the connected user,
 *   sends a push the test tool receives, stops and resumes a cron job (as `herald crontab show`
 *   then reports) and kicks the user (two presses);
 * - pushed `<script>` and `<img onerror>` payloads stay text in both pages;
 * - screenshots of both pages go to test-output/console-*.png on every run.
 *
 * Needs `dist/` built (the host runs bin/herald.js); builds the SDK and console bundles itself.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { packageRoot } from '../../shared/paths';
import { launchChromium, prepareBrowserSuite } from '../support/browser';
import { herald, heraldJson } from '../support/cli';
import { startHost, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { api, push } from '../support/http';

const PASSWORD = 'browser-admin-password';
const CRON_JOB = 'console-digest';

/** The one DOM method these tests call inside the page (the test code has no DOM types). */
interface Attributes {
  getAttribute(name: string): string | null;
}

interface CronRow {
  name: string;
  stopped: boolean;
}

describe('console and dashboard in headless Chromium against a multi-process Herald host', function () {
  const root = packageRoot();
  const outputDir = join(root, 'test-output');
  let host: HeraldHost | undefined;
  let browser: Browser | undefined;
  let configDir = '';
  let cliEnv: Record<string, string> = {};
  const contexts: BrowserContext[] = [];

  before(async function () {
    await prepareBrowserSuite(this, ['client', 'console']);
    mkdirSync(outputDir, { recursive: true });
    configDir = mkdtempSync(join(tmpdir(), 'herald-console-config-'));
    mkdirSync(join(configDir, 'local'));
    const shipped = JSON.parse(readFileSync(join(root, 'config', 'local', 'app.json'), 'utf8')) as Record<string, unknown>;
    const job = { name: CRON_JOB, schedule: '0 0 3 * * *', push: { to: { topic: 'public.digest' }, event: 'digest', data: { edition: 1 } } };
    writeFileSync(join(configDir, 'local', 'app.json'), JSON.stringify({ ...shipped, cron: { jobs: [job] } }));
    [host, browser] = await Promise.all([
      startHost({ env: { HERALD_CONFIG_DIR: configDir, HERALD_ADMIN_PASSWORD: PASSWORD } }),
      launchChromium(),
    ]);
    cliEnv = { PUSH_ENV: 'local', HERALD_CONFIG_DIR: configDir, HERALD_DATA_DIR: host.dataDir };
    await waitForWorkers(host, 2);
  });

  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await host?.stop();
    if (configDir !== '') rmSync(configDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  /** A fresh browser context whose pages must not fail or load anything from elsewhere. */
  async function newContext(): Promise<{ context: BrowserContext; problems: string[]; requests: string[]; dialogs: string[] }> {
    const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const problems: string[] = [];
    const requests: string[] = [];
    const dialogs: string[] = [];
    context.on('page', (page) => {
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // The dashboard asks for its session first; the 401 of a logged-out visit is expected.
        if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(`console error: ${message.text()}`);
      });
      page.on('request', (request) => requests.push(request.url()));
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
    });
    return { context, problems, requests, dialogs };
  }

  /** Opens the test tool and connects as `uid` with a token. */
  async function openTool(context: BrowserContext, uid: string, transport: 'websocket' | 'polling' | ''): Promise<{ page: Page; token: string }> {
    const url = (host as HeraldHost).url;
    const page = await context.newPage();
    const answer = await page.goto(`${url}/console`);
    expect(answer?.status(), 'GET /console').to.equal(200);
    expect(answer?.headers()['content-security-policy']).to.include("default-src 'self'").and.include("script-src 'self'");
    const token = signToken({ uid, secret: DEV_JWT_SECRET, ttl: 600 });
    await page.selectOption('#transport', transport);
    await page.fill('#credential', token);
    await page.click('#connect');
    await page.locator('#state-user', { hasText: `${uid} (web` }).waitFor({ timeout: 10_000 });
    return { page, token };
  }

  async function openDashboard(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    const answer = await page.goto(`${(host as HeraldHost).url}/admin`);
    expect(answer?.headers()['content-security-policy']).to.include("connect-src 'self'");
    await page.locator('body[data-view=login]').waitFor({ timeout: 5000 });
    await page.selectOption('#login-kind', 'password');
    await page.fill('#login-secret', PASSWORD);
    await page.click('#login');
    await page.locator('body[data-view=dashboard]').waitFor({ timeout: 5000 });
    return page;
  }

  const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();

  for (const transport of ['websocket', 'polling'] as const) {
    it(`test tool: connects over ${transport} only, logs in with a token and logs a push sent through the API`, async function () {
      this.timeout(20_000);
      const url = (host as HeraldHost).url;
      const uid = `console-${transport}`;
      const { context, problems, requests } = await newContext();
      const websockets: string[] = [];
      context.on('page', (page) => page.on('websocket', (ws) => websockets.push(ws.url())));
      const { page, token } = await openTool(context, uid, transport);

      const sent = await push(url, { to: { uid }, data: { text: `hello over ${transport}` } });
      expect(sent.online, 'Herald counts the page online').to.equal(1);
      const line = page.locator('#log li[data-dir=in][data-event=message]');
      await line.first().waitFor({ timeout: 10_000 });
      expect(await line.first().textContent()).to.include(`"id":"${sent.id}"`).and.include(`hello over ${transport}`).and.include('"seq":1');

      await page.click('#send-heartbeat');
      await page.locator('#log li[data-event="heartbeat answer"]').first().waitFor({ timeout: 5000 });

      expect(await text(page, '#state')).to.equal('connected');
      expect(await text(page, '#state-transport')).to.equal(transport);
      await page.locator('#state-seq', { hasText: /^1\b/ }).waitFor({ timeout: 5000 });
      expect(await text(page, '#state-heartbeat')).to.match(/^silent for \d+ s; next heartbeat in \d+ s \(after 150 s of silence\)/);
      expect(await text(page, '#state-policy')).to.include('reconnect after 60/120/180 s');
      const events = await page.locator('#log li').evaluateAll((items: unknown[]) =>
        items.map((li) => `${(li as Attributes).getAttribute('data-dir')} ${(li as Attributes).getAttribute('data-event')}`),
      );
      expect(events).to.include.members(['page connecting', 'out connect', 'in connect', 'sdk connected', 'out login', 'in login answer', 'sdk loggedIn', 'in message', 'out heartbeat']);
      const pageText = (await page.locator('body').textContent()) ?? '';
      expect(pageText, 'the log never shows the token').to.not.include(token);
      expect(await text(page, '#log li[data-event=login][data-dir=out] .text')).to.match(/"token":"‹\d+ characters›"/);
      await page.screenshot({ path: join(outputDir, `console-${transport}.png`), fullPage: true });

      const engine = websockets.filter((u) => u.includes('/socket.io/'));
      const polls = requests.filter((u) => u.includes('/socket.io/') && u.includes('transport=polling'));
      if (transport === 'websocket') {
        expect(engine, 'one WebSocket to /socket.io/').to.have.length(1);
        expect(polls, 'no polling requests').to.deep.equal([]);
      } else {
        expect(engine, 'no WebSocket at all').to.deep.equal([]);
        expect(polls.length, 'polling requests').to.be.at.least(2);
      }
      expect(requests, 'the SDK bundle came from Herald').to.include(`${url}/sdk/herald.js`);
      expect(requests.filter((u) => !u.startsWith(url)), 'nothing loaded from elsewhere').to.deep.equal([]);
      expect(problems).to.deep.equal([]);
    });
  }

  it('test tool: shows the reconnect attempt and its countdown when the connection drops, and comes back on Reconnect now', async function () {
    this.timeout(20_000);
    const url = (host as HeraldHost).url;
    const uid = 'console-reconnect';
    const { context, problems } = await newContext();
    const { page } = await openTool(context, uid, 'websocket');
    const online = await api(url, `/api/v1/online/${uid}`);
    const pid = Number(String(online.json.sessions[0].node).split('/')[2]);
    const killed = await herald(['process', 'kill', `--pid=${pid}`, '-f'], cliEnv);
    expect(killed.code, killed.stderr).to.equal(0);

    await page.locator('body[data-state=reconnecting]').waitFor({ timeout: 5000 });
    await page.locator('#state-reconnect', { hasText: /^attempt 1 in (60|59|58) s$/ }).waitFor({ timeout: 2000 });
    expect(await text(page, '#state-user')).to.equal('not logged in');
    expect(await text(page, '#log li[data-event=reconnecting]')).to.include('attempt 1 in 60 s');
    expect(await text(page, '#log li[data-event=disconnected]')).to.match(/transport (close|error), will reconnect/);

    await waitForWorkers(host as HeraldHost, 2);
    await page.click('#reconnect-now');
    await page.locator('body[data-state=connected]').waitFor({ timeout: 5000 });
    await page.locator('#state-user', { hasText: `${uid} (web` }).waitFor({ timeout: 5000 });
    expect(await text(page, '#state-reconnect')).to.equal('-');
    expect(await page.locator('#log li[data-event=loggedIn]').count(), 'logged in again with the kept token').to.equal(2);
    expect(problems).to.deep.equal([]);
  });

  it('dashboard: logs in, shows the workers and the user, pushes to the test tool, stops and resumes a cron job, kicks', async function () {
    this.timeout(30_000);
    const uid = 'console-dashboard';
    const { context, problems, requests } = await newContext();
    const { page: tool } = await openTool(context, uid, 'websocket');
    const admin = await openDashboard(context);

    // Hosts and workers (the data of process show), the chart.
    await admin.locator('#workers-body tr', { hasText: 'herald.Worker.1' }).waitFor({ timeout: 5000 });
    const workers = await admin.locator('#workers-body tr').allTextContents();
    expect(workers).to.have.length(2);
    for (const row of workers) expect(row).to.include('ready').and.match(/\d+\.\d MB/);
    const processes = await admin.locator('#processes-body tr td:nth-child(2)').allTextContents();
    expect(processes).to.deep.equal(['herald.Primary', 'herald.Worker.0', 'herald.Worker.1', 'herald.TaskWorker.0', 'herald.Crontab']);
    expect(await admin.locator('#tasks-body tr').count()).to.equal(1);
    expect(await admin.locator('#chart-connections svg polyline, #chart-connections svg circle').count()).to.be.at.least(2);

    // The connected user.
    await admin.fill('#user-uid', uid);
    await admin.click('#user-lookup');
    await admin.locator('#user-result', { hasText: `${uid}: online, 1 connection` }).waitFor({ timeout: 5000 });
    expect(await text(admin, '#sessions-body')).to.include('web');

    // A push from the form reaches the test tool.
    await admin.selectOption('#push-target', 'uid');
    await admin.fill('#push-to', uid);
    await admin.fill('#push-event', 'notice');
    await admin.fill('#push-data', '{"from":"the dashboard"}');
    await admin.click('#push-send');
    await admin.locator('#push-result', { hasText: 'sent ' }).waitFor({ timeout: 5000 });
    const pushResult = await text(admin, '#push-result');
    expect(pushResult).to.match(/^sent [\w-]+: stored true, online 1$/);
    const pushId = pushResult.split(' ')[1]?.replace(/:$/, '');
    const received = tool.locator('#log li[data-dir=in][data-event=notice]');
    await received.first().waitFor({ timeout: 5000 });
    expect(await received.first().textContent()).to.include(`"id":"${pushId}"`).and.include('the dashboard');
    await admin.click('#user-lookup');
    await admin.locator('#messages-body tr', { hasText: 'notice' }).waitFor({ timeout: 5000 });
    expect(await text(admin, '#messages-body tr:first-child td:first-child')).to.equal('1');

    // Stop and resume a cron job; the CLI sees each change.
    const cronRow = admin.locator('#cron-body tr', { hasText: CRON_JOB });
    await cronRow.locator('button[data-action=stop]').click();
    await admin.locator('#cron-result', { hasText: `${CRON_JOB} stopped` }).waitFor({ timeout: 10_000 });
    await cronRow.locator('button[data-action=resume]').waitFor({ timeout: 5000 });
    const stopped = await heraldJson<{ rows: CronRow[] }>(['crontab', 'show'], cliEnv);
    expect(stopped.rows.find((r) => r.name === CRON_JOB)?.stopped, 'herald crontab show after Stop').to.equal(true);
    await admin.screenshot({ path: join(outputDir, 'console-admin.png'), fullPage: true });
    await cronRow.locator('button[data-action=resume]').click();
    await admin.locator('#cron-result', { hasText: `${CRON_JOB} resumed` }).waitFor({ timeout: 10_000 });
    const resumed = await heraldJson<{ rows: CronRow[] }>(['crontab', 'show'], cliEnv);
    expect(resumed.rows.find((r) => r.name === CRON_JOB)?.stopped, 'herald crontab show after Resume').to.equal(false);

    // Kick (a second press confirms it): the test tool hears it and stays away (reason admin).
    await admin.fill('#kick-message', 'maintenance');
    await admin.click('#kick');
    await admin.locator('#kick', { hasText: 'Confirm kick' }).waitFor({ timeout: 5000 });
    await admin.click('#kick');
    await admin.locator('#kick-result', { hasText: 'kicked 1 connection' }).waitFor({ timeout: 5000 });
    await tool.locator('#log li[data-event=kicked]', { hasText: 'admin, will not reconnect: maintenance' }).waitFor({ timeout: 5000 });
    await tool.locator('body[data-state=closed]').waitFor({ timeout: 5000 });

    const url = (host as HeraldHost).url;
    expect(requests.filter((u) => !u.startsWith(url)), 'nothing loaded from elsewhere').to.deep.equal([]);
    expect(problems).to.deep.equal([]);
  });

  it('shows pushed <script> and <img onerror> payloads as text, in the test tool and the dashboard', async function () {
    this.timeout(20_000);
    const url = (host as HeraldHost).url;
    const uid = 'console-xss';
    const { context, problems, dialogs } = await newContext();
    const { page: tool } = await openTool(context, uid, '');
    const script = '<script>window.__heraldXss = "script"</script>';
    const image = '<img src="/nope.png" onerror="window.__heraldXss = \'img\'; alert(1)">';
    const sent = await push(url, { to: { uid }, data: { script, image } });
    const line = tool.locator('#log li[data-dir=in][data-event=message]');
    await line.first().waitFor({ timeout: 10_000 });
    const shown = (await line.first().textContent()) ?? '';
    expect(shown).to.include(`"id":"${sent.id}"`).and.include(JSON.stringify(script).slice(1, -1)).and.include('<img src=\\"/nope.png\\" onerror=');
    await tool.screenshot({ path: join(outputDir, 'console-xss.png'), fullPage: true });
    const admin = await openDashboard(context);
    await admin.fill('#user-uid', uid);
    await admin.click('#user-lookup');
    await admin.locator('#messages-body tr', { hasText: 'message' }).waitFor({ timeout: 5000 });
    expect(await text(admin, '#messages-body')).to.include(JSON.stringify(script).slice(1, -1));

    for (const page of [tool, admin]) {
      const injected = await page.evaluate(() => {
        const browserGlobal = globalThis as unknown as { document: { querySelectorAll(selector: string): ArrayLike<Attributes> }; __heraldXss?: string };
        return {
          images: browserGlobal.document.querySelectorAll('img').length,
          scripts: Array.from(browserGlobal.document.querySelectorAll('script')).map((s) => s.getAttribute('src')),
          flag: browserGlobal.__heraldXss ?? null,
        };
      });
      expect(injected.images, 'no <img> element was created').to.equal(0);
      expect(injected.scripts, 'only the page script').to.have.length(1);
      expect(injected.flag, 'no injected code ran').to.equal(null);
    }
    expect(dialogs, 'no dialog fired').to.deep.equal([]);
    expect(problems).to.deep.equal([]);
  });

  it('offers no route to stop, reload or kill the host, which keeps running', async function () {
    this.timeout(20_000);
    const url = (host as HeraldHost).url;
    for (const path of ['/api/v1/admin/stop', '/api/v1/admin/reload', '/api/v1/admin/control', '/api/v1/admin/process/kill']) {
      expect((await api(url, path, { body: { command: 'stop' } })).status, path).to.equal(404);
    }
    const unknown = await api(url, '/api/v1/admin/crontab/stop', { body: { name: 'no-such-job' } });
    expect(unknown.status).to.equal(404);
    expect(unknown.json.error.message).to.equal('no cron job "no-such-job" (see herald crontab show)');
    const status = await herald(['server', 'status', '--json'], cliEnv);
    expect(status.code, status.stderr).to.equal(0);
    expect(JSON.parse(status.stdout).workers).to.deep.equal({ ready: 2, expected: 2 });
  });
});
