/**
 * The console's built files: current (a fresh build of console/src and console/pages equals what
 * dist/console holds, i.e. what Herald serves), free of HTML sinks and of server code (the build
 * refuses a runtime import of shared/), and pages that load nothing from elsewhere and hold no
 * inline script — what the Content-Security-Policy then enforces.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONSOLE_ASSETS, PAGE_POLICIES } from '../../server/http/admin/console-files';
import { packageRoot } from '../../shared/paths';

const run = promisify(execFile);
const root = packageRoot();
const built = join(root, 'dist', 'console');

/** Ways a page can turn text into markup or code. */
const SINKS = /\binnerHTML\b|\bouterHTML\b|insertAdjacentHTML|document\.write|\beval\s*\(|new Function\s*\(/;

describe('console assets', function () {
  it('dist/console is what console/build.mjs makes of the sources now (run npm run build when this fails)', async function () {
    this.timeout(30_000);
    const fresh = mkdtempSync(join(tmpdir(), 'herald-console-build-'));
    try {
      await run(process.execPath, [join(root, 'console', 'build.mjs'), '--outdir', fresh], { cwd: root });
      const files = readdirSync(fresh).sort();
      expect(files).to.deep.equal(['admin.html', 'admin.js', 'console.css', 'console.html', 'console.js']);
      expect(Object.keys(CONSOLE_ASSETS).every((name) => files.includes(name)), 'every served asset is built').to.equal(true);
      for (const file of files) {
        expect(readFileSync(join(built, file)).equals(readFileSync(join(fresh, file))), `dist/console/${file} is stale`).to.equal(true);
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('refuses to bundle server code: a runtime import of the control contract fails the build and writes nothing; `import type` is erased', async function () {
    this.timeout(30_000);
    // A copy of console/ whose pages import shared/control/ (the real one, through a link).
    const copy = mkdtempSync(join(tmpdir(), 'herald-console-guard-'));
    try {
      for (const dir of ['src', 'pages']) mkdirSync(join(copy, 'console', dir), { recursive: true });
      for (const file of ['build.mjs', 'tsconfig.json']) copyFileSync(join(root, 'console', file), join(copy, 'console', file));
      for (const file of ['console.html', 'admin.html', 'console.css']) copyFileSync(join(root, 'console', 'pages', file), join(copy, 'console', 'pages', file));
      for (const dir of ['shared', 'server', 'node_modules']) symlinkSync(join(root, dir), join(copy, dir));
      const typeOnly = "import type { AdminOverview } from '../../shared/control/admin-answers';\nconst overview: AdminOverview | null = null;\nconsole.log(overview);\n";
      writeFileSync(join(copy, 'console', 'src', 'dashboard.ts'), typeOnly);
      writeFileSync(join(copy, 'console', 'src', 'test-tool.ts'), "import { ADMIN_COMMANDS } from '../../shared/control/contract';\nconsole.log(ADMIN_COMMANDS);\n");
      const out = join(copy, 'out');
      const refused = await run(process.execPath, [join(copy, 'console', 'build.mjs'), '--outdir', out], { cwd: copy }).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(refused, 'the build fails').to.not.equal(null);
      expect(refused?.code).to.equal(1);
      expect(refused?.stderr).to.include('server-side modules leaked into the bundle').and.include('shared/control/contract.ts').and.include('package zod');
      expect(existsSync(join(out, 'console.js')) || existsSync(join(out, 'admin.js')), 'nothing written').to.equal(false);

      writeFileSync(join(copy, 'console', 'src', 'test-tool.ts'), typeOnly);
      await run(process.execPath, [join(copy, 'console', 'build.mjs'), '--outdir', out], { cwd: copy });
      expect(readFileSync(join(out, 'console.js'), 'utf8')).to.not.include('process.show');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('never writes markup: no innerHTML, outerHTML, insertAdjacentHTML, document.write or eval in sources or bundles', function () {
    const sources = readdirSync(join(root, 'console', 'src')).map((f) => join(root, 'console', 'src', f));
    for (const file of [...sources, join(built, 'console.js'), join(built, 'admin.js')]) {
      expect(SINKS.exec(readFileSync(file, 'utf8'))?.[0], file).to.equal(undefined);
    }
  });

  it('pages load scripts and styles from Herald only, with no inline script, handler or style', function () {
    for (const page of ['console.html', 'admin.html']) {
      const html = readFileSync(join(root, 'console', 'pages', page), 'utf8').replace(/<!--[\s\S]*?-->/g, '');
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts, page).to.have.length(1);
      expect(scripts[0]?.[1], page).to.match(/ src="\/console\/assets\/(console|admin)\.js"/);
      expect(scripts[0]?.[2].trim(), `${page}: inline script`).to.equal('');
      expect(html, page).to.not.match(/\son[a-z]+\s*=/i);
      expect(html, page).to.not.match(/\sstyle\s*=/i);
      expect(html, page).to.not.match(/<style\b/i);
      const urls = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1] as string);
      expect(urls.filter((u) => !u.startsWith('/') || u.startsWith('//')).filter((u) => u !== 'data:,'), `${page}: URLs elsewhere`).to.deep.equal([]);
    }
    const css = readFileSync(join(root, 'console', 'pages', 'console.css'), 'utf8');
    expect(css, 'the stylesheet imports nothing').to.not.match(/@import|url\(/);
  });

  it('sends a Content-Security-Policy without inline script on both pages', function () {
    for (const [page, policy] of Object.entries(PAGE_POLICIES)) {
      expect(policy, page).to.include("default-src 'self'").and.include("script-src 'self'").and.include("frame-ancestors 'none'");
      expect(policy, page).to.not.include('unsafe-inline').and.not.include('unsafe-eval');
    }
    expect(PAGE_POLICIES.admin).to.include("connect-src 'self'").and.not.include('ws:');
  });
});
