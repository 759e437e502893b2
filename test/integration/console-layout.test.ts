/**
 * The dashboard (/admin) and the test tool (/console) at phone width (390 × 844) and desktop
 * width (1280 × 800), in headless Chromium against a REAL multi-process host with data in every
 * table: three clients online, durable messages, a user looked up, cron jobs with long names.
 * - neither page scrolls sideways (`scrollWidth <= innerWidth`), nothing sticks out of the
 *   window, no table is wider than its panel, and no button lies over a table cell or another
 *   button;
 * - dates and cron rules stay on one line, no word of the SDK state panel is broken mid-word;
 * - at 390 px the tables are cards and the log's text has (nearly) the log's whole width;
 * - the chart's y axis has round ticks (whole numbers for counts);
 * - Kick needs a second press, and forgets the first after 10 s (Playwright's fake clock).
 * Full-page screenshots go to test-output/{admin,console}-{390,1280}.png (docs/images/ holds a
 * copy of them).
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
import { closeClients, connect, next } from '../support/clients';
import { startHost, waitForWorkers, type HeraldHost } from '../support/herald-host';
import { api, push } from '../support/http';
import { waitFor } from '../support/wait';

const PASSWORD = 'layout-admin-password';
const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const;
/** Users online while the pages are looked at; the first one gets durable messages. */
const USERS = ['ada', 'grace', 'linus'] as const;
const [CUSTOMER] = USERS;
/** Widths up to which the stylesheet turns the dashboard's tables into cards (console.css). */
const CARDS_UP_TO = 1000;
/** Widths below which the log's text takes a row of its own (console.css). */
const PHONE_BELOW = 640;

/** What LAYOUT_PROBE reports about the page it runs in. */
interface Layout {
  innerWidth: number;
  scrollWidth: number;
  /** Visible elements whose box reaches past the window's left or right edge. */
  outside: string[];
  /** Tables wider than their panel (they scroll inside it: usable, but cut in a screenshot). */
  scrolling: string[];
  /** Buttons whose box overlaps a table cell (other than their own) or another button. */
  overlaps: string[];
  /** `<time>` and one-line `<code>` cells laid out on more than one line. */
  wrapped: string[];
  /** Words (letters and digits) of the SDK state panel split across two lines. */
  brokenWords: string[];
  /** The y-axis labels of each chart, by its panel's id. */
  ticks: Record<string, string[]>;
}

/**
 * Runs in the page (a string: the tests have no DOM types). Elements are named
 * `tag#id.class "text"` in the report.
 */
const LAYOUT_PROBE = String.raw`(() => {
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.classList.length ? '.' + [...e.classList].join('.') : '') + ' "' + (e.textContent || '').trim().slice(0, 30) + '"';
  const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const lines = (rects) => new Set([...rects].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  const inner = window.innerWidth;
  const outside = [...document.querySelectorAll('body *')].filter(visible).filter((e) => {
    const r = e.getBoundingClientRect();
    return r.left < -0.5 || r.right > inner + 0.5;
  }).map(name);
  const scrolling = [...document.querySelectorAll('.table-scroll')].filter((d) => d.scrollWidth > d.clientWidth + 0.5).map((d) => name(d.firstElementChild));
  const overlaps = [];
  const buttons = [...document.querySelectorAll('button')].filter(visible);
  const boxes = [...document.querySelectorAll('td, th, button')].filter(visible);
  for (const b of buttons) {
    const r = b.getBoundingClientRect();
    for (const o of boxes) {
      if (o === b || o.contains(b)) continue;
      const q = o.getBoundingClientRect();
      const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
      const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
      if (w > 1 && h > 1) overlaps.push(name(b) + ' over ' + name(o));
    }
  }
  const wrapped = [...document.querySelectorAll('td time, td code.nowrap')].filter(visible).filter((e) => lines(e.getClientRects()) > 1).map(name);
  const brokenWords = [];
  for (const dd of document.querySelectorAll('#sdk-state dd')) {
    const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[\p{L}\p{N}]{2,}/gu)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        if (lines(range.getClientRects()) > 1) brokenWords.push(dd.id + ': ' + m[0]);
      }
    }
  }
  const ticks = {};
  for (const chart of document.querySelectorAll('section[id^=chart-]')) ticks[chart.id] = [...chart.querySelectorAll('text.tick')].map((t) => t.textContent);
  return { innerWidth: inner, scrollWidth: document.documentElement.scrollWidth, outside, scrolling, overlaps, wrapped, brokenWords, ticks };
})()`;

