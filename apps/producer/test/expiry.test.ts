/**
 * Message expiry at enqueue: `expires_at` / `ttl_seconds` on POST /messages and
 * /messages/batch, the default from `template_data.expires_in_minutes`, and the
 * Kratos bridge. Real HTTP and Redis; every response checked against the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const KEY = 'test-key-0123456789abcdef';
let p: TestProducer;
let api: ApiClient;

beforeAll(async () => {
  p = await startProducer({ producer: { api_keys: [KEY] } });
  api = await createApiClient(p.url, KEY);
});

afterAll(async () => {
  await p.close();
});

const raw = (extra: Record<string, unknown> = {}) => ({ recipient: 'ada@example.com', subject: 'Hi', body: 'plain', ...extra });

/** The stored message and its job payload's `expires_at`. */
async function expiryOf(id: string): Promise<{ api: unknown; job: unknown }> {
  const got = await api.request('GET', `/messages/${id}`);
  expect(got.status).toBe(200);
  const job = await p.redis.hget(`${p.config.redis.prefix}:${p.config.redis.queue_name}:${id}`, 'data');
  return { api: (got.body as { expires_at?: unknown }).expires_at, job: (JSON.parse(job ?? '{}') as { expires_at?: unknown }).expires_at };
}

describe('expiry at enqueue', () => {
  it('stores expires_at (normalised to UTC) in the record and the job payload, and shows it', async () => {
    const at = new Date(Date.now() + 3_600_000);
    const offset = at.toISOString().replace('Z', '+00:00');
    const res = await api.request('POST', '/messages', { body: raw({ expires_at: offset }) });
    expect(res.status).toBe(202);
    expect(await expiryOf(res.body.id)).toEqual({ api: at.toISOString(), job: at.toISOString() });
  });

  it('turns ttl_seconds into expires_at', async () => {
    const before = Date.now();
    const res = await api.request('POST', '/messages', { body: raw({ ttl_seconds: 120 }) });
    expect(res.status).toBe(202);
    const { api: shown, job } = await expiryOf(res.body.id);
    expect(job).toBe(shown);
    const ms = Date.parse(shown as string);
    expect(ms).toBeGreaterThanOrEqual(before + 120_000);
    expect(ms).toBeLessThanOrEqual(Date.now() + 120_000);
  });

  it('defaults a code/link template to template_data.expires_in_minutes, and only those', async () => {
    const before = Date.now();
    const code = await api.request('POST', '/messages', {
      body: { recipient: 'ada@example.com', template_type: 'login_code_valid', template_data: { login_code: '1234', expires_in_minutes: 15 } },
    });
    expect(code.status).toBe(202);
    const shown = (await expiryOf(code.body.id)).api as string;
    expect(Date.parse(shown)).toBeGreaterThanOrEqual(before + 15 * 60_000);
    expect(Date.parse(shown)).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
    // An explicit field wins over the default.
    const explicit = await api.request('POST', '/messages', {
      body: { recipient: 'ada@example.com', template_type: 'recovery_code_valid', template_data: { recovery_code: '1', expires_in_minutes: 15 }, ttl_seconds: 30 },
    });
    expect(Date.parse((await expiryOf(explicit.body.id)).api as string)).toBeLessThanOrEqual(Date.now() + 30_000);
    // No expires_in_minutes, 0 (Kratos's "not set"), or a type without one: no expiry.
    for (const body of [
      { recipient: 'ada@example.com', template_type: 'login_code_valid', template_data: { login_code: '1234' } },
      { recipient: 'ada@example.com', template_type: 'login_code_valid', template_data: { login_code: '1234', expires_in_minutes: 0 } },
      { recipient: 'ada@example.com', template_type: 'recovery_code_invalid', template_data: { expires_in_minutes: 15 } },
      raw(),
    ]) {
      const res = await api.request('POST', '/messages', { body });
      expect(res.status).toBe(202);
      expect(await expiryOf(res.body.id)).toEqual({ api: undefined, job: undefined });
    }
  });

  it('refuses both fields, a past expires_at, and bad values with 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ expires_at: new Date(Date.now() + 60_000).toISOString(), ttl_seconds: 60 }, 'ttl_seconds', /not both/],
      [{ expires_at: new Date(Date.now() - 1_000).toISOString() }, 'expires_at', /in the past/],
      [{ expires_at: 'tomorrow' }, 'expires_at', /ISO 8601/],
      [{ expires_at: new Date(Date.now() + 400 * 86_400_000).toISOString() }, 'expires_at', /less than a year/],
      [{ ttl_seconds: 0 }, 'ttl_seconds', /./],
      [{ ttl_seconds: 1.5 }, 'ttl_seconds', /./],
      [{ ttl_seconds: 31 * 86_400 }, 'ttl_seconds', /./],
      // Scheduled no earlier than its expiry: it could never be sent.
      [{ send_at: new Date(Date.now() + 120_000).toISOString(), expires_at: new Date(Date.now() + 60_000).toISOString() }, 'send_at', /before the message expires \(expires_at\)/],
      [{ send_at: new Date(Date.now() + 120_000).toISOString(), ttl_seconds: 60 }, 'send_at', /before the message expires \(ttl_seconds\)/],
      [{ delay_ms: 60_000, ttl_seconds: 60 }, 'delay_ms', /before the message expires/],
      [{ delay_ms: 120_000, expires_at: new Date(Date.now() + 60_000).toISOString() }, 'delay_ms', /before the message expires/],
    ];
    for (const [extra, path, message] of cases) {
      const res = await api.request('POST', '/messages', { body: raw(extra) });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      const detail = (res.body.error.details as { path: string; message: string }[]).find((d) => d.path === path);
      expect(detail?.message, JSON.stringify(res.body)).toMatch(message);
      expect(res.body.error.message).toContain(path);
    }
  });

  it('accepts a message scheduled before its expiry', async () => {
    const res = await api.request('POST', '/messages', {
      body: raw({ send_at: new Date(Date.now() + 30_000).toISOString(), expires_at: new Date(Date.now() + 60_000).toISOString() }),
    });
    expect(res.status).toBe(202);
  });

  it('takes the fields per batch item and names the failing item', async () => {
    const ok = await api.request('POST', '/messages/batch', { body: { messages: [raw({ ttl_seconds: 60 }), raw()] } });
    expect(ok.status).toBe(202);
    const [first, second] = ok.body.messages as { id: string }[];
    expect((await expiryOf(first!.id)).api).toEqual(expect.any(String));
    expect((await expiryOf(second!.id)).api).toBeUndefined();
    const bad = await api.request('POST', '/messages/batch', { body: { messages: [raw(), raw({ expires_at: '2001-01-01T00:00:00Z' })] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'messages.1.expires_at' })]));
  });

  it('applies the expires_in_minutes default to what Kratos posts to /kratos/messages', async () => {
    const before = Date.now();
    const res = await api.request('POST', '/kratos/messages', {
      body: { recipient: 'ada@example.com', template_type: 'verification_code_valid', template_data: { verification_code: '4711', expires_in_minutes: 10 } },
    });
    expect(res.status).toBe(202);
    const shown = (await expiryOf(res.body.id)).api as string;
    expect(Date.parse(shown)).toBeGreaterThanOrEqual(before + 10 * 60_000);
    expect(Date.parse(shown)).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
    const none = await api.request('POST', '/kratos/messages', {
      body: { recipient: 'ada@example.com', template_type: 'verification_code_valid', template_data: { verification_code: '4711' } },
    });
    expect((await expiryOf(none.body.id)).api).toBeUndefined();
    // Kratos's admin shape has no expiry field and does not grow one.
    const kratos = await api.request('GET', `/admin/courier/messages/${res.body.id}`);
    expect(kratos.status).toBe(200);
    expect(kratos.body).not.toHaveProperty('expires_at');
  });

  it('documents the fields in the OpenAPI document', async () => {
    const doc = (await api.request('GET', '/openapi.json')).body as { components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    const text = JSON.stringify(doc);
    expect(text).toContain('"ttl_seconds"');
    expect(text).toContain('"expires_at"');
  });
});
