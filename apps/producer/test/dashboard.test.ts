/**
 * Bull Board at /admin/queues in a real Chromium (Debian's /usr/bin/chromium via
 * playwright-core): login with the API key, the courier queue and its counts,
 * one-time codes redacted in job data, and read-only mode hiding every mutating
 * action. Two producers share one Redis prefix, one of them read-only; no worker
 * runs, so the enqueued messages stay waiting or delayed.
 */
import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobActionButtons, launchChromium, statusTabCount, tooltipLabels } from './support/dashboard-browser.js';
import {
  DASHBOARD_TEST_KEY,
  deleteKeysWithPrefix,
  startDashboardProducer,
  testRedisUrl,
  type DashboardProducer,
} from './support/dashboard-producer.js';

const PREFIX = `{dash-${randomBytes(6).toString('hex')}}`;
const ONE_TIME_CODE = '424242';
const RAW_BODY = 'raw body that must not be shown 7788';
const TEMPLATED = 3;
const DELAYED = 2;
const FAILED = 1;
/** Generous: two cores shared with other test files and a cold Chromium. */
const UI_TIMEOUT_MS = 60_000;

let rw: DashboardProducer;
let ro: DashboardProducer;
let redis: Redis;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
const templatedIds: string[] = [];
let queueName: string;

