import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { api } from '../support/http';
import { startInProcess } from '../support/in-process';

const run = promisify(execFile);

/** The repository root, wherever the compiled test lives (dist-dev/test/…). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'client', 'build.mjs'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

describe('client SDK: the browser bundle (dist/sdk/herald.js) and the example page', () => {
  const root = repoRoot();
  const bundle = join(root, 'dist', 'sdk', 'herald.js');

  before(async function () {
    this.timeout(20_000);
    await run(process.execPath, [join(root, 'client', 'build.mjs')], { cwd: root });
  });

  it('is one ESM file with its source map, socket.io-client inside and no zod', () => {
    const code = readFileSync(bundle, 'utf8');
    expect(code).to.match(/export\s*\{[^}]*\bHeraldClient\b[^}]*\}/);
    expect(code).to.match(/\/\/# sourceMappingURL=herald\.js\.map\s*$/);
    expect(code, 'socket.io-client bundled').to.include('io server disconnect');
    expect(code).not.to.match(/\bfrom\s*["'](socket\.io-client|engine\.io-client|ws)["']/);
    expect(code).not.to.include('ZodError');
    const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
    expect(map.sources.some((source) => source.endsWith('client/src/herald-client.ts'))).to.equal(true);
  });

  it('exports a working HeraldClient when imported as an ES module', async () => {
    const script = `
      const sdk = await import(${JSON.stringify(bundle)});
      const client = new sdk.HeraldClient({ url: 'http://127.0.0.1:9', autoConnect: false, storage: new sdk.MemoryStorage() });
      console.log(JSON.stringify({
        exports: Object.keys(sdk).sort(),
        state: client.state,
        device: client.deviceId,
        delays: sdk.DEFAULT_CLIENT_POLICY.reconnect.delays,
      }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    const out = JSON.parse(stdout) as { exports: string[]; state: string; device: string; delays: number[] };
    expect(out.exports).to.include.members(['HeraldClient', 'MemoryStorage', 'DEFAULT_CLIENT_POLICY', 'systemClock']);
    expect(out.state).to.equal('idle');
    expect(out.device).to.match(/^d-/);
    expect(out.delays).to.deep.equal([60, 120, 180]);
  });

  it('copies the example page next to the bundle: imports /sdk/herald.js, loads nothing from elsewhere, writes text only', () => {
    const page = readFileSync(join(root, 'dist', 'sdk', 'example.html'), 'utf8');
    expect(page, 'dist/sdk/example.html is client/example/index.html').to.equal(readFileSync(join(root, 'client', 'example', 'index.html'), 'utf8'));
    expect(page).to.match(/import \{ HeraldClient \} from '\/sdk\/herald\.js';/);
    expect(page.match(/\b(?:src|href)\s*=\s*["'][^"']*/g) ?? [], 'no external resources').to.deep.equal(['href="data:,']);
    expect(page).not.to.match(/\bimport\b[^;]*from\s*['"]https?:/);
    expect(page, 'pushes are never parsed as HTML').not.to.match(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('is served by Herald under /sdk/ with the right types and ETags, and nothing else is', async () => {
    const herald = await startInProcess();
    try {
      const files = [
        { name: 'herald.js', type: 'text/javascript; charset=utf-8' },
        { name: 'herald.js.map', type: 'application/json; charset=utf-8' },
        { name: 'example.html', type: 'text/html; charset=utf-8' },
      ];
      for (const { name, type } of files) {
        const answer = await api(herald.url, `/sdk/${name}`, { key: null });
        expect(answer.status, name).to.equal(200);
        expect(answer.headers.get('content-type'), name).to.equal(type);
        expect(answer.text, name).to.equal(readFileSync(join(root, 'dist', 'sdk', name), 'utf8'));
        const etag = answer.headers.get('etag') as string;
        expect(etag, name).to.match(/^"[A-Za-z0-9_-]+"$/);
        const again = await api(herald.url, `/sdk/${name}`, { key: null, headers: { 'if-none-match': etag } });
        expect(again.status, `${name} revalidated`).to.equal(304);
      }
      for (const name of ['package.json', 'index.html', '..%2Fpackage.json']) {
        expect((await api(herald.url, `/sdk/${name}`, { key: null })).status, name).to.equal(404);
      }
    } finally {
      await herald.close();
    }
  });
});
