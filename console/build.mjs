// Builds the console (/console) and the dashboard (/admin) into dist/console/: one ES module per
// page (console.js, admin.js) from console/src/*.ts, plus the pages and the stylesheet as they
// are. Herald serves them itself (server/http/routes/console.ts); nothing comes from a CDN.
// The test tool imports the SDK bundle Herald serves (/sdk/herald.js) rather than a copy of it.
//   node console/build.mjs                 -> dist/console/
//   node console/build.mjs --outdir DIR    -> DIR (the freshness test compares the two)
// Type-checking is separate: tsc -p console/tsconfig.json (part of npm run build).
//
// The pages take the server's types (shared/control/: the control contract, the admin answers)
// with `import type`, which is erased. A runtime import of this repository's server-side code
// (shared/, server/, workers/, the SDK's sources) or of zod fails the build, and nothing is
// written — the same guard client/build.mjs has for the SDK bundle.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const flag = process.argv.indexOf('--outdir');
const outdir = flag >= 0 ? resolve(process.argv[flag + 1]) : join(root, 'dist', 'console');

/** `import … from 'herald-sdk'` is the bundle Herald serves at /sdk/herald.js, left as is. */
const heraldSdk = {
  name: 'herald-sdk',
  setup(b) {
    b.onResolve({ filter: /^herald-sdk$/ }, () => ({ path: '/sdk/herald.js', external: true }));
  },
};

mkdirSync(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { console: join(root, 'console', 'src', 'test-tool.ts'), admin: join(root, 'console', 'src', 'dashboard.ts') },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  legalComments: 'eof',
  metafile: true,
  write: false,
  plugins: [heraldSdk],
  logLevel: 'warning',
});

/** Inputs that are neither the pages' own code nor a browser package: server code bundled in. */
const leaked = Object.keys(result.metafile.inputs).filter(
  (file) => /(^|\/)node_modules\/zod\//.test(file) || (!file.includes('node_modules/') && !file.startsWith('console/src/')),
);
if (leaked.length > 0) {
  const names = [...new Set(leaked.map((file) => file.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, 'package $1')))];
  console.error(`console/build.mjs: server-side modules leaked into the bundle (import their types with \`import type\`): ${names.join(', ')}`);
  process.exit(1);
}

for (const file of result.outputFiles) writeFileSync(file.path, file.contents);
for (const file of ['console.html', 'admin.html', 'console.css']) copyFileSync(join(root, 'console', 'pages', file), join(outdir, file));

const sizes = Object.entries(result.metafile.outputs).map(([file, { bytes }]) => `${relative(root, resolve(root, file))} (${(bytes / 1024).toFixed(1)} KiB)`);
console.log(`console/build.mjs: ${sizes.join(', ')}`);
