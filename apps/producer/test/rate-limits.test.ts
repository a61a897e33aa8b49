/**
 * Per-recipient enqueue limits (`producer.rate_limits.recipients`) through the real
 * API and a real Redis: 429 rate_limited with Retry-After after N messages to one
 * recipient, other recipients and spellings, per-type overrides, batches (all or
 * none), idempotent replays, the Kratos route, and two producers sharing one count.
 * Every response is checked against the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const KEY = 'test-key-0123456789abcdef';
const rateLimits = {
  recipients: {
    default: { max: 3, window_seconds: 60 },
    types: { verification_code_valid: { max: 1, window_seconds: 60 }, recovery_code_valid: false },
  },
};
let p: TestProducer;
let second: TestProducer;
let api: ApiClient;
let api2: ApiClient;

beforeAll(async () => {
  p = await startProducer({ producer: { api_keys: [KEY], rate_limits: rateLimits } });
  // A second producer instance of the same deployment (same Redis prefix).
  second = await startProducer({ producer: { api_keys: [KEY], rate_limits: rateLimits }, redis: { prefix: p.config.redis.prefix } });
  api = await createApiClient(p.url, KEY);
  api2 = await createApiClient(second.url, KEY);
});

afterAll(async () => {
  await second.close();
  await p.close();
});

const raw = (recipient: string) => ({ recipient, subject: 'Hi', body: 'plain' });
const code = (recipient: string, template_type = 'verification_code_valid') => ({ recipient, template_type, template_data: { verification_code: '123456' } });

async function countFor(recipient: string): Promise<number> {
  const res = await api.request('GET', `/messages?recipient=${encodeURIComponent(recipient)}`);
  expect(res.status).toBe(200);
  return (res.body as { messages: unknown[] }).messages.length;
}

describe('recipient limits at enqueue', () => {
  it('accepts max messages to one recipient, then answers 429 rate_limited with Retry-After; other recipients are unaffected', async () => {
    for (let i = 0; i < 3; i++) expect((await api.request('POST', '/messages', { body: raw('ada@example.com') })).status).toBe(202);
    const refused = await api.request('POST', '/messages', { body: raw('ada@example.com') });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.body.error.details).toEqual([{ path: 'recipient', message: expect.stringContaining('at most 3') }]);
    expect(JSON.stringify(refused.body)).not.toContain('ada@');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await countFor('ada@example.com')).toBe(3);
    // Another spelling of the same address is the same recipient.
    expect((await api.request('POST', '/messages', { body: raw('ADA@Example.COM') })).status).toBe(429);
    expect((await api.request('POST', '/messages', { body: raw('grace@example.com') })).status).toBe(202);
  });

  it('applies a per-type limit, counts each type on its own, and honours a type turned off', async () => {
    expect((await api.request('POST', '/messages', { body: code('turing@example.com') })).status).toBe(202);
    expect((await api.request('POST', '/messages', { body: code('turing@example.com') })).status).toBe(429);
    // Raw messages to the same recipient have their own (default) window.
    expect((await api.request('POST', '/messages', { body: raw('turing@example.com') })).status).toBe(202);
    // recovery_code_valid: false, so no limit at all.
    for (let i = 0; i < 5; i++) {
      const res = await api.request('POST', '/messages', {
        body: { recipient: 'turing@example.com', template_type: 'recovery_code_valid', template_data: { recovery_code: '1' } },
      });
      expect(res.status).toBe(202);
    }
  });

  it('refuses a batch whole when one of its messages is over a limit, naming it', async () => {
    await api.request('POST', '/messages', { body: code('hopper@example.com') });
    const res = await api.request('POST', '/messages/batch', { body: { messages: [raw('lovelace@example.com'), code('hopper@example.com')] } });
    expect(res.status).toBe(429);
    expect(res.body.error.details[0].path).toBe('messages.1.recipient');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Nothing of the batch was enqueued or counted: lovelace still has all three places.
    expect(await countFor('lovelace@example.com')).toBe(0);
    const ok = await api.request('POST', '/messages/batch', { body: { messages: [raw('lovelace@example.com'), raw('lovelace@example.com'), raw('lovelace@example.com')] } });
    expect(ok.status).toBe(202);
    // A batch holding more messages for one recipient than the limit can never pass: 400, not 429.
    const tooMany = await api.request('POST', '/messages/batch', { body: { messages: [code('knuth@example.com'), code('knuth@example.com')] } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].path).toBe('messages.0.recipient');
  });

  it('does not count an idempotent replay again', async () => {
    const headers = { 'idempotency-key': 'rate-limit-replay-1' };
    const first = await api.request('POST', '/messages', { body: raw('liskov@example.com'), headers });
    for (let i = 0; i < 3; i++) {
      const again = await api.request('POST', '/messages', { body: raw('liskov@example.com'), headers });
      expect(again.status).toBe(202);
      expect(again.body.id).toBe(first.body.id);
    }
    // One place used: two more distinct messages fit, the third does not.
    expect((await api.request('POST', '/messages', { body: raw('liskov@example.com') })).status).toBe(202);
    expect((await api.request('POST', '/messages', { body: raw('liskov@example.com') })).status).toBe(202);
    expect((await api.request('POST', '/messages', { body: raw('liskov@example.com') })).status).toBe(429);
    // A refused request with a key left no claim: the same key works once the recipient has room (another body here).
    const refusedWithKey = await api.request('POST', '/messages', { body: raw('liskov@example.com'), headers: { 'idempotency-key': 'rate-limit-replay-2' } });
    expect(refusedWithKey.status).toBe(429);
    const reused = await api.request('POST', '/messages', { body: raw('dijkstra@example.com'), headers: { 'idempotency-key': 'rate-limit-replay-2' } });
    expect(reused.status).toBe(202);
  });

  it('limits the Kratos route too, in the API error shape', async () => {
    const body = { recipient: 'kratos-rl@example.com', subject: 'Code', body: 'Your code: 1', template_type: 'verification_code_valid', template_data: { verification_code: '1' } };
    expect((await api.request('POST', '/kratos/messages', { body })).status).toBe(202);
    const refused = await api.request('POST', '/kratos/messages', { body });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.headers.get('retry-after')).not.toBeNull();
  });

  it('shares the count between two producer instances', async () => {
    expect((await api.request('POST', '/messages', { body: raw('shared@example.com') })).status).toBe(202);
    expect((await api2.request('POST', '/messages', { body: raw('shared@example.com') })).status).toBe(202);
    expect((await api.request('POST', '/messages', { body: raw('shared@example.com') })).status).toBe(202);
    expect((await api2.request('POST', '/messages', { body: raw('shared@example.com') })).status).toBe(429);
    expect((await api.request('POST', '/messages', { body: raw('shared@example.com') })).status).toBe(429);
  });

  it('counts refusals for the metrics, by reason and type', async () => {
    const counts = await p.redis.hgetall(`${p.config.redis.prefix}:tracking:rl:rejections`);
    expect(Number(counts['recipient:raw'])).toBeGreaterThanOrEqual(4);
    expect(Number(counts['recipient:verification_code_valid'])).toBeGreaterThanOrEqual(3);
  });
});
