/**
 * The catcher's viewer as a person uses it: a producer and a worker (spawned
 * from their sources, private Redis prefix) deliver to the dev catcher (SMTP and
 * the SMS channel over HTTP); a templated e-mail is enqueued through the API;
 * Chromium opens the catcher, finds the e-mail in the list by its recipient,
 * opens it, and sees the code in the rendered HTML part, the plain-text part and
 * the Message-ID header. `COURIER_UPDATE_SCREENSHOTS=1` saves the list and the
 * message view to docs/images/ for the README.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deleteKeysWithPrefix, spawnCourier, uniquePrefix, type CourierProcess } from '@courier/testkit';
import { startCatcher, type Catcher } from '../index.js';
import { launchChromium, newPage } from './browser.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCREENSHOTS = process.env['COURIER_UPDATE_SCREENSHOTS'] === '1';
const API_KEY = 'catcher-viewer-test-key-0123456789';
const SMS_BODY = Buffer.from('function(ctx) { to: ctx.recipient, body: ctx.body }').toString('base64');
const CODE = '731946';
const RECIPIENT = 'new.user@example.com';

let catcher: Catcher;
let dir: string;
let prefix: string;
const apps: CourierProcess[] = [];
let browser: Browser | undefined;

async function enqueue(body: Record<string, unknown>): Promise<void> {
  const url = `http://127.0.0.1:${String(apps[0]!.ready['port'])}/messages`;
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.text()).toBe(202);
}

async function waitForCaught(count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (catcher.store.list().length < count) {
    if (Date.now() > deadline) throw new Error(`only ${catcher.store.list().length} of ${count} messages arrived`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const redisUrl = process.env['REDIS_URL'];
  if (redisUrl === undefined || redisUrl === '') throw new Error('REDIS_URL is not set: run the tests through vitest (its global setup provides Redis)');
  catcher = await startCatcher({ smtpPort: 0, httpPort: 0 });
  prefix = `{${uniquePrefix('catcher-viewer')}}`;
  dir = mkdtempSync(join(tmpdir(), 'courier-catcher-viewer-'));
  const config = join(dir, 'courier.json');
  writeFileSync(
    config,
    JSON.stringify({
      courier: {
        smtp: { connection_uri: `smtp://127.0.0.1:${catcher.smtpPort}/?disable_starttls=true`, from_address: 'courier@example.com', from_name: 'Courier (dev)' },
        channels: [{ id: 'sms', type: 'http', request_config: { url: `${catcher.url}/sms`, body: `base64://${SMS_BODY}` } }],
        message_retries: 0,
      },
      redis: { url: redisUrl, prefix },
      producer: { host: '127.0.0.1', port: 0, api_keys: [API_KEY] },
      worker: { host: '127.0.0.1', port: 0, concurrency: 2 },
      log: { level: 'info' },
    }),
  );
  apps.push(await spawnCourier('producer', config), await spawnCourier('worker', config));
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  for (const p of apps) p.kill('SIGTERM');
  await Promise.all(apps.map((p) => p.exited));
  await catcher?.close();
  const redisUrl = process.env['REDIS_URL'];
  if (redisUrl !== undefined && prefix !== undefined) {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

it('shows a templated e-mail sent through the API: found in the list by recipient, rendered HTML, text part, Message-ID', async () => {
  // Some company in the list, oldest first: an SMS and another e-mail.
  await enqueue({ type: 'sms', recipient: '+15550100', template_type: 'login_code_valid', template_data: { login_code: '482913' } });
  await waitForCaught(1);
  await enqueue({ recipient: 'someone@example.com', template_type: 'recovery_code_valid', template_data: { recovery_code: '205318' } });
  await waitForCaught(2);
  await enqueue({ recipient: RECIPIENT, template_type: 'verification_code_valid', template_data: { verification_code: CODE } });
  await waitForCaught(3);
  const caught = catcher.store.list()[0]!;
  expect(caught.to).toBe(RECIPIENT);
  expect(caught.messageId).toMatch(/^<.+@example\.com>$/);

  const page = await newPage(browser!, { width: 1280, height: 760 });
  await page.goto(`${catcher.url}/`);
  await page.locator('#live.on').waitFor();
  const item = page.locator('#messages button', { has: page.locator('.to', { hasText: RECIPIENT }) });
  await expect.poll(() => item.count()).toBe(1);
  expect(await item.locator('.subject').innerText()).toBe(`Your verification code: ${CODE}`);
  // Newest first: the e-mail sent last is on top.
  expect(await page.locator('#messages .to').allInnerTexts()).toEqual([RECIPIENT, 'someone@example.com', '+15550100']);
  if (SCREENSHOTS) await page.screenshot({ path: `${ROOT}docs/images/catcher-list.png` });

  // The search box narrows the list to the recipient.
  await page.locator('#search').fill(RECIPIENT);
  await expect.poll(() => page.locator('#messages .to').allInnerTexts()).toEqual([RECIPIENT]);
  await item.click();
  const frame = page.frameLocator('iframe[title="HTML part"]');
  await expect.poll(() => frame.locator('body').innerText()).toContain('please verify your account by entering the following code');
  expect(await frame.locator('body').innerText()).toContain(CODE);
  const meta = page.locator('.message .meta');
  expect(await meta.innerText()).toContain(caught.messageId!);
  expect(await meta.innerText()).toContain(RECIPIENT);
  expect(await page.locator('.message h2').innerText()).toBe(`Your verification code: ${CODE}`);
  if (SCREENSHOTS) {
    await page.locator('#search').fill('');
    await expect.poll(() => page.locator('#messages .to').count()).toBe(3);
    await page.locator('#search').blur();
    await page.screenshot({ path: `${ROOT}docs/images/catcher-message.png` });
  }

  await page.getByRole('tab', { name: 'Text' }).click();
  await expect.poll(() => page.locator('.panel pre').innerText()).toContain(`please verify your account by entering the following code:\n\n${CODE}`);
  await page.getByRole('tab', { name: 'Headers' }).click();
  await expect.poll(() => page.locator('.panel .headers').innerText()).toContain(`Message-ID:\t${caught.messageId!}`);
  await page.context().close();
}, 180_000);
