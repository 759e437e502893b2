/**
 * A real browser: headless Chromium (Debian's package, through playwright-core) loads the example
 * page that a REAL multi-process Herald host serves (/sdk/example.html, which imports
 * /sdk/herald.js), logs in with a token and shows a push sent through the HTTP API — once with
 * the websocket transport only, once with HTTP long-polling only (sticky sessions across workers).
 *
 * Needs `dist/` built (the host runs bin/herald.js); builds the SDK bundle itself. Writes a
 * screenshot per transport to test-output/.
 */
import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { signToken } from '../../shared/auth';
import { DEV_JWT_SECRET } from '../../shared/config';
import { packageRoot } from '../../shared/paths';
import { launchChromium, prepareBrowserSuite } from '../support/browser';
import { startHost, type HeraldHost } from '../support/herald-host';
import { push } from '../support/http';


/** What the page shows and exposes. */
interface PageView {
  state: string;
  user: string;
  transport: string;
  pushCount: string;
  log: { kind: string; text: string }[];
  pushes: { data: unknown; meta: { event: string; id: string; ts: number; seq?: number; topic?: string } }[];
  injected: boolean;
}

describe('client SDK in headless Chromium against a multi-process Herald host', function () {
  const root = packageRoot();
  const outputDir = join(root, 'test-output');
  let host: HeraldHost | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;

  before(async function () {
    await prepareBrowserSuite(this, ['client']);
    mkdirSync(outputDir, { recursive: true });
    [host, browser] = await Promise.all([startHost(), launchChromium()]);
  });

  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await host?.stop();
  });

  afterEach(async function () {
    await context?.close();
    context = undefined;
  });

  for (const transport of ['websocket', 'polling'] as const) {
    it(`logs in with a token and shows a push sent through the HTTP API, over ${transport} only`, async function () {
      this.timeout(20_000);
      const started = Date.now();
      const url = (host as HeraldHost).url;
      const uid = `browser-${transport}`;
      const token = signToken({ uid, secret: DEV_JWT_SECRET, ttl: 600 });

      context = await (browser as Browser).newContext();
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      const websockets: string[] = [];
      page.on('websocket', (ws) => websockets.push(ws.url()));
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));

      const answer = await page.goto(`${url}/sdk/example.html?token=${encodeURIComponent(token)}&transport=${transport}`);
      expect(answer?.status(), 'GET /sdk/example.html').to.equal(200);
      expect(answer?.headers()['content-type']).to.equal('text/html; charset=utf-8');
      await page.locator('#user', { hasText: uid }).waitFor({ timeout: 10_000 });

      const sent = await push(url, { to: { uid }, data: { text: `<b id="injected">hello ${transport}</b>`, n: 1 } });
      expect(sent.online, 'Herald counts the browser online').to.equal(1);
      await page.locator('#log li[data-kind=push]').first().waitFor({ timeout: 10_000 });

      const text = async (selector: string) => (await page.locator(selector).textContent()) ?? '';
      const view: PageView = {
        state: await text('#state'),
        user: await text('#user'),
        transport: await text('#connection-transport'),
        pushCount: await text('#push-count'),
        log: await Promise.all(
          (await page.locator('#log li').all()).map(async (li) => ({
            kind: (await li.getAttribute('data-kind')) ?? '',
            text: (await li.textContent()) ?? '',
          })),
        ),
        pushes: JSON.parse(
          await page.evaluate(() => JSON.stringify((globalThis as unknown as { heraldExample: { pushes: unknown } }).heraldExample.pushes)),
        ) as PageView['pushes'],
        injected: (await page.locator('#injected').count()) > 0,
      };
      await page.screenshot({ path: join(outputDir, `client-browser-${transport}.png`), fullPage: true });

      expect(view.state).to.equal('connected');
      expect(view.user).to.equal(uid);
      expect(view.transport, 'the transport the page shows').to.equal(transport);
      expect(view.pushCount).to.equal('1');
      expect(view.pushes).to.have.length(1);
      expect(view.pushes[0]?.data).to.deep.equal({ text: `<b id="injected">hello ${transport}</b>`, n: 1 });
      expect(view.pushes[0]?.meta).to.include({ event: 'message', id: sent.id });
      expect(view.pushes[0]?.meta.ts).to.be.a('number').within(started, Date.now());
      const pushLine = view.log.find((line) => line.kind === 'push')?.text ?? '';
      expect(pushLine).to.include(`id=${sent.id}`).and.include(`<b id=\\"injected\\">hello ${transport}</b>`);
      expect(view.injected, 'push data is shown as text, never parsed as HTML').to.equal(false);
      expect(view.log.map((line) => line.kind)).to.include.members(['connecting', 'connected', 'loggedIn', 'push']);
      expect(view.log.filter((line) => line.kind === 'error')).to.deep.equal([]);

      const engine = (u: string) => u.includes('/socket.io/');
      if (transport === 'websocket') {
        expect(websockets.filter(engine), 'one WebSocket to /socket.io/').to.have.length(1);
        expect(websockets[0]).to.include('transport=websocket');
        expect(requests.filter((u) => engine(u) && u.includes('transport=polling')), 'no polling requests').to.deep.equal([]);
      } else {
        expect(websockets, 'no WebSocket at all').to.deep.equal([]);
        expect(requests.filter((u) => engine(u) && u.includes('transport=polling')).length, 'polling requests').to.be.at.least(2);
      }
      expect(requests.some((u) => u === `${url}/sdk/herald.js`), 'the bundle came from Herald').to.equal(true);
      expect(requests.filter((u) => !u.startsWith(url)), 'nothing loaded from elsewhere').to.deep.equal([]);
      expect(problems).to.deep.equal([]);
    });
  }
});
