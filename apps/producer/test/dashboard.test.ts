/**
 * Bull Board at /admin/queues in a real Chromium (Debian's /usr/bin/chromium via
 * playwright-core): login with the API key, the courier queue and its counts,
 * one-time codes redacted in job data, and read-only mode hiding every mutating
 * action. Two producers share one Redis prefix, one of them read-only; no worker
 * runs, so the enqueued messages stay waiting or delayed.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createMessageStore } from '@courier/store';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobActionButtons, launchChromium, statusTabCount, tooltipLabels } from './support/dashboard-browser.js';
import { DASHBOARD_TEST_KEY, deleteKeysWithPrefix, startDashboardProducer, testRedisUrl, type DashboardProducer } from './support/dashboard-producer.js';

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
  [rw, ro] = await Promise.all([startDashboardProducer({ prefix: PREFIX, readOnly: false }), startDashboardProducer({ prefix: PREFIX, readOnly: true })]);
  queueName = rw.config.redis.queue_name;

  // First in, so it is the job the one-shot fetch below takes and fails.
  const toFail = await enqueue({ recipient: 'bounce@example.com', subject: 'Bounce', body: RAW_BODY });
  await failNextJob(toFail);
  for (let i = 0; i < TEMPLATED; i++) {
    templatedIds.push(await enqueue({ recipient: `user${i}@example.com`, template_type: 'recovery_code_valid', template_data: { recovery_code: ONE_TIME_CODE } }));
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
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
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
    // Same-origin, so it is the read-only rule that refuses it, not the origin check.
    const res = await fetch(`${ro.url}/admin/queues/api/queues/${queueName}/promote`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`admin:${DASHBOARD_TEST_KEY}`).toString('base64')}`, origin: ro.url },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringMatching(/read-only/) } });
    expect(await redis.zcard(delayedKey)).toBe(DELAYED);
  }, 60_000);

  it('refuses to write job data from the dashboard even when not read-only (it only holds redacted data)', async () => {
    const id = templatedIds[0]!;
    const auth = { authorization: `Basic ${Buffer.from(`admin:${DASHBOARD_TEST_KEY}`).toString('base64')}`, 'content-type': 'application/json', origin: rw.url };
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

/** HTTP Basic with the test key, as a browser logged in to the board sends it. */
const basicAuth = (): string => `Basic ${Buffer.from(`admin:${DASHBOARD_TEST_KEY}`).toString('base64')}`;

/** A dashboard API call as the board's own page makes it: Basic auth and a same-origin Origin. */
async function boardCall(base: string, method: string, path: string, init: { body?: unknown; origin?: string | null } = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: basicAuth() };
  if (init.origin !== null) headers['origin'] = init.origin ?? base;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${base}${path}`, { method, headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
}

async function messageOf(id: string): Promise<{ status: string; recipient: string }> {
  const res = await fetch(`${rw.url}/messages/${id}`, { headers: { authorization: `Bearer ${DASHBOARD_TEST_KEY}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; recipient: string };
}

