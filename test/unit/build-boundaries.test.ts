/**
 * What `npm run build` puts where: dist/ holds the product only (what bin/herald.js runs), the
 * tests and the bench live in dist-dev/, and no product file loads test or bench code. A dist/
 * built before this split may still hold old test/ and bench/ folders: delete dist/ and build.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { expect } from 'chai';
import { packageRoot } from '../../shared/paths';
import { filesUnder } from '../support/files';

const root = packageRoot();

/** The relative `require("…")` specifiers of a compiled CommonJS file. */
function relativeRequires(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/\brequire\("(\.{1,2}\/[^"]+)"\)/g)].map((m) => m[1]);
}

describe('build boundaries', function () {
  it('dist/ holds the product only: no test/ or bench/ (rm -rf dist && npm run build when this fails)', function () {
    const top = readdirSync(join(root, 'dist')).filter((name) => !name.startsWith('.')).sort();
    expect(top).to.include.members(['server', 'shared', 'workers', 'sdk', 'console']);
    expect(top).to.not.include('test');
    expect(top).to.not.include('bench');
  });

  it('no product file in dist/ requires a file outside the product folders', function () {
    const product = ['client', 'server', 'shared', 'workers'];
    const files = filesUnder(join(root, 'dist'), ['.js']).filter((file) => product.includes(relative(join(root, 'dist'), file).split(sep)[0]));
    expect(files.length).to.be.greaterThan(100);
    const outside: string[] = [];
    for (const file of files) {
      for (const spec of relativeRequires(file)) {
        const target = relative(join(root, 'dist'), join(file, '..', spec)).split(sep)[0];
        if (!product.includes(target)) outside.push(`${relative(root, file)} -> ${spec}`);
      }
    }
    expect(outside).to.deep.equal([]);
  });

  it('the tests and the bench are built into dist-dev/, where the in-process primary finds its workers', function () {
    expect(__dirname.split(sep).slice(-3)).to.deep.equal(['dist-dev', 'test', 'unit']);
    expect(existsSync(join(root, 'dist-dev', 'bench', 'main.js')), 'dist-dev/bench/main.js').to.equal(true);
    expect(existsSync(join(root, 'dist-dev', 'test', 'chaos', 'main.js')), 'dist-dev/test/chaos/main.js').to.equal(true);
    // A primary started in-process forks its children from next to its own compiled file
    // (join(__dirname, …)): every product file has its twin in dist-dev/.
    const product = filesUnder(join(root, 'dist'), ['.js']).map((file) => relative(join(root, 'dist'), file));
    const missing = product.filter((file) => /^(server|shared|workers)\//.test(file) && !existsSync(join(root, 'dist-dev', file)));
    expect(product.length).to.be.greaterThan(100);
    expect(missing).to.deep.equal([]);
  });
});
