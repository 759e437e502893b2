/**
 * Imports flow one way and close no circle (issue 12): the whole tree's import graph, type-only
 * imports included, has no circle, shared/ never imports server/ or workers/, server/ never
 * imports workers/, and the product never imports bench/ or test/ (test/support/import-graph.ts).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { expect } from 'chai';
import type { DependencyTree } from 'dpdm';
import { packageRoot } from '../../shared/paths';
import { findCircles, findDirectionViolations, formatCircle, formatViolation, loadImportGraph } from '../support/import-graph';

/** Every .ts file of the tree outside node_modules, dist and dot-folders, relative to `root`. */
function typeScriptFiles(root: string, dir = root, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) typeScriptFiles(root, path, out);
    else if (entry.name.endsWith('.ts')) out.push(relative(root, path));
  }
  return out;
}

describe('import graph', function () {
  this.timeout(120_000);
  let tree: DependencyTree;

  before(async function () {
    tree = await loadImportGraph(packageRoot());
  });

  it('covers every TypeScript file of the tree: product, workers, tests and bench', function () {
    const files = typeScriptFiles(packageRoot());
    expect(files.length).to.be.greaterThan(250);
    expect(files.filter((file) => !(file in tree))).to.deep.equal([]);
  });

  it('has no import circle anywhere', function () {
    expect(findCircles(tree).map(formatCircle)).to.deep.equal([]);
  });

  it('imports flow one way: workers → server → shared, and the product never imports bench/ or test/', function () {
    expect(findDirectionViolations(tree).map(formatViolation)).to.deep.equal([]);
  });

  describe('the checker itself', function () {
    let root: string;
    const write = (path: string, text: string): void => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };

    before(function () {
      root = mkdtempSync(join(tmpdir(), 'herald-imports-'));
      write('shared/config.ts', "import type { Primary } from '../server/primary';\nexport interface Config { p?: Primary }\n");
      write('server/primary.ts', "import type { Session } from './session';\nexport interface Primary { s?: Session }\n");
      write('server/session.ts', "import type { Primary } from './primary';\nexport interface Session { p?: Primary }\n");
      write('server/fork.ts', "export const entry = require('../workers/task/entry');\n");
      write('server/cli.ts', "import { run } from '../bench/main';\nrun();\n");
      write('workers/task/entry.ts', "import { Primary } from '../../server/primary';\nimport { Config } from '../../shared/config';\nexport type Both = [Primary, Config];\n");
      write('bench/main.ts', "import type { Config } from '../shared/config';\nexport function run(c?: Config): void { void c; }\n");
      write('test/x.test.ts', "import '../server/cli';\nimport '../bench/main';\n");
    });

    after(function () {
      rmSync(root, { recursive: true, force: true });
    });

    it('finds a circle of type-only imports', async function () {
      const circles = findCircles(await loadImportGraph(root)).map(formatCircle);
      expect(circles).to.have.length(1);
      expect(circles[0]).to.match(/^server\/(primary|session)\.ts -> server\/(primary|session)\.ts$/);
    });

    it('flags shared → server, server → workers (require too) and product → bench, and nothing else', async function () {
      const violations = findDirectionViolations(await loadImportGraph(root)).map((v) => `${v.issuer} -> ${v.imported}`);
      expect(violations.sort()).to.deep.equal(['server/cli.ts -> bench/main.ts', 'server/fork.ts -> workers/task/entry.ts', 'shared/config.ts -> server/primary.ts']);
    });
  });
});
