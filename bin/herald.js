#!/usr/bin/env node
'use strict';
// The `herald` command. The code lives in dist/ (built by `npm run build`, which `npm install` runs).
try {
  require('../dist/server/cli/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/server/cli/main.js')) {
    console.error('herald: not built yet; run `npm run build` (npm install does it) and try again');
    process.exit(1);
  }
  throw err;
}
