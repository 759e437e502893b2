// Mocha's configuration. Files named on the command line replace the default spec (the whole
// suite) instead of being added to it: `npx mocha dist-dev/test/unit/x.test.js` runs that file only.
'use strict';

const named = process.argv.slice(2).some((arg) => /\.(c|m)?js$/.test(arg) && !arg.startsWith('-'));

module.exports = {
  spec: named ? [] : ['dist-dev/test/unit/**/*.test.js', 'dist-dev/test/integration/**/*.test.js'],
  require: ['dist-dev/test/support/hooks.js'],
  reporter: 'dist-dev/test/support/summary-reporter.js',
  timeout: 30000,
  slow: 2000,
  exit: true,
};
