/**
 * Webhooks in core: the `webhooks:` config (secrets, limits, errors that never quote
 * a secret), the event payload (allow-listed fields, stable ids) and the sender against
 * a real HTTP sink (headers and signature, what is retried, no redirects, the
 * private-address guard). The signature is also checked end to end by the worker's
 * tests with the reference `standardwebhooks` package.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpSink, type HttpSink } from '@courier/testkit';
import { ConfigError, DeliveryError } from '../src/errors.js';
import { parseConfig } from '../src/config/load.js';
import { envKeys } from '../src/config/env.js';
import { configSchema } from '../src/config/schema.js';
import { prepareWebhookEvent, webhookEvent, webhookEventId } from '../src/webhooks/events.js';
import { newWebhookSecret, parseWebhookSecret, signWebhook } from '../src/webhooks/signature.js';
import { createWebhookSender, type WebhookTarget } from '../src/webhooks/sender.js';

let sink: HttpSink;

beforeAll(async () => {
  sink = await startHttpSink();
});

afterAll(async () => {
  await sink.close();
});

const secretOf = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;

function configError(webhooks: unknown): string {
  try {
    parseConfig({ webhooks }, 'test');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('webhooks config', () => {
  it('defaults to no endpoint, and fills an endpoint with every event type', () => {
    expect(parseConfig({}).webhooks).toEqual({ endpoints: [], timeout_ms: 15_000, max_attempts: 15, backoff: { base_ms: 5_000, max_ms: 3_600_000 }, concurrency: 5 });
    const secret = newWebhookSecret();
    const c = parseConfig({ webhooks: { endpoints: [{ id: 'ops', url: 'https://hooks.example.com/courier', secret }] } });
    expect(c.webhooks.endpoints).toEqual([
      { id: 'ops', url: 'https://hooks.example.com/courier', secret, events: ['message.sent', 'message.retrying', 'message.abandoned', 'message.cancelled'], headers: {} },
    ]);
  });

  it('refuses bad secrets, naming the key and never the value', () => {
    const cases: [string, RegExp][] = [
      ['not-a-whsec-secret-value', /must start with "whsec_"/],
      ['whsec_!!!not*base64!!!', /followed by base64/],
      [secretOf(16), /24 to 64 bytes \(it encodes 16\)/],
      [secretOf(65), /24 to 64 bytes \(it encodes 65\)/],
    ];
    for (const [secret, problem] of cases) {
      const message = configError({ endpoints: [{ id: 'a', url: 'https://h.example.com/', secret }] });
      expect(message).toMatch(/webhooks\.endpoints\.0\.secret/);
      expect(message).toMatch(problem);
      expect(message).not.toContain(secret.slice(6));
    }
    expect(parseWebhookSecret(secretOf(24))).toHaveProperty('key');
    expect(parseWebhookSecret(secretOf(64))).toHaveProperty('key');
  });

  it('checks ids, URLs, event types, headers and the endpoint count', () => {
    const secret = newWebhookSecret();
    const one = (e: Record<string, unknown>) => ({ endpoints: [{ id: 'a', url: 'https://h.example.com/', secret, ...e }] });
    expect(configError(one({ url: 'ftp://h.example.com/' }))).toMatch(/webhooks\.endpoints\.0\.url/);
    expect(configError(one({ url: 'https://user:pw@h.example.com/' }))).toMatch(/must not hold credentials/);
    expect(configError(one({ url: `https://h.example.com/${'x'.repeat(2_100)}` }))).toMatch(/webhooks\.endpoints\.0\.url/);
    expect(configError(one({ id: 'has space' }))).toMatch(/webhooks\.endpoints\.0\.id/);
    expect(configError(one({ events: ['message.delivered'] }))).toMatch(/webhooks\.endpoints\.0\.events\.0/);
    expect(configError(one({ events: [] }))).toMatch(/webhooks\.endpoints\.0\.events/);
    expect(configError(one({ headers: { 'Webhook-Signature': 'v1,forged' } }))).toMatch(/is set by Courier/);
    expect(configError(one({ headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v'])) }))).toMatch(/at most 20 headers/);
    expect(configError(one({ surprise: true }))).toMatch(/surprise/);
    const twice = { endpoints: [1, 2].map(() => ({ id: 'same', url: 'https://h.example.com/', secret })) };
    expect(configError(twice)).toMatch(/duplicate endpoint id "same"/);
    const many = { endpoints: Array.from({ length: 21 }, (_, i) => ({ id: `e${i}`, url: 'https://h.example.com/', secret })) };
    expect(configError(many)).toMatch(/webhooks\.endpoints/);
    expect(configError({ max_attempts: 0 })).toMatch(/webhooks\.max_attempts/);
    expect(configError({ timeout_ms: 120_000 })).toMatch(/webhooks\.timeout_ms/);
  });

  it('takes the endpoints from the environment as JSON', () => {
    expect(envKeys(configSchema).some((k) => k.variable === 'WEBHOOKS_ENDPOINTS' && k.kind === 'json')).toBe(true);
  });
});

describe('webhook events', () => {
  it('copy only identifying fields: never content, template data or other job fields', () => {
    const payload = {
      id: 'm-1',
      v: 1,
      type: 'email',
      channel: 'email',
      recipient: 'a@example.com',
      template_type: 'login_code_valid',
      template_data: { login_code: '123456' },
      subject: 'Your code 123456',
      body: 'Your code 123456',
    };
    const event = webhookEvent({ type: 'message.retrying', message: payload, attempt: 2, maxAttempts: 6, reason: 'SMTP_TRANSIENT', at: new Date('2026-01-02T03:04:05Z') });
    expect(event).toEqual({
      type: 'message.retrying',
      timestamp: '2026-01-02T03:04:05.000Z',
      data: {
        id: 'm-1',
        status: 'error',
        message_type: 'email',
        channel: 'email',
        template_type: 'login_code_valid',
        recipient: 'a@example.com',
        attempt: 2,
        max_attempts: 6,
        reason: 'SMTP_TRANSIENT',
      },
    });
    expect(JSON.stringify(prepareWebhookEvent({ type: 'message.sent', message: payload }))).not.toContain('123456');
    // Junk from a job's data is left out.
    expect(webhookEvent({ type: 'message.abandoned', message: { id: 'm-2', channel: { not: 'a string' } as never } }).data).toEqual({ id: 'm-2', status: 'abandoned' });
  });

  it('get one id per occurrence: the same on a repeat, another for another attempt, type or message; never a dot', () => {
    const id = webhookEventId('message.retrying', 'm-1', 'job/1');
    expect(id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(webhookEventId('message.retrying', 'm-1', 'job/1')).toBe(id);
    expect(
      new Set([id, webhookEventId('message.retrying', 'm-1', 'job/2'), webhookEventId('message.abandoned', 'm-1', 'job/1'), webhookEventId('message.retrying', 'm-2', 'job/1')])
        .size,
    ).toBe(4);
  });
});

describe('webhook sender', () => {
  const secret = newWebhookSecret();
  const key = Buffer.from(secret.slice(6), 'base64');
  const target = (path = '/in', headers: Record<string, string> = {}): WebhookTarget => ({ id: 'ops', url: `${sink.url}${path}`, key, headers });
  const send = createWebhookSender({ timeoutMs: 1_000 });
  const event = { id: 'evt_0123', body: '{"type":"message.sent","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"m"}}' };

  async function failure(p: Promise<unknown>): Promise<DeliveryError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeliveryError);
    return err as DeliveryError;
  }

  it('POSTs the body with webhook-id, webhook-timestamp and a v1 HMAC-SHA256 signature of id.timestamp.body', async () => {
    sink.reset();
    sink.setResponder(() => ({ status: 204 }));
    expect(await send(target('/in', { 'x-receiver': 'yes' }), event)).toBe(204);
    const [req] = sink.requests;
    expect(req).toMatchObject({ method: 'POST', url: '/in', body: event.body });
    const ts = Number(req!.headers['webhook-timestamp']);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(5);
    expect(req!.headers).toMatchObject({ 'webhook-id': 'evt_0123', 'content-type': 'application/json', 'x-receiver': 'yes' });
    const expected = createHmac('sha256', key).update(`evt_0123.${ts}.${event.body}`).digest('base64');
    expect(req!.headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(signWebhook(key, 'evt_0123', ts, event.body)).toBe(`v1,${expected}`);
  });

  it('retries 5xx, 4xx and redirects (not followed); honours Retry-After; gives up on 410', async () => {
    sink.reset();
    sink.setResponder((req) => {
      if (req.url === '/500') return { status: 500, body: 'boom' };
      if (req.url === '/429') return { status: 429, headers: { 'retry-after': '7' } };
      if (req.url === '/401') return { status: 401 };
      if (req.url === '/302') return { status: 302, headers: { location: '/elsewhere' } };
      if (req.url === '/410') return { status: 410 };
      return undefined;
    });
    const e500 = await failure(send(target('/500'), event));
    expect(e500).toMatchObject({ code: 'HTTP_STATUS_RETRYABLE', retryable: true });
    expect(e500.message).toContain('HTTP 500: boom');
    expect(await failure(send(target('/429'), event))).toMatchObject({ code: 'HTTP_STATUS_RETRYABLE', retryable: true, retryAfterMs: 7_000 });
    expect(await failure(send(target('/401'), event))).toMatchObject({ retryable: true });
    expect(await failure(send(target('/302'), event))).toMatchObject({ code: 'HTTP_STATUS_RETRYABLE', retryable: true });
    expect(await failure(send(target('/410'), event))).toMatchObject({ code: 'HTTP_STATUS_PERMANENT', retryable: false });
    expect(sink.requests.map((r) => r.url)).toEqual(['/500', '/429', '/401', '/302', '/410']);
  });

  it('times out a slow receiver (retryable)', async () => {
    sink.reset();
    sink.setResponder(() => ({ status: 200, delayMs: 2_000 }));
    const quick = createWebhookSender({ timeoutMs: 200 });
    expect(await failure(quick(target(), event))).toMatchObject({ code: 'HTTP_TIMEOUT', retryable: true });
  });

  it('refuses a loopback receiver when the guard is on (permanent, nothing sent), unless an exception URL matches', async () => {
    sink.reset();
    sink.setResponder(() => undefined);
    const guarded = createWebhookSender({ timeoutMs: 1_000, disallowPrivateIpRanges: true });
    const refused = await failure(guarded(target(), event));
    expect(refused).toMatchObject({ code: 'HTTP_ADDRESS_DISALLOWED', retryable: false });
    expect(refused.message).toContain('127.0.0.1');
    expect(sink.count()).toBe(0);
    const excepted = createWebhookSender({ timeoutMs: 1_000, disallowPrivateIpRanges: true, privateIpExceptionUrls: [`${sink.url}/in`] });
    expect(await excepted(target(), event)).toBe(200);
    expect(sink.count()).toBe(1);
  });
});
