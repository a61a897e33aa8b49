/**
 * Chromium for browser tests: Debian's `/usr/bin/chromium` driven by
 * playwright-core (which ships no browser of its own), with flags that keep it
 * quiet on the network (no updates, sync, QUIC probes or first-run fetches) and
 * working as root, so it talks to nothing but the loopback peers under test.
 * A subpath export (`@courier/testkit/browser`): tests without a browser never load playwright.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launch Chromium, or fail saying how to get it (a missing browser must never skip a test). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} not found: install Debian's chromium (bash scripts/install-deps.sh --with-browser)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], timeout: 120_000 });
}
