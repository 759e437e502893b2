import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root, wherever the compiled test lives (dist/ or dist-client/). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'client', 'build.mjs'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

describe('client SDK: the browser bundle (dist/sdk/herald.js)', () => {
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
});
