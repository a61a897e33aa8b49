/**
 * Secrets in single reads: `GET /messages/{id}` redacts one-time codes, links,
 * custom secret fields (any depth, any casing) and a raw message's subject and
 * bodies, unless the key has the `admin` scope. Kratos's admin API shows
 * `<redacted-unless-dev-mode>` for subject and body unless
 * `producer.expose_message_content` is on. `producer.redaction` is configurable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedactor } from '@courier/core';
import { redactMessageContent } from '../src/present/content.js';
import { createApiClient, type ApiClient } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const ALL = 'redact-all-key-0123456789';
const READ = 'redact-read-key-0123456789';
const ADMIN = 'redact-admin-key-0123456789';
const KEYS = [ALL, { key: READ, scopes: ['read', 'send'] }, { key: ADMIN, scopes: ['admin', 'send'] }];
const DEV_MODE = '<redacted-unless-dev-mode>';

const templated = {
  recipient: 'redact@example.com',
  template_type: 'login_code_valid',
  template_data: {
    login_code: 'LC-739104',
    LoginCode: 'LC-739104',
    RecoveryURL: 'https://app.example.com/recover?token=RU-88412',
    magic_link: 'https://app.example.com/magic/ML-55120',
    transient_payload: { otp: 'OTP-20411', note: 'hello', nested: [{ resetToken: 'RT-99310' }] },
    identity: { traits: { email: 'redact@example.com', name: 'Ada' } },
    expires_in_minutes: 15,
  },
};
const SECRETS = ['LC-739104', 'RU-88412', 'ML-55120', 'OTP-20411', 'RT-99310'];
const raw = { recipient: 'raw@example.com', subject: 'Your code RAW-4411', body: 'Code: RAW-4411', html_body: '<p>RAW-4411</p>' };

let p: TestProducer;
let api: ApiClient;
let templatedId: string;
let rawId: string;

async function send(body: unknown): Promise<string> {
  const res = await api.request('POST', '/messages', { body });
  expect(res.status).toBe(202);
  return (res.body as { id: string }).id;
}

beforeAll(async () => {
  p = await startProducer({ producer: { api_keys: KEYS } });
  api = await createApiClient(p.url, ALL);
  templatedId = await send(templated);
  rawId = await send(raw);
});

afterAll(async () => {
  await p.close();
});

const as = (key: string) => ({ auth: `Bearer ${key}` });

describe('GET /messages/{id}', () => {
  it('redacts secrets at any depth and in any casing for a read-only key, keeping the rest', async () => {
    const res = await api.request('GET', `/messages/${templatedId}`, as(READ));
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    for (const s of SECRETS) expect(text).not.toContain(s);
    expect(res.body.template_data).toEqual({
      login_code: '[redacted]',
      LoginCode: '[redacted]',
      RecoveryURL: '[redacted]',
      magic_link: '[redacted]',
      transient_payload: { otp: '[redacted]', note: 'hello', nested: [{ resetToken: '[redacted]' }] },
      identity: { traits: { email: 'redact@example.com', name: 'Ada' } },
      expires_in_minutes: 15,
    });
  });

  it("redacts a raw message's subject and bodies for a read-only key", async () => {
    const res = await api.request('GET', `/messages/${rawId}`, as(READ));
    expect(res.body).toMatchObject({ subject: '[redacted]', body: '[redacted]', html_body: '[redacted]', recipient: 'raw@example.com' });
  });

  it('shows everything to an admin key and to a plain (all-scope) key', async () => {
    for (const key of [ADMIN, ALL]) {
      expect((await api.request('GET', `/messages/${templatedId}`, as(key))).body.template_data).toEqual(templated.template_data);
      expect((await api.request('GET', `/messages/${rawId}`, as(key))).body).toMatchObject(raw);
    }
  });
});

describe("Kratos's admin API", () => {
  it('shows <redacted-unless-dev-mode> for subject and body by default, to every key', async () => {
    for (const key of [READ, ADMIN, ALL]) {
      const one = await api.request('GET', `/admin/courier/messages/${rawId}`, as(key));
      expect(one.body).toMatchObject({ subject: DEV_MODE, body: DEV_MODE });
      const list = (await api.request('GET', '/admin/courier/messages?recipient=raw@example.com', as(key))).body as Record<string, unknown>[];
      expect(list[0]).toMatchObject({ id: rawId, subject: DEV_MODE, body: DEV_MODE });
      expect(JSON.stringify(list)).not.toContain('RAW-4411');
    }
  });

  it('shows them with producer.expose_message_content (dev mode)', async () => {
    const dev = await startProducer({ producer: { api_keys: KEYS, expose_message_content: true } });
    try {
      const devApi = await createApiClient(dev.url, ALL);
      const res = await devApi.request('POST', '/messages', { body: raw });
      const id = (res.body as { id: string }).id;
      expect((await devApi.request('GET', `/admin/courier/messages/${id}`)).body).toMatchObject({ subject: raw.subject, body: raw.body });
      const list = (await devApi.request('GET', '/admin/courier/messages')).body as Record<string, unknown>[];
      expect(list[0]).toMatchObject({ id, subject: raw.subject, body: raw.body });
      // Even in dev mode, a key without admin never sees content (codes travel in subjects and bodies).
      const readApi = await createApiClient(dev.url, READ);
      expect((await readApi.request('GET', `/admin/courier/messages/${id}`)).body).toMatchObject({ subject: DEV_MODE, body: DEV_MODE });
      const readList = (await readApi.request('GET', '/admin/courier/messages')).body as Record<string, unknown>[];
      expect(readList[0]).toMatchObject({ id, subject: DEV_MODE, body: DEV_MODE });
    } finally {
      await dev.close();
    }
  });
});

describe('producer.redaction', () => {
  it('takes configured field names and patterns instead of the defaults', async () => {
    const custom = await startProducer({
      producer: { api_keys: KEYS, redaction: { fields: ['favouriteColour'], patterns: ['^pin'] } },
    });
    try {
      const c = await createApiClient(custom.url, ALL);
      const id = (
        (
          await c.request('POST', '/messages', {
            body: {
              recipient: 'c@example.com',
              template_type: 'login_code_valid',
              template_data: { login_code: '1234', favourite_colour: 'blue', pin_number: '9999', deep: { FavouriteColour: 'red' } },
            },
          })
        ).body as { id: string }
      ).id;
      const res = await c.request('GET', `/messages/${id}`, as(READ));
      expect(res.body.template_data).toEqual({ login_code: '1234', favourite_colour: '[redacted]', pin_number: '[redacted]', deep: { FavouriteColour: '[redacted]' } });
    } finally {
      await custom.close();
    }
  });
});

describe("redactMessageContent (for the dashboard's job data)", () => {
  it('redacts the content fields of a job payload and leaves its tracking fields alone', () => {
    const job = {
      v: 1,
      id: 'x',
      type: 'email',
      channel: 'email',
      recipient: 'a@example.com',
      template_type: 'login_code_valid',
      template_data: { login_code: '1', to: 'a@example.com' },
      created_at: 't',
    };
    expect(redactMessageContent(job, createRedactor())).toEqual({ ...job, template_data: { login_code: '[redacted]', to: 'a@example.com' } });
    const raw = { id: 'y', subject: 's', body: 'b', html_body: 'h', dispatches: [{ error: { code: 'SMTP_PERMANENT' } }] };
    expect(redactMessageContent(raw, createRedactor())).toEqual({ ...raw, subject: '[redacted]', body: '[redacted]', html_body: '[redacted]' });
    expect(redactMessageContent(null, createRedactor())).toBeNull();
  });
});
