/**
 * API key scopes: `send`, `read`, `admin` (implies `read`); a plain key has them
 * all. Every route answers 403 in the API's error shape to a key without its
 * scope, and the key that created a message is recorded as `created_by`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '@courier/core';
import { createApiClient, type ApiClient } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const ALL = 'scope-all-key-0123456789';
const SEND = 'scope-send-key-0123456789';
const READ = 'scope-read-key-0123456789';
const ADMIN = 'scope-admin-key-0123456789';
const SEND_READ = 'scope-send-read-key-0123456789';
let p: TestProducer;
let api: ApiClient;

beforeAll(async () => {
  p = await startProducer({
    producer: {
      api_keys: [
        ALL,
        { key: SEND, scopes: ['send'], name: 'billing' },
        { key: READ, scopes: ['read'] },
        { key: ADMIN, scopes: ['admin'], name: 'ops' },
        { key: SEND_READ, scopes: ['send', 'read'] },
      ],
    },
  });
  api = await createApiClient(p.url, ALL);
});

afterAll(async () => {
  await p.close();
});

const bearer = (key: string) => `Bearer ${key}`;
const mail = { recipient: 'scopes@example.com', template_type: 'recovery_code_valid', template_data: { recovery_code: 'SC0PE5' } };

async function send(key: string): Promise<string> {
  const res = await api.request('POST', '/messages', { body: mail, auth: bearer(key) });
  expect(res.status).toBe(202);
  return (res.body as { id: string }).id;
}

function expectForbidden(res: { status: number; body: unknown }, scope: string): void {
  expect(res.status).toBe(403);
  expect(res.body).toMatchObject({ error: { code: 'forbidden' } });
  expect((res.body as { error: { message: string } }).error.message).toContain(scope);
}

const BASE = { courier: { smtp: { connection_uri: 'smtp://127.0.0.1:9/' } } };

describe('scopes per route', () => {
  it('send: POST /messages, /messages/batch, /kratos/messages', async () => {
    const batch = { messages: [mail] };
    const kratos = { recipient: 'k@example.com', template_type: 'login_code_valid', login_code: '123456', subject: 's', body: 'b' };
    for (const key of [SEND, ALL, SEND_READ]) {
      expect((await api.request('POST', '/messages', { body: mail, auth: bearer(key) })).status).toBe(202);
      expect((await api.request('POST', '/messages/batch', { body: batch, auth: bearer(key) })).status).toBe(202);
      expect((await api.request('POST', '/kratos/messages', { body: kratos, auth: bearer(key) })).status).toBe(202);
    }
    for (const key of [READ, ADMIN]) {
      expectForbidden(await api.request('POST', '/messages', { body: mail, auth: bearer(key) }), 'send');
      expectForbidden(await api.request('POST', '/messages/batch', { body: batch, auth: bearer(key) }), 'send');
      expectForbidden(await api.request('POST', '/kratos/messages', { body: kratos, auth: bearer(key) }), 'send');
    }
  });

  it('read: lists and single reads, Kratos admin API included; admin implies read', async () => {
    const id = await send(SEND);
    const paths = ['/messages', `/messages/${id}`, '/admin/courier/messages', `/admin/courier/messages/${id}`];
    for (const path of paths) {
      for (const key of [READ, ADMIN, ALL, SEND_READ]) expect((await api.request('GET', path, { auth: bearer(key) })).status).toBe(200);
      expectForbidden(await api.request('GET', path, { auth: bearer(SEND) }), 'read');
    }
  });

  it('admin: retry and cancel', async () => {
    const id = await send(SEND);
    for (const key of [SEND, READ, SEND_READ]) {
      expectForbidden(await api.request('DELETE', `/messages/${id}`, { auth: bearer(key) }), 'admin');
      expectForbidden(await api.request('POST', `/messages/${id}/retry`, { auth: bearer(key) }), 'admin');
    }
    expect((await api.request('DELETE', `/messages/${id}`, { auth: bearer(ADMIN) })).status).toBe(200);
    // Allowed through the scope check: the status decides (a cancelled message is not retryable).
    expect((await api.request('POST', `/messages/${id}/retry`, { auth: bearer(ADMIN) })).status).toBe(409);
  });

  it('admin: the dashboard', async () => {
    const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`someone:${key}`).toString('base64')}` });
    for (const key of [SEND, READ, SEND_READ]) {
      const res = await fetch(`${p.url}/admin/queues`, { headers: basic(key) });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } });
    }
    expect((await fetch(`${p.url}/admin/queues`, { headers: basic(ADMIN) })).status).toBe(200);
    expect((await fetch(`${p.url}/admin/queues`, { headers: basic(ALL) })).status).toBe(200);
  });

  it('the OpenAPI document needs a key but no scope', async () => {
    for (const key of [SEND, READ, ADMIN]) expect((await fetch(`${p.url}/openapi.json`, { headers: { authorization: bearer(key) } })).status).toBe(200);
  });
});

describe('created_by', () => {
  it("records the creating key's name, or its non-secret id, shown in reads and lists", async () => {
    const named = await send(SEND);
    const plain = await send(ALL);
    const one = await api.request('GET', `/messages/${named}`, { auth: bearer(READ) });
    expect(one.body).toMatchObject({ created_by: 'billing' });
    const other = (await api.request('GET', `/messages/${plain}`)).body as { created_by: string };
    expect(other.created_by).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.stringify(other)).not.toContain(ALL);
    const list = (await api.request('GET', '/messages?recipient=scopes@example.com')).body as { messages: { id: string; created_by?: string }[] };
    expect(list.messages.find((m) => m.id === named)?.created_by).toBe('billing');
    expect(list.messages.find((m) => m.id === plain)?.created_by).toBe(other.created_by);
  });
});

describe('configuration', () => {
  it('takes plain keys (every scope) and keys with scopes, also from COURIER_API_KEYS', () => {
    const c = parseConfig({ ...BASE, producer: { api_keys: [ALL, { key: SEND, scopes: ['send'] }] } });
    expect(c.producer.api_keys).toEqual([ALL, { key: SEND, scopes: ['send'] }]);
    expect(() => parseConfig({ ...BASE, producer: { api_keys: [{ key: SEND, scopes: ['write'] }] } })).toThrow(/api_keys/);
    expect(() =>
      parseConfig({
        ...BASE,
        producer: {
          api_keys: [
            { key: SEND, name: 'a' },
            { key: READ, name: 'a' },
          ],
        },
      }),
    ).toThrow(/name/);
  });

  it('COURIER_API_KEYS takes a comma-separated list of plain keys, or JSON with scopes', () => {
    const env = { COURIER_SMTP_CONNECTION_URI: 'smtp://127.0.0.1:9/' };
    expect(loadConfig({ env: { ...env, COURIER_API_KEYS: `${ALL}, ${SEND}` } }).producer.api_keys).toEqual([ALL, SEND]);
    const json = JSON.stringify([ALL, { key: READ, scopes: ['read'], name: 'support' }]);
    expect(loadConfig({ env: { ...env, COURIER_API_KEYS: json } }).producer.api_keys).toEqual([ALL, { key: READ, scopes: ['read'], name: 'support' }]);
  });
});
