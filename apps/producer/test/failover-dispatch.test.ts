/**
 * A dispatch that went through a fallback chain, as the API shows it: Courier's own
 * `GET /messages/{id}` carries `channel` and `failed_channels` (checked against the
 * OpenAPI document by the API client); Kratos's admin shape keeps Kratos's fields only.
 * The dispatches are written as the worker writes them (JSON in the message hash).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const KEY = 'failover-key-0123456789abcdef';
let p: TestProducer;
let api: ApiClient;

beforeAll(async () => {
  p = await startProducer({
    courier: {
      fallback: ['backup'],
      channels: [{ id: 'backup', type: 'smtp', smtp: { connection_uri: 'smtp://127.0.0.1:9/?disable_starttls=true' } }],
    },
    producer: { api_keys: [KEY] },
  });
  api = await createApiClient(p.url, KEY);
});

afterAll(async () => {
  await p.close();
});

const DISPATCHES = [
  {
    at: '2026-01-01T00:00:00.000Z',
    status: 'failed',
    error: { code: 'SMTP_TRANSIENT', message: '451 try later', retryable: true },
    channel: 'backup',
    failed_channels: [{ channel: 'email', code: 'SMTP_TRANSIENT' }],
  },
  { at: '2026-01-01T00:01:00.000Z', status: 'success', channel: 'backup', failed_channels: [{ channel: 'email', code: 'CHANNEL_CIRCUIT_OPEN' }] },
];

describe('dispatches of a channel with fallbacks', () => {
  it('shows the channel used and the failed ones in Courier’s view, and only Kratos’s fields in Kratos’s', async () => {
    const id = (await api.request('POST', '/messages', { body: { recipient: 'fo@example.com', subject: 's', body: 'b' } })).body.id as string;
    await p.redis.hset(`${p.config.redis.prefix}:tracking:msg:${id}`, 'send_count', '2', 'dispatches', JSON.stringify(DISPATCHES));

    const own = await api.request('GET', `/messages/${id}`);
    expect(own.status).toBe(200);
    expect(own.body.dispatches).toEqual(DISPATCHES);

    const kratos = await api.request('GET', `/admin/courier/messages/${id}`);
    expect(kratos.status).toBe(200);
    for (const d of kratos.body.dispatches as Record<string, unknown>[]) {
      expect(Object.keys(d).sort()).toEqual(expect.arrayContaining(['created_at', 'id', 'message_id', 'status', 'updated_at']));
      expect(d).not.toHaveProperty('channel');
      expect(d).not.toHaveProperty('failed_channels');
    }
  });
});
