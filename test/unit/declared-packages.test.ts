/**
 * Every package the code imports is declared in package.json, so a clean `npm ci` has it and no
 * code depends on what another package happens to pull in. What runs in Node from dist/ needs a
 * `dependencies` entry; the tests, the bench, the build scripts, the browser bundles (built by
 * esbuild at build time) and type-only imports may use `devDependencies` too.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, sep } from 'node:path';
import { expect } from 'chai';
import { packageRoot } from '../../shared/paths';
import { filesUnder } from '../support/files';

const root = packageRoot();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const dependencies = new Set(Object.keys(pkg.dependencies));
const anyDeclared = new Set([...dependencies, ...Object.keys(pkg.devDependencies)]);
/** The console imports the SDK bundle Herald serves under this name (console/tsconfig.json paths). */
const ALIASES = new Set(Object.keys((JSON.parse(readFileSync(join(root, 'console', 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { compilerOptions: { paths: Record<string, unknown> } }).compilerOptions.paths));

/** The package a bare specifier names (`mysql2/promise` -> `mysql2`), or undefined for a path or a Node builtin. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0])) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

interface Import {
  specifier: string;
  typeOnly: boolean;
}

/** The module specifiers a TypeScript or JavaScript source imports, requires or re-exports (comment lines skipped). */
function importsOf(text: string): Import[] {
  const source = text
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
    .join('\n');
  const found: Import[] = [];
  const statements = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(statements)) found.push({ specifier: m[3], typeOnly: m[2] !== undefined });
  for (const m of source.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ specifier: m[1], typeOnly: false });
  // `import('x')` loads x, unless it names a type: `typeof import('x')`, `import('x').T`.
  for (const m of source.matchAll(/(\btypeof\s+)?\bimport\(\s*['"]([^'"]+)['"]\s*\)(\.(?!then\b|catch\b|finally\b))?/g)) {
    found.push({ specifier: m[2], typeOnly: m[1] !== undefined || m[3] !== undefined });
  }
  return found;
}

/** `<file>: <package>` for each import of `files` whose package is not in `allowed`. */
function undeclared(files: string[], allowed: (imp: Import) => Set<string>): string[] {
  const out: string[] = [];
  for (const file of files) {
    for (const imp of importsOf(readFileSync(file, 'utf8'))) {
      const name = packageOf(imp.specifier);
      if (name !== undefined && !ALIASES.has(name) && !allowed(imp).has(name)) out.push(`${relative(root, file)}: ${name}`);
    }
  }
  return [...new Set(out)];
}

const sources = (folder: string): string[] => filesUnder(join(root, folder), ['.ts', '.mjs', '.js']);

describe('declared packages', function () {
  it('finds imports of every form', function () {
    // Spelled in pieces so that this file's own scan does not find these names.
    const call = (fn: string, name: string): string => `${fn}('${name}')`;
    const found = importsOf(
      [
        "import { a } from 'alpha';",
        "import type { B } from '@scope/beta/sub';",
        "import 'gamma';",
        'export { d } from "delta";',
        `const e = ${call('require', 'epsilon')};`,
        `const f = await ${call('import', 'zeta')};`,
        `type G = ${call('import', 'eta')}.G;`,
        `type I = typeof ${call('import', 'iota')};`,
        "import {\n  h,\n  i,\n} from 'theta';",
      ].join('\n'),
    );
    expect(found.filter((imp) => !imp.typeOnly).map((imp) => imp.specifier).sort()).to.deep.equal(['alpha', 'delta', 'epsilon', 'gamma', 'theta', 'zeta']);
    expect(found.filter((imp) => imp.typeOnly).map((imp) => packageOf(imp.specifier)).sort()).to.deep.equal(['@scope/beta', 'eta', 'iota']);
    expect(packageOf('node:fs')).to.equal(undefined);
    expect(packageOf('timers/promises')).to.equal(undefined);
    expect(packageOf('../x')).to.equal(undefined);
  });

  it('what runs in Node from dist/ (server, shared, workers, client) imports only dependencies', function () {
    const files = ['server', 'shared', 'workers', 'client/src'].flatMap(sources);
    expect(files.length).to.be.greaterThan(100);
    expect(undeclared(files, (imp) => (imp.typeOnly ? anyDeclared : dependencies))).to.deep.equal([]);
  });

  it('the compiled product in dist/ requires only dependencies', function () {
    const files = ['server', 'shared', 'workers', 'client'].flatMap((folder) => filesUnder(join(root, 'dist', folder), ['.js']));
    const missing = new Set<string>();
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)) {
        const name = packageOf(m[1]);
        if (name !== undefined && !dependencies.has(name)) missing.add(`${relative(root, file).split(sep).join('/')}: ${name}`);
      }
    }
    expect([...missing]).to.deep.equal([]);
  });

  it('the tests, the bench, the console and the build scripts import only declared packages', function () {
    const files = [...['test', 'bench', 'console/src', 'bin'].flatMap(sources), join(root, 'client', 'build.mjs'), join(root, 'client', 'build-package.mjs'), join(root, 'console', 'build.mjs'), join(root, '.mocharc.js')];
    expect(undeclared(files, () => anyDeclared)).to.deep.equal([]);
  });
});
