/**
 * Reading Bull Board pages in Chromium (launched by `@courier/testkit/browser`,
 * locked down so it talks to nothing but the loopback producer under test).
 */
import type { Locator, Page } from 'playwright-core';

export { launchChromium } from '@courier/testkit/browser';

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
