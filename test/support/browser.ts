/**
 * Headless Chromium for the browser tests: Debian's `chromium` package driven by playwright-core,
 * never a downloaded browser. `.ci/run` installs the package when `/usr/bin/chromium` is missing.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
