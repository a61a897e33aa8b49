/**
 * An attempt whose outcome is unknown (handed over, then no answer) in the two shapes of
 * a message: Courier's API keeps the dispatch status `outcome_unknown`; Kratos's admin API,
 * which knows only `success` and `failed`, shows `failed`. Real HTTP and Redis; every
 * response checked against the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJobPayload, newMessageId } from '@courier/core';
import { createMessageStore } from '@courier/store';
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

describe('outcome_unknown dispatches', () => {
  it('shows outcome_unknown in Courier’s shape and failed in Kratos’s', async () => {
    const store = createMessageStore(p.redis, p.config.redis.prefix, { finishedTtlSeconds: 3600 });
    const payload = toJobPayload({ type: 'email', recipient: 'ada@example.com', subject: 'Hi', body: 'plain' }, newMessageId());
    await store.create(payload);
    await store.begin(payload, 'owner-1');
    const error = { code: 'SMTP_OUTCOME_UNKNOWN', message: 'no answer after the message was handed over: connection closed', retryable: true };
    expect(await store.finish(payload, { status: 'error', owner: 'owner-1', dispatch: { at: new Date().toISOString(), status: 'outcome_unknown', error } })).toBe('ok');

    const own = await api.request('GET', `/messages/${payload.id}`);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ status: 'error', send_count: 1, dispatches: [{ status: 'outcome_unknown', error: { code: 'SMTP_OUTCOME_UNKNOWN' } }] });
    const kratos = await api.request('GET', `/admin/courier/messages/${payload.id}`);
    expect(kratos.status).toBe(200);
    expect((kratos.body as { dispatches: { status: string; error: { code: string } }[] }).dispatches).toEqual([
      expect.objectContaining({ status: 'failed', error: expect.objectContaining({ code: 'SMTP_OUTCOME_UNKNOWN' }) }),
    ]);
    // The owner token stays internal: neither shape shows it.
    expect(JSON.stringify([own.body, kratos.body])).not.toContain('owner-1');
  });
});