async function enqueue(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${rw.url}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DASHBOARD_TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

/**
 * Fail one waiting job the way the worker fails a permanent error, so the board
 * has a failed job and hence shows its retry actions. Only this one job is ever
 * taken; the queue otherwise has no consumer.
 */
async function failNextJob(expectedId: string): Promise<void> {
  const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const worker = new Worker(queueName, null, { connection, prefix: PREFIX, autorun: false });
  try {
    const token = `dashboard-test-${randomBytes(4).toString('hex')}`;
    const job = await worker.getNextJob(token, { block: false });
    expect(job?.id).toBe(expectedId);
    await job?.moveToFailed(new UnrecoverableError('550 5.1.1 mailbox unavailable'), token, false);
  } finally {
    await worker.close();
    await connection.quit();
  }
}

async function newPage(options: { credentials?: { username: string; password: string } } = {}): Promise<Page> {
  if (browser === undefined) throw new Error('browser not launched');
  const context = await browser.newContext({
    viewport: { width: 1600, height: 1000 },
    ...(options.credentials === undefined ? {} : { httpCredentials: options.credentials }),
  });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(UI_TIMEOUT_MS);
  contexts.push(context);
  return context.newPage();
}

const loggedIn = () => newPage({ credentials: { username: 'admin', password: DASHBOARD_TEST_KEY } });

/** Open a queue's job list for one status and wait until its job cards are drawn. */
async function openStatus(page: Page, base: string, status: string): Promise<void> {
  const res = await page.goto(`${base}/admin/queues/queue/${queueName}?status=${status}`, { waitUntil: 'networkidle' });
  expect(res?.status()).toBe(200);
  await page.locator(`main a[href*="/queue/${queueName}/"]`).first().waitFor();
  await page.getByRole('tab', { name: 'Data' }).first().waitFor();
}

beforeAll(async () => {
  redis = new Redis(testRedisUrl());
  // Launch while the producers start: the cold start of Chromium dominates on two cores.
  const launching = launchChromium();
  [rw, ro] = await Promise.all([
    startDashboardProducer({ prefix: PREFIX, readOnly: false }),
    startDashboardProducer({ prefix: PREFIX, readOnly: true }),
  ]);
  queueName = rw.config.redis.queue_name;

  // First in, so it is the job the one-shot fetch below takes and fails.
  const toFail = await enqueue({ recipient: 'bounce@example.com', subject: 'Bounce', body: RAW_BODY });
  await failNextJob(toFail);
  for (let i = 0; i < TEMPLATED; i++) {
    templatedIds.push(
      await enqueue({ recipient: `user${i}@example.com`, template_type: 'recovery_code_valid', template_data: { recovery_code: ONE_TIME_CODE } }),
    );
  }
  for (let i = 0; i < DELAYED; i++) {
    await enqueue({ recipient: `later${i}@example.com`, subject: 'Later', body: RAW_BODY, delay_ms: 600_000 });
  }
  browser = await launching;
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await rw?.close();
  await ro?.close();
  if (redis !== undefined) {
    await deleteKeysWithPrefix(redis, PREFIX);
    await redis.quit();
  }
}, 120_000);

describe('Bull Board login', () => {
  it('answers 401 with a Basic challenge without credentials or with a wrong key', async () => {
    const target = `${rw.url}/admin/queues`;
    const anonymous = await newPage();
    const challenge = anonymous.waitForResponse((r) => r.url() === target);
    // Headless Chromium cannot prompt for the challenged credentials, so it abandons the navigation.
    const navigation = await anonymous.goto(target).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(navigation?.message).toMatch(/ERR_INVALID_AUTH_CREDENTIALS/);
    const res = await challenge;
    expect(res.status()).toBe(401);
    expect(res.headers()['www-authenticate']).toMatch(/^Basic /);

    const wrong = await newPage({ credentials: { username: 'admin', password: 'not-the-key-0123456789' } });
    const refused = await wrong.goto(target);
    expect(refused?.status()).toBe(401);
    expect(await refused?.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(await wrong.getByRole('tree').count()).toBe(0);

    // The board's JSON API is guarded too, not just its HTML shell.
    expect((await fetch(`${rw.url}/admin/queues/api/queues`)).status).toBe(401);
  }, 120_000);

  it('logs in with the API key as the Basic password and shows the courier queue with its job counts', async () => {
    const page = await loggedIn();
    const res = await page.goto(`${rw.url}/admin/queues`, { waitUntil: 'networkidle' });
    expect(res?.status()).toBe(200);

    const card = page.locator(`main a[href="/admin/queues/queue/${queueName}"]`);
    await card.waitFor();
    expect(await card.innerText()).toBe('courier');
    const total = TEMPLATED + DELAYED + FAILED;
    await page.locator('main').getByText(`${total} Jobs`, { exact: true }).waitFor();

    await card.click();
    await page.waitForURL(`**/admin/queues/queue/${queueName}`);
    expect(await statusTabCount(page, queueName, 'waiting')).toBe(TEMPLATED);
    expect(await statusTabCount(page, queueName, 'delayed')).toBe(DELAYED);
    expect(await statusTabCount(page, queueName, 'failed')).toBe(FAILED);
    await page.screenshot({ path: '/tmp/dashboard.png' });
  }, 120_000);
});

describe('Bull Board job data', () => {
  it('shows a templated job with its one-time code redacted, in the page and in every API response', async () => {
    // The code is really in the job, so its absence below is the board's redaction at work.
    const id = templatedIds[0];
    if (id === undefined) throw new Error('no templated message enqueued');
    expect(await redis.hget(`${PREFIX}:${queueName}:${id}`, 'data')).toContain(ONE_TIME_CODE);

    const page = await loggedIn();
    const apiBodies: Promise<string>[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/admin/queues/api/')) apiBodies.push(r.text().catch(() => ''));
    });
    await openStatus(page, rw.url, 'waiting');
    await page.locator(`main a[href^="/admin/queues/queue/${queueName}/${id}"]`).click();
    await page.waitForURL(`**/admin/queues/queue/${queueName}/${id}**`);
    await page.getByRole('tab', { name: 'Data', selected: true }).waitFor();
    const tree = page.getByRole('tree', { name: 'JSON view' });
    await tree.getByText('recovery_code:', { exact: true }).waitFor();

    const shown = await tree.innerText();
    expect(shown).toContain(id);
    expect(shown).toMatch(/recovery_code:\s*"\[redacted\]"/);
    expect(await page.content()).not.toContain(ONE_TIME_CODE);

    await openStatus(page, rw.url, 'delayed');
    expect(await page.locator('main').innerText()).toContain('"[redacted]"');
    expect(await page.content()).not.toContain(RAW_BODY);

    const bodies = await Promise.all(apiBodies);
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of bodies) {
      expect(body).not.toContain(ONE_TIME_CODE);
      expect(body).not.toContain(RAW_BODY);
    }
  }, 120_000);
});

