// Builds the SDK as an npm package (@herald/client, client/package.json) into client/dist-package/:
//   esm/index.mjs   ES module for `import`          (esbuild, socket.io-client left as an import)
//   cjs/index.cjs   CommonJS for `require`          (esbuild, socket.io-client left as a require)
//   esm/server.mjs, cjs/server.cjs                  `@herald/client/server`: the push API for backends
//   types/…         .d.ts files for TypeScript      (tsc, client/tsconfig.package.json)
// The served browser bundle (dist/sdk/herald.js) is client/build.mjs's and is not touched here.
// Like that bundle, the package must carry no server code and no zod: the build fails when the
// JavaScript or the declarations reach shared/protocol/schemas or zod.
// Run from anywhere (`npm pack` in client/ runs it as `prepack`):
//   node client/build-package.mjs
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const clientDir = dirname(fileURLToPath(import.meta.url));
const root = join(clientDir, '..');
const out = join(clientDir, 'dist-package');
const LEAK = /(^|\/)(zod|shared\/protocol\/schemas)(\/|\.|$)/;

function fail(message) {
  console.error(`client/build-package.mjs: ${message}`);
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });

// JavaScript: one file per module system. socket.io-client stays outside (a dependency of the
// package); everything under client/src (and the few shared constants it uses) is inlined.
// Two entries: the SDK (`@herald/client`) and the server helpers (`@herald/client/server`).
const ENTRIES = ['index', 'server'];
for (const { format, file, entry } of ENTRIES.flatMap((entry) => [
  { format: 'esm', file: join(out, 'esm', `${entry}.mjs`), entry },
  { format: 'cjs', file: join(out, 'cjs', `${entry}.cjs`), entry },
])) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(clientDir, 'src', `${entry}.ts`)],
    outfile: file,
    bundle: true,
    format,
    platform: 'neutral',
    target: ['es2020'],
    external: ['socket.io-client'],
    metafile: true,
    logLevel: 'warning',
  });
  const leaked = Object.keys(result.metafile.inputs).filter((input) => LEAK.test(input));
  if (leaked.length > 0) fail(`server-side modules leaked into ${relative(root, file)}: ${leaked.join(', ')}`);
}

// Types: tsc writes declarations for every file of the SDK's program into a scratch folder (with
// the repository's layout: client/src/…, shared/…); the package gets the ones its entry reaches.
const scratch = mkdtempSync(join(tmpdir(), 'herald-sdk-types-'));
try {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(clientDir, 'tsconfig.package.json'), '--outDir', scratch], { stdio: 'inherit' });

  const reached = new Set();
  const queue = ENTRIES.map((entry) => `client/src/${entry}.d.ts`);
  while (queue.length > 0) {
    const file = queue.shift();
    if (reached.has(file)) continue;
    if (LEAK.test(file)) fail(`the declarations reach ${file}`);
    reached.add(file);
    const text = readFileSync(join(scratch, file), 'utf8');
    // `from '…'` (import/export) and `import('…')` in type positions.
    for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\()\s*['"]([^'"]+)['"]/g)) {
      const specifier = m[1];
      if (!specifier.startsWith('.')) {
        if (specifier !== 'socket.io-client') fail(`${file} imports ${specifier}, which the package does not depend on`);
        continue;
      }
      const target = join(dirname(file), `${specifier}.d.ts`);
      if (!existsSync(join(scratch, target))) fail(`${file} imports ${specifier}: no ${target}`);
      queue.push(target);
    }
  }
  for (const file of reached) {
    mkdirSync(dirname(join(out, 'types', file)), { recursive: true });
    copyFileSync(join(scratch, file), join(out, 'types', file));
  }
  console.log(`client/build-package.mjs: ${relative(root, out)} (esm, cjs, ${reached.size} .d.ts files)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
