/**
 * The dev catcher against real clients: nodemailer sends multipart mail over
 * SMTP, fetch posts SMS and HTTP deliveries, and the JSON API, the HTML part's
 * route (its CSP), the raw source, the event stream and the bounds are checked
 * over HTTP; Chromium opens the viewer on a hostile mail to check that its
 * script does not run, its remote image is not loaded and its subject is text.
 */
import { createTransport, type Transporter } from 'nodemailer';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatcher, type Catcher } from '../index.js';
import { HTML_PART_CSP } from '../http-routes.js';
import { createStore, type Caught, type CaughtSummary } from '../store.js';
import { launchChromium, newPage } from './browser.js';

let catcher: Catcher;
let mailer: Transporter;

beforeAll(async () => {
  catcher = await startCatcher({ smtpPort: 0, httpPort: 0 });
  mailer = createTransport({ host: '127.0.0.1', port: catcher.smtpPort, secure: false, ignoreTLS: true });
});

afterAll(async () => {
  mailer?.close();
  await catcher?.close();
});

/** An entry of GET /api/messages. */
type Listed = CaughtSummary & { text: string };
/** GET /api/messages/:id. */
type Full = Omit<Caught, 'raw'>;

async function getJson(path: string, base = catcher.url): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: await res.json() };
}

const list = async (base = catcher.url): Promise<Listed[]> => (await getJson('/api/messages', base)).body as Listed[];
const full = async (id: string, base = catcher.url): Promise<Full> => (await getJson(`/api/messages/${id}`, base)).body as Full;

async function sendMail(to: string, subject: string, text: string, html: string): Promise<string> {
  const info = await mailer.sendMail({ from: 'Courier <courier@example.com>', to, subject, text, html });
  return info.messageId;
}

/** The newest message to `to`, from the JSON list. */
async function listed(to: string): Promise<Listed> {
  const found = (await list()).find((m) => m.to === to);
  if (found === undefined) throw new Error(`nothing caught for ${to}`);
  return found;
}