describe('Bull Board read-only mode', () => {
  /** What a user can see of the board's mutating controls on one instance. */
  async function mutatingControls(base: string) {
    const page = await loggedIn();
    const queueButtons = (p: Page) => p.getByRole('button', { name: /^(Retry all|Clean all|Promote all)$/ });

    await openStatus(page, base, 'failed');
    const failed = { queue: await queueButtons(page).allInnerTexts(), job: await tooltipLabels(page, jobActionButtons(page)) };
    await openStatus(page, base, 'delayed');
    const delayed = { queue: await queueButtons(page).allInnerTexts(), job: await tooltipLabels(page, jobActionButtons(page)) };
    await openStatus(page, base, 'waiting');
    const waiting = { job: await tooltipLabels(page, jobActionButtons(page)) };

    // The queue's own menu (add, pause, empty, obliterate, retry all) sits behind a "more" button.
    let menu: string[] = [];
    const more = page.locator('main button[aria-haspopup="menu"]');
    if ((await more.count()) > 0) {
      await more.first().click();
      await page.getByRole('menu').waitFor();
      menu = (await page.getByRole('menuitem').allInnerTexts()).map((t) => t.trim());
      await page.keyboard.press('Escape');
    }
    return { failed, delayed, waiting, menu };
  }

  it('offers retry, clean, promote and remove when not read-only (the baseline read-only must remove)', async () => {
    const controls = await mutatingControls(rw.url);
    expect(controls.failed.queue).toEqual(['Retry all', 'Clean all']);
    expect(controls.failed.job).toEqual(expect.arrayContaining(['Retry', 'Clean']));
    expect(controls.delayed.queue).toEqual(['Promote all', 'Clean all']);
    expect(controls.delayed.job).toEqual(expect.arrayContaining(['Promote', 'Clean']));
    expect(controls.waiting.job).toEqual(expect.arrayContaining(['Clean']));
    expect(controls.menu).toEqual(expect.arrayContaining(['Pause', 'Empty', 'Obliterate', `Retry all ${FAILED} failed jobs`]));
  }, 180_000);

  it('hides every mutating action when producer.dashboard.read_only is true', async () => {
    const controls = await mutatingControls(ro.url);
    expect(controls).toEqual({ failed: { queue: [], job: [] }, delayed: { queue: [], job: [] }, waiting: { job: [] }, menu: [] });
  }, 180_000);

  it('refuses the mutating API itself in read-only mode, so hidden buttons are not the only guard', async () => {
    const delayedKey = `${PREFIX}:${queueName}:delayed`;
    const before = await redis.zcard(delayedKey);
    expect(before).toBe(DELAYED);
    const res = await fetch(`${ro.url}/admin/queues/api/queues/${queueName}/promote`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`admin:${DASHBOARD_TEST_KEY}`).toString('base64')}` },
    });
    expect(res.status).toBe(405);
    expect(await redis.zcard(delayedKey)).toBe(DELAYED);
  }, 60_000);

  it('refuses to write job data from the dashboard even when not read-only (it only holds redacted data)', async () => {
    const id = templatedIds[0]!;
    const auth = { authorization: `Basic ${Buffer.from(`admin:${DASHBOARD_TEST_KEY}`).toString('base64')}`, 'content-type': 'application/json' };
    const update = await fetch(`${rw.url}/admin/queues/api/queues/${queueName}/${id}/update-data`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ jobData: { recipient: 'x@example.com', template_data: { recovery_code: '[redacted]' } } }),
    });
    expect(update.status).toBe(403);
    const add = await fetch(`${rw.url}/admin/queues/api/queues/${queueName}/add`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'x', data: {} }) });
    expect(add.status).toBe(403);
    const stored = JSON.parse((await redis.hget(`${PREFIX}:${queueName}:${id}`, 'data')) ?? '{}') as { template_data?: { recovery_code?: string } };
    expect(stored.template_data?.recovery_code).toBe(ONE_TIME_CODE);
  }, 60_000);
});
