// Builds the browser SDK: one ESM file with socket.io-client inside, served by Herald at
// /sdk/herald.js so a page needs no CDN, and copies the example page next to it (served at
// /sdk/example.html), so Herald serves everything under /sdk/ from one folder.
// Run from anywhere: paths are relative to the repository.
//   node client/build.mjs            -> dist/sdk/herald.js (+ .map), dist/sdk/example.html
import { build } from 'esbuild';
import { copyFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'sdk', 'herald.js');

const result = await build({
  absWorkingDir: root,
  entryPoints: [join(root, 'client', 'src', 'index.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  sourcemap: true,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});

// The protocol's zod schemas must stay out: the SDK imports protocol types only.
const leaked = Object.keys(result.metafile.inputs).filter((file) => /(^|\/)(zod|shared\/protocol\/schemas)/.test(file));
if (leaked.length > 0) {
  console.error(`client/build.mjs: server-side modules leaked into the bundle: ${leaked.join(', ')}`);
  process.exit(1);
}

// Node (tests, server-side rendering) must read the bundle as ESM whatever the root package says.
writeFileSync(join(root, 'dist', 'sdk', 'package.json'), '{ "type": "module" }\n');

copyFileSync(join(root, 'client', 'example', 'index.html'), join(root, 'dist', 'sdk', 'example.html'));

const bytes = result.metafile.outputs[relative(root, outfile)]?.bytes ?? 0;
console.log(`client/build.mjs: ${relative(root, outfile)} (${(bytes / 1024).toFixed(1)} KiB)`);
