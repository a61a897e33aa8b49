/**
 * The suppression-list routes against a real producer and Redis, every response checked
 * against the OpenAPI document: add (admin), read and list (read), paging, delete one and
 * all (admin), address normalisation and validation, and each route's scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageStore, createSuppressionList, type SuppressionList } from '@courier/store';
import { createApiClient, type ApiClient } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const ALL = 'sup-all-key-0123456789';
const READ = 'sup-read-key-0123456789';
const SEND = 'sup-send-key-0123456789';
const ADMIN = 'sup-admin-key-0123456789';
let p: TestProducer;
let api: ApiClient;
let list: SuppressionList;

beforeAll(async () => {
  p = await startProducer({
    producer: { api_keys: [ALL, { key: READ, scopes: ['read'] }, { key: SEND, scopes: ['send'] }, { key: ADMIN, scopes: ['admin'] }] },
    courier: { suppression: { enabled: true, ttl_seconds: 3600 } },
  });
  api = await createApiClient(p.url, ALL);
  const keys = createMessageStore(p.redis, p.config.redis.prefix, { finishedTtlSeconds: 60 }).keys;
  list = createSuppressionList(p.redis, keys, { ttlSeconds: 3600, maxEntries: 1000 });
});

afterAll(async () => {
  await p.close();
});

const bearer = (key: string) => `Bearer ${key}`;
const path = (address: string) => `/suppressions/${encodeURIComponent(address)}`;

describe('suppression routes', () => {
  it('adds by hand, reads it back normalised, lists it, and deletes it', async () => {
    const added = await api.request('POST', '/suppressions', { body: { address: '  Bounce.Me@Example.COM ', note: 'asked to stop' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ address: 'bounce.me@example.com', source: 'api', code: 'manual', detail: 'asked to stop' });
    const ttl = Date.parse(added.body.expires_at) - Date.parse(added.body.added_at);
    expect(ttl).toBe(3600_000);

    // Any spelling of the address finds the one entry.
    const got = await api.request('GET', path('BOUNCE.me@example.com'));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ address: 'bounce.me@example.com', code: 'manual' });

    const listed = await api.request('GET', '/suppressions');
    expect(listed.status).toBe(200);
    expect(listed.body.suppressions.map((e: { address: string }) => e.address)).toContain('bounce.me@example.com');

    expect((await api.request('DELETE', path('bounce.me@EXAMPLE.com'))).body).toEqual({ deleted: 1 });
    expect((await api.request('GET', path('bounce.me@example.com'))).status).toBe(404);
    const again = await api.request('DELETE', path('bounce.me@example.com'));
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error: { code: 'not_found' } });
  });

  it('shows what a delivery rejection recorded', async () => {
    await list.add({
      address: 'gone@example.org',
      source: 'delivery',
      code: '5.1.1',
      detail: 'SMTP 550 at RCPT TO: 5.1.1 user unknown',
      channel: 'email',
      message_id: '0190b2c4-0000-7000-8000-000000000001',
      template_type: 'verification_valid',
    });
    const got = await api.request('GET', path('gone@example.org'));
    expect(got.body).toMatchObject({
      source: 'delivery',
      code: '5.1.1',
      channel: 'email',
      message_id: '0190b2c4-0000-7000-8000-000000000001',
      template_type: 'verification_valid',
    });
  });

  it('pages in address order with next_page_token and a Link header, then empties the list only with all=true', async () => {
    const addresses = Array.from({ length: 7 }, (_, i) => `page-${String(i)}@example.net`);
    for (const address of addresses) expect((await api.request('POST', '/suppressions', { body: { address } })).status).toBe(201);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await api.request('GET', `/suppressions?page_size=3${token === undefined ? '' : `&page_token=${token}`}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.suppressions.map((e: { address: string }) => e.address));
      token = res.body.next_page_token;
      if (token !== undefined) expect(res.headers.get('link')).toContain(`page_token=${token}`);
      pages++;
    } while (token !== undefined && pages < 10);
    const pageAddresses = seen.filter((a) => a.startsWith('page-'));
    expect(pageAddresses).toEqual(addresses);
    expect([...seen].sort()).toEqual(seen);

    const refused = await api.request('DELETE', '/suppressions');
    expect(refused.status).toBe(400);
    const cleared = await api.request('DELETE', '/suppressions?all=true');
    expect(cleared.status).toBe(200);
    expect(cleared.body.deleted).toBeGreaterThanOrEqual(7);
    expect((await api.request('GET', '/suppressions')).body.suppressions).toEqual([]);
  });

  it('refuses bad addresses, bad tokens and bad bodies with 400', async () => {
    for (const bad of ['a b@example.com', 'x'.repeat(321), ' ']) {
      const res = await api.request('POST', '/suppressions', { body: { address: bad } });
      expect(res.status, bad).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'invalid_request' } });
    }
    expect((await api.request('GET', path(`${'y'.repeat(321)}@example.com`))).status).toBe(400);
    expect((await api.request('GET', path('tab\there@example.com'))).status).toBe(400);
    // An address longer than the router takes is a 400 too, in the API's shape.
    const long = await api.request('GET', `/suppressions/${'%41'.repeat(400)}`);
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ error: { code: 'invalid_request' } });
    expect((await api.request('GET', '/suppressions?page_token=bm90LWEtdG9rZW4')).status).toBe(400);
    expect((await api.request('GET', '/suppressions?page_size=0')).status).toBe(400);
    expect((await api.request('POST', '/suppressions', { body: { address: 'a@example.com', extra: 1 } })).status).toBe(400);
  });

  it('needs read to look and admin to change', async () => {
    await list.add({ address: 'scoped@example.com', source: 'api', code: 'manual', detail: '' });
    for (const key of [READ, ADMIN, ALL]) {
      expect((await api.request('GET', '/suppressions', { auth: bearer(key) })).status).toBe(200);
      expect((await api.request('GET', path('scoped@example.com'), { auth: bearer(key) })).status).toBe(200);
    }
    const forbidden = await api.request('GET', '/suppressions', { auth: bearer(SEND) });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.message).toContain('read');
    for (const key of [READ, SEND]) {
      expect((await api.request('POST', '/suppressions', { body: { address: 'n@example.com' }, auth: bearer(key) })).status).toBe(403);
      expect((await api.request('DELETE', path('scoped@example.com'), { auth: bearer(key) })).status).toBe(403);
      expect((await api.request('DELETE', '/suppressions?all=true', { auth: bearer(key) })).status).toBe(403);
    }
    expect((await api.request('GET', path('scoped@example.com'), { auth: bearer(READ) })).status).toBe(200);
    expect((await api.request('DELETE', path('scoped@example.com'), { auth: bearer(ADMIN) })).status).toBe(200);
    expect((await api.request('GET', '/suppressions', { auth: null })).status).toBe(401);
  });

  it('documents every route in the OpenAPI document', () => {
    for (const route of ['GET /suppressions', 'POST /suppressions', 'DELETE /suppressions', 'GET /suppressions/{address}', 'DELETE /suppressions/{address}']) {
      expect(
        [...api.validated.keys()].some((k) => k.startsWith(`${route} 2`)),
        route,
      ).toBe(true);
    }
  });
});