describe('console and dashboard at 390 px and 1280 px in headless Chromium', function () {
  const root = packageRoot();
  const outputDir = join(root, 'test-output');
  let host: HeraldHost | undefined;
  let browser: Browser | undefined;
  let configDir = '';
  const contexts: BrowserContext[] = [];

  before(async function () {
    await prepareBrowserSuite(this, ['client', 'console']);
    mkdirSync(outputDir, { recursive: true });
    configDir = mkdtempSync(join(tmpdir(), 'herald-layout-config-'));
    mkdirSync(join(configDir, 'local'));
    const shipped = JSON.parse(readFileSync(join(root, 'config', 'local', 'app.json'), 'utf8')) as Record<string, unknown>;
    const jobs = [
      { name: 'morning-digest', schedule: '0 30 7 * * 1-5', push: { to: { topic: 'public.digest' }, event: 'digest', data: { edition: 1 } } },
      { name: 'every-five-minutes-reminder-for-the-night-shift', schedule: '0 */5 22-23,0-6 * * *', push: { to: { topic: 'public.night' }, data: {} } },
    ];
    writeFileSync(join(configDir, 'local', 'app.json'), JSON.stringify({ ...shipped, cron: { jobs } }));
    [host, browser] = await Promise.all([
      startHost({ env: { HERALD_CONFIG_DIR: configDir, HERALD_ADMIN_PASSWORD: PASSWORD } }),
      launchChromium(),
    ]);
    await waitForWorkers(host, 2);
    const url = host.url;
    for (const uid of USERS) await connect(url, { auth: { token: signToken({ uid, secret: DEV_JWT_SECRET, ttl: 600 }) } });
    for (const text of ['Your order has shipped', 'Your parcel is out for delivery today', 'Delivered: sign here']) {
      await push(url, { to: { uid: CUSTOMER }, event: 'order', data: { text, order: 'A-1027' } });
    }
  });

  after(async function () {
    this.timeout(20_000);
    closeClients();
    await browser?.close();
    await host?.stop();
    if (configDir !== '') rmSync(configDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  /** A page at `viewport` that must not fail. */
  async function newPage(viewport: { width: number; height: number }): Promise<{ page: Page; problems: string[]; requests: string[] }> {
    const context = await (browser as Browser).newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // The dashboard asks for its session first; the 401 of a logged-out visit is expected.
      if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(`console error: ${message.text()}`);
    });
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    return { page, problems, requests };
  }

  async function probe(page: Page): Promise<Layout> {
    return (await page.evaluate(LAYOUT_PROBE)) as Layout;
  }

  /** The checks both pages pass at every width. */
  function expectTidy(layout: Layout, what: string): void {
    expect(layout.scrollWidth, `${what}: document scrollWidth <= innerWidth`).to.be.at.most(layout.innerWidth);
    expect(layout.outside, `${what}: elements past the window's edge`).to.deep.equal([]);
    expect(layout.scrolling, `${what}: tables wider than their panel`).to.deep.equal([]);
    expect(layout.overlaps, `${what}: buttons over cells or buttons`).to.deep.equal([]);
    expect(layout.wrapped, `${what}: dates and cron rules on more than one line`).to.deep.equal([]);
  }

  async function logIn(page: Page): Promise<void> {
    await page.goto(`${(host as HeraldHost).url}/admin`);
    await page.locator('body[data-view=login]').waitFor({ timeout: 5000 });
    expectTidy(await probe(page), 'the login form');
    await page.selectOption('#login-kind', 'password');
    await page.fill('#login-secret', PASSWORD);
    await page.click('#login');
    await page.locator('body[data-view=dashboard]').waitFor({ timeout: 5000 });
  }

  /** Looks `uid` up in the dashboard and waits for its devices and messages. */
  async function lookUp(page: Page, uid: string): Promise<void> {
    await page.fill('#user-uid', uid);
    await page.click('#user-lookup');
    await page.locator('#user-result', { hasText: `${uid}: online, 1 connection` }).waitFor({ timeout: 5000 });
  }

  for (const viewport of VIEWPORTS) {
    const { width } = viewport;

    it(`dashboard at ${width} px: no sideways scroll, nothing past the edge or overlapping, dates and rules on one line, round chart ticks`, async function () {
      this.timeout(30_000);
      const { page, problems } = await newPage(viewport);
      await logIn(page);
      await page.locator('#workers-body tr', { hasText: 'herald.Worker.1' }).waitFor({ timeout: 5000 });
      await page.locator('#cron-body tr', { hasText: 'every-five-minutes-reminder' }).waitFor({ timeout: 5000 });
      // Two samples of the primary's history (one every 5 s) draw lines rather than dots.
      await waitFor(async () => {
        await page.click('#refresh');
        return (await page.locator('#chart-connections polyline').count()) > 0;
      }, 15_000, 'two samples in the chart', 1000);
      await page.selectOption('#push-target', 'uid');
      await page.fill('#push-to', CUSTOMER);
      await page.fill('#push-event', 'order');
      await page.fill('#push-data', '{"text":"Your invoice is ready","order":"A-1027"}');
      await page.click('#push-send');
      await page.locator('#push-result', { hasText: 'online 1' }).waitFor({ timeout: 5000 });
      await lookUp(page, CUSTOMER);
      await page.locator('#messages-body tr', { hasText: 'invoice' }).first().waitFor({ timeout: 5000 });

      const layout = await probe(page);
      expectTidy(layout, `/admin at ${width} px`);
      const connections = layout.ticks['chart-connections'] ?? [];
      expect(connections, 'connection ticks: whole numbers from 0').to.have.length.within(2, 5);
      expect(connections[0]).to.equal('0');
      for (const tick of connections) expect(tick, `a count tick of ${connections.join(' / ')}`).to.match(/^\d+$/);
      const rates = layout.ticks['chart-rates'] ?? [];
      expect(rates, 'rate ticks').to.have.length.within(2, 5);
      const step = Number(rates[1]);
      rates.forEach((tick, i) => {
        expect(Number(tick), `rate tick ${i} of ${rates.join(' / ')}`).to.be.closeTo(i * step, step / 1000);
        expect(tick.split('.')[1]?.length ?? 0, `rate ticks written alike: ${rates.join(' / ')}`).to.equal(rates[0]?.split('.')[1]?.length ?? 0);
      });
      expect(step / 10 ** Math.floor(Math.log10(step) + 1e-9), `rate step of ${rates.join(' / ')}`).to.be.oneOf([1, 2, 5]);

      const cards = await page.evaluate(String.raw`[...document.querySelectorAll('table.cards thead')].map((t) => getComputedStyle(t).display)`) as string[];
      expect(cards.length, 'tables').to.be.at.least(8);
      const asCards = width <= CARDS_UP_TO;
      expect(new Set(cards), asCards ? 'tables are cards (no header row)' : 'tables have their header rows').to.deep.equal(new Set([asCards ? 'none' : 'table-header-group']));
      if (asCards) expect(await page.locator('#cron-body tr:first-child td:nth-child(2)').getAttribute('data-label'), 'a card names its fields').to.equal('rule');

      await page.screenshot({ path: join(outputDir, `admin-${width}.png`), fullPage: true });
      expect(problems).to.deep.equal([]);
    });

    it(`test tool at ${width} px: no sideways scroll, the log's text has room, buttons grouped, the URL whole, no word broken in the SDK state`, async function () {
      this.timeout(20_000);
      const url = (host as HeraldHost).url;
      const uid = `layout-tool-${width}`;
      const { page, problems } = await newPage(viewport);
      await page.goto(`${url}/console`);
      await page.fill('#credential', signToken({ uid, secret: DEV_JWT_SECRET, ttl: 600 }));
      await page.click('#connect');
      await page.locator('#state-user', { hasText: `${uid} (web` }).waitFor({ timeout: 10_000 });
      await page.fill('#topic', 'public.news');
      await page.click('#subscribe');
      await page.locator('#state-topics', { hasText: 'public.news' }).waitFor({ timeout: 5000 });
      await push(url, { to: { uid }, event: 'order', data: { text: 'Your parcel is out for delivery today', order: 'A-1027', eta: '14:00-16:00' } });
      await page.locator('#log li[data-event=order]').waitFor({ timeout: 5000 });
      await page.click('#send-heartbeat');
      await page.locator('#log li[data-event="heartbeat answer"]').waitFor({ timeout: 5000 });

      const layout = await probe(page);
      expectTidy(layout, `/console at ${width} px`);
      expect(layout.brokenWords, 'words of the SDK state split across lines').to.deep.equal([]);
      expect(await page.locator('#state-policy').textContent()).to.include('(1 retry)');

      const box = async (selector: string) => {
        const found = await page.locator(selector).first().boundingBox();
        if (found === null) throw new Error(`${selector} is not laid out`);
        return found;
      };
      const [log, text, disconnect, reconnect] = await Promise.all([box('#log'), box('#log li[data-event=order] .text'), box('#disconnect'), box('#reconnect-now')]);
      expect(text.width / log.width, "the log's text column: share of the log's width").to.be.above(width < PHONE_BELOW ? 0.9 : 0.6);
      expect(reconnect.y, 'Reconnect now on the row of Disconnect').to.equal(disconnect.y);
      const address = await page.evaluate(String.raw`(() => { const i = document.getElementById('address'); return { scroll: i.scrollWidth, client: i.clientWidth, value: i.value }; })()`) as { scroll: number; client: number; value: string };
      expect(address.value).to.equal(`${url}/api/v1/endpoint`);
      expect(address.scroll, 'the URL field shows its whole value').to.be.at.most(address.client);

      await page.screenshot({ path: join(outputDir, `console-${width}.png`), fullPage: true });
      expect(problems).to.deep.equal([]);
    });
  }

  it('dashboard: Kick asks for a second press, forgets the first after 10 s or a changed uid, and only then closes the connections', async function () {
    this.timeout(20_000);
    const url = (host as HeraldHost).url;
    const uid = 'layout-kicked';
    const socket = await connect(url, { auth: { token: signToken({ uid, secret: DEV_JWT_SECRET, ttl: 600 }) } });
    const { page, problems, requests } = await newPage(VIEWPORTS[0]);
    await logIn(page);
    await page.clock.install();
    await lookUp(page, uid);
    const kickCalls = () => requests.filter((u) => u.endsWith('/api/v1/admin/kick')).length;

    await page.click('#kick');
    expect(await page.locator('#kick').textContent()).to.equal('Confirm kick');
    expect(await page.locator('#kick-result').textContent()).to.equal(`Close every connection of ${uid} (reason admin)? Press Confirm kick within 10 s.`);
    await page.clock.fastForward(10_001);
    expect(await page.locator('#kick').textContent(), 'after 10 s').to.equal('Kick');
    expect(await page.locator('#kick-result').textContent()).to.equal('');

    await page.click('#kick');
    await page.fill('#user-uid', `${uid}-other`);
    expect(await page.locator('#kick').textContent(), 'after the uid changed').to.equal('Kick');
    await page.fill('#user-uid', uid);
    expect(kickCalls(), 'no kick sent by a first press').to.equal(0);
    expect((await api(url, `/api/v1/online/${uid}`)).json.connections).to.equal(1);

    const kicked = next<{ reason: string }>(socket, 'kick');
    await page.click('#kick');
    await page.click('#kick');
    await page.locator('#kick-result', { hasText: 'kicked 1 connection' }).waitFor({ timeout: 5000 });
    expect((await kicked).reason).to.equal('admin');
    expect(kickCalls()).to.equal(1);
    expect(problems).to.deep.equal([]);
  });
});
