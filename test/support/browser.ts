/**
 * Headless Chromium for the browser tests: Debian's `chromium` package driven by playwright-core,
 * never a downloaded browser. `.ci/run` installs the package when `/usr/bin/chromium` is missing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { packageRoot } from '../../shared/paths';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH)
    ? null
    : `${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install chromium; .ci/run does it)`;
}

/** Launches Debian's Chromium headless, with a fresh temporary profile (playwright's default). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], timeout: 20_000 });
}

/**
 * The start of every browser test's `before`: skips the suite (with the reason) where Chromium is
 * missing, then builds the bundles the pages load (`client`, and `console` for the two pages).
 */
export async function prepareBrowserSuite(suite: Mocha.Context, bundles: readonly ('client' | 'console')[]): Promise<void> {
  const missing = chromiumMissing();
  if (missing !== null) {
    console.warn(`      skipping the browser tests: ${missing}`);
    suite.skip();
  }
  suite.timeout(40_000);
  const root = packageRoot();
  await Promise.all(bundles.map((bundle) => promisify(execFile)(process.execPath, [join(root, bundle, 'build.mjs')], { cwd: root })));
}
