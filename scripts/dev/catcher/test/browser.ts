/**
 * Chromium for the catcher's viewer tests (launched by `@courier/testkit/browser`,
 * talking to nothing but loopback) and the page helpers they share.
 */
import type { Browser, Page } from 'playwright-core';

export { launchChromium } from '@courier/testkit/browser';

/** Generous: two cores shared with other test files and a cold Chromium. */
export const UI_TIMEOUT_MS = 60_000;

/** A page in a fresh context, with the generous timeouts. */
export async function newPage(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(UI_TIMEOUT_MS);
  return context.newPage();
}
