// Builds the console (/console) and the dashboard (/admin) into dist/console/: one ES module per
// page (console.js, admin.js) from console/src/*.ts, plus the pages and the stylesheet as they
// are. Herald serves them itself (server/http/routes/console.ts); nothing comes from a CDN.
// The test tool imports the SDK bundle Herald serves (/sdk/herald.js) rather than a copy of it.
//   node console/build.mjs                 -> dist/console/
//   node console/build.mjs --outdir DIR    -> DIR (the freshness test compares the two)
// Type-checking is separate: tsc -p console/tsconfig.json (part of npm run build).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
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
  plugins: [heraldSdk],
  logLevel: 'warning',
});
for (const file of ['console.html', 'admin.html', 'console.css']) copyFileSync(join(root, 'console', 'pages', file), join(outdir, file));

const sizes = Object.entries(result.metafile.outputs).map(([file, { bytes }]) => `${relative(root, resolve(root, file))} (${(bytes / 1024).toFixed(1)} KiB)`);
console.log(`console/build.mjs: ${sizes.join(', ')}`);