describe('e-mail over SMTP', () => {
  it('lists a multipart mail newest first and serves its parts, headers and raw source', async () => {
    const first = await sendMail('first@example.com', 'First', 'first text', '<p>first</p>');
    const messageId = await sendMail('alice@example.com', 'Your code: 314159', 'Your code is 314159.', '<html><body><p>Your code is <b>314159</b>.</p></body></html>');
    expect(first).not.toBe(messageId);

    const { status, body } = await getJson('/api/messages');
    const listing = body as Listed[];
    expect(status).toBe(200);
    const tos = listing.map((m) => m.to);
    expect(tos.indexOf('alice@example.com')).toBeLessThan(tos.indexOf('first@example.com'));
    const summary = await listed('alice@example.com');
    expect(summary).toMatchObject({
      kind: 'email',
      subject: 'Your code: 314159',
      text: 'Your code is 314159.',
      hasHtml: true,
      truncated: false,
      from: '"Courier" <courier@example.com>',
    });

    const message = await full(summary.id);
    expect(message.messageId).toBe(messageId);
    expect(message.html).toContain('<b>314159</b>');
    expect(message.headers).toContainEqual({ name: 'Message-ID', value: messageId });
    expect(message.headers).toContainEqual({ name: 'Subject', value: 'Your code: 314159' });
    expect(message).not.toHaveProperty('raw');

    const html = await fetch(`${catcher.url}/api/messages/${summary.id}/html`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-security-policy')).toBe(HTML_PART_CSP);
    expect(await html.text()).toBe(message.html);

    const raw = await fetch(`${catcher.url}/api/messages/${summary.id}/raw`);
    expect(raw.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const source = await raw.text();
    expect(source).toContain(`Message-ID: ${messageId}`);
    expect(source).toMatch(/Content-Type: multipart\/alternative/i);
  });

  it('allows no script, no remote load and no form in the HTML part', () => {
    const directives = new Map(
      HTML_PART_CSP.split(';')
        .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
        .map(([name, ...values]) => [name, values]),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.has('script-src')).toBe(false);
    expect(directives.get('img-src')).toEqual(['data:', 'cid:']);
    expect(directives.get('style-src')).toEqual(["'unsafe-inline'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(directives.get('sandbox')).toEqual([]);
  });

  it('answers 404 for an unknown message or a message without HTML', async () => {
    expect((await getJson('/api/messages/999999')).status).toBe(404);
    await mailer.sendMail({ from: 'courier@example.com', to: 'plain@example.com', subject: 'Plain', text: 'only text' });
    const plain = await listed('plain@example.com');
    expect(plain.hasHtml).toBe(false);
    expect((await fetch(`${catcher.url}/api/messages/${plain.id}/html`)).status).toBe(404);
  });

  it('tells open event streams about each new message', async () => {
    const controller = new AbortController();
    const res = await fetch(`${catcher.url}/api/events`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    const frame = (async () => {
      while (!received.includes('live@example.com')) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${received}`);
        received += value;
      }
    })();
    await sendMail('live@example.com', 'Live', 'live text', '<p>live</p>');
    await frame;
    controller.abort();
    const event = /event: message\ndata: (.*)\n\n/.exec(received.slice(received.indexOf('event: message')));
    expect(JSON.parse(event![1]!)).toMatchObject({ kind: 'email', to: 'live@example.com', subject: 'Live', hasHtml: true });
  });
});

describe('SMS and HTTP deliveries', () => {
  it('records an SMS posted to /sms as the dev config sends it', async () => {
    const res = await fetch(`${catcher.url}/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: '+15550123', body: 'Your code: 2718' }),
    });
    expect(res.status).toBe(201);
    expect(await listed('+15550123')).toMatchObject({ kind: 'sms', text: 'Your code: 2718' });
  });

  it('records an HTTP delivery under /http/ as sent, with Authorization redacted', async () => {
    // Kratos's whole message model, as `function(ctx) ctx` posts it.
    const payload = JSON.stringify({
      recipient: 'http@example.com',
      subject: 'Via HTTP',
      body: 'plain 1618',
      html_body: '<p>html 1618</p>',
      template_type: 'verification_code_valid',
    });
    const res = await fetch(`${catcher.url}/http/mail/send?x=1`, {
      method: 'PUT',
      headers: { authorization: 'Bearer sk-secret-token-1234', 'x-api-key': 'key-5678', 'content-type': 'application/json', 'idempotency-key': 'msg-1' },
      body: payload,
    });
    expect(res.status).toBe(200);
    const summary = await listed('http@example.com');
    expect(summary).toMatchObject({ kind: 'http', subject: 'Via HTTP', text: 'plain 1618', hasHtml: true });
    const message = await full(summary.id);
    expect(message.html).toBe('<p>html 1618</p>');
    expect(message.request?.method).toBe('PUT');
    expect(message.request?.path).toBe('/http/mail/send?x=1');
    expect(message.request?.body).toBe(payload);
    expect(message.request?.headers).toContainEqual({ name: 'authorization', value: 'Bearer [redacted]' });
    expect(message.request?.headers).toContainEqual({ name: 'x-api-key', value: '[redacted]' });
    expect(message.request?.headers).toContainEqual({ name: 'idempotency-key', value: 'msg-1' });
    const raw = await (await fetch(`${catcher.url}/api/messages/${summary.id}/raw`)).text();
    expect(raw).toContain('PUT /http/mail/send?x=1 HTTP/1.1');
    expect(raw).not.toContain('sk-secret-token-1234');
    expect(raw).not.toContain('key-5678');
    expect(JSON.stringify(message)).not.toContain('sk-secret-token-1234');
  });

  it('keeps a non-JSON HTTP body as sent', async () => {
    await fetch(`${catcher.url}/http`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'to=someone&code=99' });
    expect((await list())[0]).toMatchObject({ kind: 'http', to: '?', text: 'to=someone&code=99' });
  });

  it('refuses a non-loopback Host (DNS rebinding) and routes it does not have', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      request(`${catcher.url}/api/messages`, { headers: { host: 'attacker.example:8025' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
    expect((await fetch(`${catcher.url}/nothing-here`)).status).toBe(404);
    expect((await fetch(`${catcher.url}/api/messages`, { method: 'POST', body: '{}' })).status).toBe(405);
  });
});

describe('bounds', () => {
  it('keeps the newest messages only, and cuts a large one with a note', async () => {
    const small = await startCatcher({ smtpPort: 0, httpPort: 0, limits: { maxMessages: 3, maxMessageBytes: 4096 } });
    const smallMailer = createTransport({ host: '127.0.0.1', port: small.smtpPort, secure: false, ignoreTLS: true });
    try {
      const big = 'x'.repeat(40_000);
      const info = await smallMailer.sendMail({ from: 'courier@example.com', to: 'big@example.com', subject: 'Big', text: big });
      expect(info.accepted).toEqual(['big@example.com']);
      const caught = (await list(small.url)).find((m) => m.to === 'big@example.com');
      expect(caught?.truncated).toBe(true);
      expect(caught?.subject).toBe('Big');
      const { truncated } = await full(caught!.id, small.url);
      expect(truncated?.receivedBytes).toBeGreaterThan(40_000);
      expect(truncated?.keptBytes).toBe(4096);
      expect(truncated?.note).toContain('incomplete');
      expect((await (await fetch(`${small.url}/api/messages/${caught!.id}/raw`)).text()).length).toBeLessThanOrEqual(4096);

      for (const n of [1, 2, 3]) {
        await fetch(`${small.url}/sms`, { method: 'POST', body: JSON.stringify({ to: `+1555000${n}`, body: `sms ${n}` }) });
      }
      const after = await list(small.url);
      expect(after.map((m) => m.to)).toEqual(['+15550003', '+15550002', '+15550001']);
    } finally {
      smallMailer.close();
      await small.close();
    }
  });
});

describe('the store', () => {
  it('drops the oldest messages past the total byte bound, keeping at least the newest', () => {
    const store = createStore({ maxMessages: 100, maxMessageBytes: 1000, maxTotalBytes: 2500 });
    for (const n of [1, 2, 3]) store.add({ kind: 'sms', to: `+${n}`, text: 'a'.repeat(400), raw: 'b'.repeat(400) });
    expect(store.list().map((m) => m.to)).toEqual(['+3', '+2', '+1']);
    store.add({ kind: 'sms', to: '+4', text: 'a'.repeat(400), raw: 'b'.repeat(400) });
    expect(store.list().map((m) => m.to)).toEqual(['+4', '+3', '+2']);
    store.add({ kind: 'sms', to: '+big', text: 'a'.repeat(2000), raw: 'b'.repeat(2000) });
    expect(store.list().map((m) => m.to)).toEqual(['+big']);
    expect(store.get('1')).toBeUndefined();
  });
});

describe('the viewer in Chromium', () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('shows a hostile mail without running its script, loading its remote image or reading its subject as markup', async () => {
    const beacon = `${catcher.url}/http/beacon-from-the-mail`;
    const hostile = [
      '<html><body><p id="content">Visible text 8080</p>',
      '<script>document.getElementById("content").textContent = "SCRIPT RAN"; parent.document.title = "SCRIPT RAN";</script>',
      `<img src="${beacon}" alt="remote"><img src="x" onerror="document.body.append('ONERROR RAN')">`,
      '</body></html>',
    ].join('');
    await sendMail('hostile@example.com', '<img src=x onerror=alert(1)> subject', 'hostile text part', hostile);
    const id = (await listed('hostile@example.com')).id;

    const page = await newPage(browser!);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${catcher.url}/#${id}`);
    const frame = page.frameLocator('iframe[title="HTML part"]');
    await expect.poll(() => frame.locator('#content').innerText()).toBe('Visible text 8080');
    expect(await page.locator('iframe[title="HTML part"]').getAttribute('sandbox')).toBe('');
    expect(await frame.locator('body').innerText()).not.toContain('RAN');
    expect(await page.title()).toBe('Courier dev catcher');
    // The subject is on the page as text, in the list and the message view.
    await expect.poll(() => page.locator('.message h2').innerText()).toBe('<img src=x onerror=alert(1)> subject');
    expect(await page.locator('#messages .subject', { hasText: '<img src=x onerror=alert(1)> subject' }).count()).toBe(1);
    expect(dialogs).toEqual([]);
    // Nothing fetched the remote image (it would have been recorded as an HTTP delivery).
    expect(catcher.store.list().some((m) => m.request?.path === '/http/beacon-from-the-mail')).toBe(false);
    await page.context().close();
  });

  it('adds a message to the open list when it arrives (live update)', async () => {
    const page = await newPage(browser!);
    await page.goto(`${catcher.url}/`);
    await page.locator('#live.on').waitFor();
    await sendMail('arrives-later@example.com', 'Arrived while watching', 'live text', '<p>live</p>');
    await page.locator('#messages .to', { hasText: 'arrives-later@example.com' }).waitFor();
    await page.locator('#search').fill('arrives-later');
    await expect.poll(() => page.locator('#messages li').count()).toBe(1);
    await page.context().close();
  });
});