describe('Bull Board security', () => {
  it('refuses job-data writes however the path is encoded, and leaves the job and its record alone', async () => {
    const id = await enqueue({ recipient: 'victim@example.com', subject: 'Hi', body: 'hello' });
    const jobKey = `${PREFIX}:${queueName}:${id}`;
    const before = await redis.hget(jobKey, 'data');
    const waitingBefore = await redis.llen(`${PREFIX}:${queueName}:wait`);
    const data = { jobData: { recipient: 'attacker@example.com', subject: 'Hi', body: 'hello' } };
    const base = `/admin/queues/api/queues/${queueName}`;
    const attempts: [string, string][] = [
      ['PATCH', `${base}/${id}/%75pdate-data`],
      ['PATCH', `${base}/${id}/UPDATE-DATA`],
      ['PATCH', `${base}/${id}/update-data/`],
      ['PATCH', `${base}//${id}/update-data`],
      ['PATCH', `${base}/${id}%2Fupdate-data`],
      ['PATCH', `/admin/queues/api/queues/%63ourier/${id}/update-data`],
      ['PATCH', `/admin/queues/api/../api/queues/${queueName}/${id}/update-data`],
      ['PATCH', `${base}/${id}/update-data?x=1`],
      ['POST', `${base}/%61dd`],
      ['POST', `${base}/add/`],
      ['POST', `/admin/queues/api/queues/%63ourier/add`],
    ];
    for (const [method, path] of attempts) {
      const res = await boardCall(rw.url, method, path, { body: method === 'POST' ? { name: 'x', data: data.jobData } : data });
      // 403 from the allow-list, or (no dashboard route matched) the API's 401 for a non-Bearer login or a 404.
      expect([401, 403, 404], `${method} ${path} answered ${res.status}`).toContain(res.status);
    }
    expect(await redis.hget(jobKey, 'data')).toBe(before);
    expect(await redis.llen(`${PREFIX}:${queueName}:wait`)).toBe(waitingBefore);
    expect((await messageOf(id)).recipient).toBe('victim@example.com');
  }, 60_000);

  it('allows only reads and retry/clean/promote: pause, empty, obliterate and the rest are refused', async () => {
    const base = `/admin/queues/api/queues/${queueName}`;
    const waitingBefore = await redis.llen(`${PREFIX}:${queueName}:wait`);
    for (const [method, path, body] of [
      ['PUT', `${base}/pause`, undefined],
      ['PUT', '/admin/queues/api/queues/pause', undefined],
      ['PUT', `${base}/empty`, undefined],
      ['PUT', `${base}/obliterate`, { force: true }],
      ['PUT', `${base}/concurrency`, { concurrency: 1 }],
      ['PUT', `${base}/rate-limit`, { max: 1, duration: 1000 }],
      ['PATCH', `${base}/${templatedIds[1]}/priority`, { priority: 5 }],
    ] as const) {
      const res = await boardCall(rw.url, method, path, { body });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(await redis.hexists(`${PREFIX}:${queueName}:meta`, 'paused')).toBe(0);
    expect(await redis.llen(`${PREFIX}:${queueName}:wait`)).toBe(waitingBefore);
    // Reads still work.
    expect((await boardCall(rw.url, 'GET', `/admin/queues/api/queues?activeQueue=${queueName}&status=waiting&page=1`)).status).toBe(200);
  }, 60_000);

  it('sends anti-framing headers on the page, its API and its 401', async () => {
    for (const [path, auth] of [
      ['/admin/queues', true],
      ['/admin/queues/api/queues', true],
      ['/admin/queues', false],
    ] as const) {
      const res = await fetch(`${rw.url}${path}`, auth ? { headers: { authorization: basicAuth() } } : {});
      expect(res.status).toBe(auth ? 200 : 401);
      expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  }, 60_000);

  it('refuses state-changing calls from another origin or with no origin at all', async () => {
    const delayedKey = `${PREFIX}:${queueName}:delayed`;
    const before = await redis.zcard(delayedKey);
    expect(before).toBeGreaterThan(0);
    const promote = `/admin/queues/api/queues/${queueName}/promote`;
    for (const origin of ['http://evil.example', 'null', `${rw.url}.evil.example`, null]) {
      const res = await boardCall(rw.url, 'PUT', promote, { origin });
      expect(res.status, `Origin ${origin}`).toBe(403);
    }
    const referer = await fetch(`${rw.url}${promote}`, { method: 'PUT', headers: { authorization: basicAuth(), referer: 'http://evil.example/page' } });
    expect(referer.status).toBe(403);
    expect(await redis.zcard(delayedKey)).toBe(before);
  }, 60_000);

  it('takes HTTP Basic only on the dashboard: the API wants a Bearer key', async () => {
    expect((await fetch(`${rw.url}/messages`, { headers: { authorization: basicAuth() } })).status).toBe(401);
    expect((await fetch(`${rw.url}/messages`, { headers: { authorization: `Bearer ${DASHBOARD_TEST_KEY}` } })).status).toBe(200);
    expect((await fetch(`${rw.url}/admin/queues/api/queues`, { headers: { authorization: basicAuth() } })).status).toBe(200);
  }, 60_000);

  it('cancels the record of a job removed from the board (one job, and "clean all" of a live status)', async () => {
    const one = await enqueue({ recipient: 'removed@example.com', subject: 'Hi', body: 'hello' });
    const res = await boardCall(rw.url, 'PUT', `/admin/queues/api/queues/${queueName}/${one}/clean`);
    expect(res.status).toBe(204);
    expect(await redis.exists(`${PREFIX}:${queueName}:${one}`)).toBe(0);
    expect((await messageOf(one)).status).toBe('cancelled');

    const later = [
      await enqueue({ recipient: 'later-a@example.com', subject: 'Later', body: 'x', delay_ms: 600_000 }),
      await enqueue({ recipient: 'later-b@example.com', subject: 'Later', body: 'x', delay_ms: 600_000 }),
    ];
    // Bull Board's "clean all" spares jobs younger than 5 s.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const clean = await boardCall(rw.url, 'PUT', `/admin/queues/api/queues/${queueName}/clean/delayed`);
    expect(clean.status).toBe(200);
    for (const id of later) {
      expect(await redis.exists(`${PREFIX}:${queueName}:${id}`)).toBe(0);
      expect((await messageOf(id)).status).toBe('cancelled');
    }
  }, 60_000);
});

describe('Bull Board in the browser, against a forged request', () => {
  it('shows jobs read-only with no write buttons, and refuses a cross-origin POST carrying the login', async () => {
    const page = await loggedIn();
    await openStatus(page, ro.url, 'waiting');
    expect(await page.locator(`main a[href^="/admin/queues/queue/${queueName}/"]`).count()).toBeGreaterThan(0);
    expect(await tooltipLabels(page, jobActionButtons(page))).toEqual([]);
    expect(await page.getByRole('button', { name: /^(Retry all|Clean all|Promote all|Add job)$/ }).count()).toBe(0);

    // A page on another origin (the read-only producer's port, so still loopback: Chromium
    // keeps public pages off private addresses anyway) posts to the board with the stored login.
    const evil = await loggedIn();
    const evilOrigin = ro.url.replace('127.0.0.1', 'localhost');
    await evil.goto(`${evilOrigin}/health/alive`);
    const target = `${rw.url}/admin/queues/api/queues/${queueName}/%61dd`;
    const answered = evil.waitForResponse((r) => r.url() === target);
    const waitingBefore = await redis.llen(`${PREFIX}:${queueName}:wait`);
    await evil.evaluate(async (url) => {
      await fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{"name":"x","data":{}}' }).catch(() => undefined);
    }, target);
    const res = await answered;
    expect(res.request().headers()['origin']).toBe(evilOrigin);
    expect(res.status()).toBe(403);
    expect(await redis.llen(`${PREFIX}:${queueName}:wait`)).toBe(waitingBefore);
  }, 120_000);
});

describe('Bull Board in the browser, removing a job', () => {
  it("cancels the message when its waiting job is cleaned through the UI (the UI's own calls pass the origin check)", async () => {
    const id = await enqueue({ recipient: 'clean-me@example.com', subject: 'Hi', body: 'hello' });
    const page = await loggedIn();
    const res = await page.goto(`${rw.url}/admin/queues/queue/${queueName}/${id}`, { waitUntil: 'networkidle' });
    expect(res?.status()).toBe(200);
    await page.getByRole('tab', { name: 'Data' }).first().waitFor();
    const buttons = jobActionButtons(page);
    const labels = await tooltipLabels(page, buttons);
    expect(labels).toContain('Clean');
    await buttons.nth(labels.indexOf('Clean')).click();
    const cleaned = page.waitForResponse((r) => r.url().endsWith(`/api/queues/${queueName}/${id}/clean`));
    await page.getByRole('button', { name: 'Confirm' }).click();
    const answer = await cleaned;
    expect(answer.status()).toBe(204);
    expect(answer.request().headers()['origin']).toBe(rw.url);
    expect((await messageOf(id)).status).toBe('cancelled');
  }, 120_000);
});

describe('Bull Board retry of failed jobs', () => {
  it('re-queues an abandoned message so the worker sends it, and refuses a retry that would give a message a second live job', async () => {
    // Its own queue: the shared one has waiting jobs a one-shot fetch would take first.
    const prefix = `{dash-retry-${randomBytes(6).toString('hex')}}`;
    const p = await startDashboardProducer({ prefix, readOnly: false });
    const store = createMessageStore(redis, prefix, { finishedTtlSeconds: 3600 });
    try {
      const send = async (recipient: string): Promise<string> => {
        const res = await fetch(`${p.url}/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${DASHBOARD_TEST_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ recipient, subject: 'Hi', body: 'hello' }),
        });
        return ((await res.json()) as { id: string }).id;
      };
      const ids = [await send('one@example.com'), await send('all@example.com'), await send('requeued@example.com')];
      // Each job fails for good, and its message is recorded abandoned, as the worker would.
      const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
      const worker = new Worker(queueName, null, { connection, prefix, autorun: false });
      for (const id of ids) {
        const job = await worker.getNextJob('t', { block: false });
        expect(job?.id).toBe(id);
        await job?.moveToFailed(new UnrecoverableError('550 no such user'), 't', false);
        expect(await store.transition(id, ['queued'], 'abandoned')).toBe('ok');
      }
      await worker.close();
      await connection.quit();
      // The third was re-queued through the API meanwhile (it has another job now).
      expect(await store.transition(ids[2]!, ['abandoned'], 'queued')).toBe('ok');

      const refused = await boardCall(p.url, 'PUT', `/admin/queues/api/queues/${queueName}/${ids[2]}/retry`);
      expect(refused.status).toBe(409);
      expect(await redis.zscore(`${prefix}:${queueName}:failed`, ids[2]!)).not.toBeNull();

      const one = await boardCall(p.url, 'PUT', `/admin/queues/api/queues/${queueName}/${ids[0]}/retry`);
      expect(one.status).toBe(204);
      expect((await store.get(ids[0]!))?.status).toBe('queued');
      expect(await redis.lpos(`${prefix}:${queueName}:wait`, ids[0]!)).not.toBeNull();

      // "Retry all" would retry the third's failed job too: refused as a whole.
      const allRefused = await boardCall(p.url, 'PUT', `/admin/queues/api/queues/${queueName}/retry/failed`);
      expect(allRefused.status).toBe(409);
      expect((await store.get(ids[1]!))?.status).toBe('abandoned');
      // Cleaning a finished job leaves its message alone (re-queued under another job here).
      expect((await boardCall(p.url, 'PUT', `/admin/queues/api/queues/${queueName}/${ids[2]}/clean`)).status).toBe(204);
      expect((await store.get(ids[2]!))?.status).toBe('queued');

      const all = await boardCall(p.url, 'PUT', `/admin/queues/api/queues/${queueName}/retry/failed`);
      expect(all.status).toBe(200);
      expect((await store.get(ids[1]!))?.status).toBe('queued');
    } finally {
      await p.close();
      await deleteKeysWithPrefix(redis, prefix);
    }
  }, 60_000);
});

describe('dashboard paths and the API', () => {
  /** Send a request with the path exactly as given (fetch would normalise dot segments). */
  function rawRequest(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<number> {
    const { hostname, port } = new URL(base);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: hostname, port: Number(port), method, path, headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('reaches no API route without a Bearer key through a path that starts like the dashboard', async () => {
    for (const path of [
      '/admin/queues/../messages',
      '/admin/queues/%2e%2e/messages',
      '/admin/queues/..%2Fmessages',
      '/admin/queues%2F..%2Fmessages',
      '/admin/queues/./../messages',
      '/admin/queues/../openapi.json',
    ]) {
      for (const auth of [{}, { authorization: basicAuth() }] as Record<string, string>[]) {
        const status = await rawRequest(rw.url, 'GET', path, auth);
        expect([401, 404], `${path} answered ${status}`).toContain(status);
      }
    }
  }, 60_000);

  it('serves the dashboard under an encoded spelling of its path with the same login and guards', async () => {
    expect(await rawRequest(rw.url, 'GET', '/admin/%71ueues/api/queues', { authorization: basicAuth() })).toBe(200);
    expect(await rawRequest(rw.url, 'GET', '/admin/%71ueues/api/queues')).toBe(401);
    expect(await rawRequest(rw.url, 'PATCH', `/admin/%71ueues/api/queues/${queueName}/${templatedIds[0]}/update-data`, { authorization: basicAuth(), origin: rw.url })).toBe(403);
  }, 60_000);
});
