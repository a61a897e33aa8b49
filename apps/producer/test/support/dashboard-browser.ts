/**
 * Chromium for the Bull Board tests: Debian's `/usr/bin/chromium` driven by
 * playwright-core (which ships no browser of its own), locked down so it talks
 * to nothing but the loopback producer under test.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags that keep a headless Chromium quiet on the network (no updates, sync,
 * QUIC probes or first-run fetches) and working as root in a container.
 */
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

/** Launch Chromium, or fail saying how to get it (a missing browser must never skip the test). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found: install Debian's chromium (apt-get install chromium) to run the Bull Board tests`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], timeout: 120_000 });
}

/**
 * Read the count badge of one status tab (e.g. "WAITING 3") of a Bull Board
 * queue page. Bull Board renders no badge for an empty status, so this waits for
 * the badge rather than reading a tab that has not rendered its counts yet.
 */
export async function statusTabCount(page: Page, queue: string, status: string): Promise<number> {
  const tab = page.locator(`main a[href$="/queue/${queue}?status=${status}"]`);
  const badge = tab.getByText(/^\d+$/);
  await badge.waitFor();
  return Number(await badge.innerText());
}

/**
 * The per-job action buttons (promote, retry, remove, ...) of the first job card
 * on a Bull Board job list. They are icon-only buttons in tooltip triggers; the
 * other tooltip trigger on the page (the workers badge) is not in a list item.
 */
export function jobActionButtons(page: Page): Locator {
  return page.locator('main ul:has(> li > [data-base-ui-tooltip-trigger] > button)').first().locator('> li > [data-base-ui-tooltip-trigger] > button');
}

/** Hover each button and collect the tooltip a user would read (the buttons carry no other label). */
export async function tooltipLabels(page: Page, buttons: Locator): Promise<string[]> {
  const popup = page.locator('[data-base-ui-portal] [data-side][data-open]:not([role])');
  const labels: string[] = [];
  const count = await buttons.count();
  for (let i = 0; i < count; i++) {
    await buttons.nth(i).hover();
    await popup.first().waitFor();
    labels.push((await popup.first().innerText()).trim());
    // Move away and let the tooltip close, so the next hover cannot read this one.
    await page.mouse.move(0, 0);
    await popup.first().waitFor({ state: 'hidden' });
  }
  return labels;
}
