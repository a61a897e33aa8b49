/**
 * Chromium for the catcher's viewer tests: Debian's `/usr/bin/chromium` driven
 * by playwright-core, with the flags the Bull Board tests use
 * (apps/producer/test/support/dashboard-browser.ts) so it talks to nothing but
 * loopback.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

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

/** Generous: two cores shared with other test files and a cold Chromium. */
export const UI_TIMEOUT_MS = 60_000;

/** Launch Chromium, or fail saying how to get it (a missing browser must never skip the test). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} not found: install Debian's chromium (bash scripts/install-deps.sh --with-browser)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], timeout: 120_000 });
}

/** A page in a fresh context, with the generous timeouts. */
export async function newPage(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(UI_TIMEOUT_MS);
  return context.newPage();
}
