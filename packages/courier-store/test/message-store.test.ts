import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { newMessageId, toJobPayload, type JobPayload } from '@courier/core';
import { uniquePrefix } from '@courier/testkit';
import { createCourierQueue, createIndexPruner, createMessageStore, enqueueMessages, type MessageStore } from '../src/index.js';
import { parseConfig } from '@courier/core';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let redis: Redis;
let store: MessageStore;
let prefix: string;

beforeAll(() => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  prefix = `{${uniquePrefix('store')}}`;
  store = createMessageStore(redis, prefix, { finishedTtlSeconds: 3600 });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function payload(recipient = 'user@example.com', extra: Partial<JobPayload> = {}): JobPayload {
  return {
    ...toJobPayload({ type: 'email', recipient, template_type: 'recovery_code_valid', template_data: { recovery_code: '123456' } }, newMessageId()),
    ...extra,
  };
}

describe('message lifecycle records', () => {
  it('creates a queued record once, with its content', async () => {
    const p = payload();
    expect(await store.create(p)).toBe(true);
    expect(await store.create(p)).toBe(false);
    const m = await store.get(p.id);
    expect(m).toMatchObject({
      id: p.id,
      status: 'queued',
      send_count: 0,
      dispatches: [],
      recipient: 'user@example.com',
      template_type: 'recovery_code_valid',
      template_data: { recovery_code: '123456' },
    });
  });

  it('moves queued -> processing -> error -> processing -> sent, recording every attempt', async () => {
    const p = payload();
    await store.create(p);
    expect(await store.begin(p)).toBe('ok');
    expect((await store.get(p.id))?.status).toBe('processing');
    const err = { code: 'SMTP_TRANSIENT', message: '451 try later', retryable: true };
    expect(await store.finish(p, { status: 'error', dispatch: { at: new Date().toISOString(), status: 'failed', error: err } })).toBe('ok');
    expect(await store.begin(p)).toBe('ok');
    expect(await store.finish(p, { status: 'sent', dispatch: { at: new Date().toISOString(), status: 'success' } })).toBe('ok');
    const m = await store.get(p.id);
    expect(m?.status).toBe('sent');
    expect(m?.send_count).toBe(2);
    expect(m?.dispatches.map((d) => d.status)).toEqual(['failed', 'success']);
    expect(m?.dispatches[0]?.error).toEqual(err);
    // Finished messages expire with the retention TTL.
    const ttl = await redis.ttl(store.keys.message(p.id));
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    // Status indexes hold the id only under its current status.
    expect(await redis.zscore(store.keys.statusIndex('sent'), p.id)).toBe('0');
    expect(await redis.zscore(store.keys.statusIndex('processing'), p.id)).toBeNull();
    expect(await redis.zscore(store.keys.statusIndex('error'), p.id)).toBeNull();
  });

  it('acts as the already-sent guard: begin after sent refuses, a second sent is not recorded', async () => {
    const p = payload();
    await store.create(p);
    await store.begin(p);
    await store.finish(p, { status: 'sent', dispatch: { at: new Date().toISOString(), status: 'success' } });
    expect(await store.begin(p)).toBe('sent');
    expect(await store.finish(p, { status: 'sent', dispatch: { at: new Date().toISOString(), status: 'success' } })).toBe('sent');
    expect((await store.get(p.id))?.send_count).toBe(1);
  });

  it('creates the record from the payload when a worker finds none', async () => {
    const p = payload();
    expect(await store.begin(p)).toBe('created');
    expect((await store.get(p.id))?.status).toBe('processing');
  });

  it('cancels only queued messages and re-queues abandoned ones', async () => {
    const p = payload();
    await store.create(p);
    expect(await store.transition(p.id, ['queued'], 'cancelled')).toBe('ok');
    expect(await store.begin(p)).toBe('cancelled');
    expect(await store.transition(p.id, ['queued'], 'cancelled')).toBe('cancelled');
    expect(await store.transition(newMessageId(), ['queued'], 'cancelled')).toBe('missing');

    const q = payload();
    await store.create(q);
    await store.begin(q);
    await store.finish(q, { status: 'abandoned', dispatch: { at: new Date().toISOString(), status: 'failed' } });
    expect(await redis.ttl(store.keys.message(q.id))).toBeGreaterThan(0);
    expect(await store.transition(q.id, ['abandoned'], 'queued')).toBe('ok');
    expect(await redis.ttl(store.keys.message(q.id))).toBe(-1);
    expect(await store.begin(q)).toBe('ok');
  });
});

describe('listing', () => {
  it('lists newest first with stable pages while messages are added and change status', async () => {
    const local = createMessageStore(redis, `{${uniquePrefix('list')}}`, { finishedTtlSeconds: 3600 });
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const p = payload(i % 2 === 0 ? 'even@example.com' : 'odd@example.com');
      ids.push(p.id);
      await local.create(p);
    }
    const newestFirst = [...ids].reverse();
    const page1 = await local.list({ pageSize: 10 });
    expect(page1.messages.map((m) => m.id)).toEqual(newestFirst.slice(0, 10));
    expect(page1.nextPageToken).toBeDefined();
    // New messages and status changes between pages must not shift the next page.
    await local.create(payload());
    const moved = page1.messages[3];
    if (moved === undefined) throw new Error('unreachable');
    await local.begin(payload(moved.recipient, { id: moved.id }));
    const page2 = await local.list({ pageSize: 10, pageToken: page1.nextPageToken });
    expect(page2.messages.map((m) => m.id)).toEqual(newestFirst.slice(10, 20));
    const page3 = await local.list({ pageSize: 10, pageToken: page2.nextPageToken });
    expect(page3.messages.map((m) => m.id)).toEqual(newestFirst.slice(20));
    expect(page3.nextPageToken).toBeUndefined();
  });

  it('filters by recipient (case-insensitively), status and template type', async () => {
    const local = createMessageStore(redis, `{${uniquePrefix('filter')}}`, { finishedTtlSeconds: 3600 });
    const a = payload('Alice@Example.com');
    const b = payload('bob@example.com');
    const c = { ...toJobPayload({ type: 'sms', recipient: '+15550100', body: 'hi' }, newMessageId()) };
    for (const p of [a, b, c]) await local.create(p);
    await local.begin(b);
    expect((await local.list({ pageSize: 10, recipient: 'alice@example.com' })).messages.map((m) => m.id)).toEqual([a.id]);
    expect((await local.list({ pageSize: 10, status: 'processing' })).messages.map((m) => m.id)).toEqual([b.id]);
    expect((await local.list({ pageSize: 10, status: 'queued' })).messages.map((m) => m.id)).toEqual([c.id, a.id]);
    expect((await local.list({ pageSize: 10, templateType: 'recovery_code_valid', status: 'queued' })).messages.map((m) => m.id)).toEqual([a.id]);
    expect((await local.list({ pageSize: 10, recipient: 'nobody@example.com' })).messages).toEqual([]);
  });

  it('rejects a page token it did not issue', async () => {
    await expect(store.list({ pageSize: 10, pageToken: 'not-a-token' })).rejects.toThrow(/page_token/);
  });
});

describe('final statuses', () => {
  it('never leaves abandoned or cancelled for error, but does for sent', async () => {
    const p = payload();
    await store.create(p);
    await store.begin(p);
    await store.finish(p, { status: 'abandoned', dispatch: { at: new Date().toISOString(), status: 'failed' } });
    expect(await store.finish(p, { status: 'error', dispatch: { at: new Date().toISOString(), status: 'failed' } })).toBe('abandoned');
    expect((await store.get(p.id))?.send_count).toBe(1);
    expect(await store.finish(p, { status: 'sent', dispatch: { at: new Date().toISOString(), status: 'success' } })).toBe('ok');
    expect((await store.get(p.id))?.status).toBe('sent');
  });
});

describe('enqueue atomicity', () => {
  it('writes nothing when the jobs cannot go in the same transaction as the records', async () => {
    const prefix2 = `{${uniquePrefix('rollback')}}`;
    const local = createMessageStore(redis, prefix2, { finishedTtlSeconds: 3600 });
    const config = parseConfig({ courier: { smtp: { connection_uri: 'smtp://h/' } }, redis: { prefix: prefix2 } });
    // A queue on another (dead) connection cannot share the records' transaction:
    // the enqueue is refused before anything is written.
    const down = new Redis('redis://127.0.0.1:9', { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    down.on('error', () => undefined);
    const queue = createCourierQueue(down, config);
    queue.on('error', () => undefined);
    const existing = payload('keep@example.com');
    await local.create(existing);
    const fresh = payload('fresh@example.com');
    await expect(enqueueMessages(redis, queue, local, [{ payload: existing }, { payload: fresh }])).rejects.toThrow();
    down.disconnect();
    expect((await local.get(existing.id))?.status).toBe('queued');
    expect(await local.get(fresh.id)).toBeUndefined();
    expect(await redis.zscore(local.keys.allIndex, fresh.id)).toBeNull();
    expect(await redis.zscore(local.keys.statusIndex('queued'), fresh.id)).toBeNull();
    expect(await redis.zscore(local.keys.recipientIndex('fresh@example.com'), fresh.id)).toBeNull();
    expect(await redis.zscore(local.keys.allIndex, existing.id)).toBe('0');
  });
});

describe('index retention', () => {
  it('prunes the ids of expired records from every index, and list() skips and drops them too', async () => {
    const prefix3 = `{${uniquePrefix('prune')}}`;
    const local = createMessageStore(redis, prefix3, { finishedTtlSeconds: 3600 });
    const kept: string[] = [];
    const gone: string[] = [];
    for (let i = 0; i < 2_500; i++) {
      const p = payload(i % 2 === 0 ? 'prune@example.com' : 'other@example.com');
      await local.create(p);
      (i % 3 === 0 ? gone : kept).push(p.id);
    }
    // Expire a third of the records, as retention would.
    const pipe = redis.pipeline();
    for (const id of gone) pipe.del(local.keys.message(id));
    await pipe.exec();
    const removed = await createIndexPruner(redis, local.keys).runOnce(10_000);
    // Each gone id sat in the all, queued and template indexes.
    expect(removed).toBe(gone.length * 3);
    expect(await redis.zcard(local.keys.allIndex)).toBe(kept.length);
    expect(await redis.zcard(local.keys.statusIndex('queued'))).toBe(kept.length);
    // Recipient indexes are cleaned as they are read.
    const before = await redis.zcard(local.keys.recipientIndex('prune@example.com'));
    const page = await local.list({ pageSize: 1000, recipient: 'prune@example.com' });
    expect(page.messages.every((m) => !gone.includes(m.id))).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(await redis.zcard(local.keys.recipientIndex('prune@example.com'))).toBeLessThan(before);
  });
});

describe('summaries', () => {
  it('lists summaries without content, with the creating key, from s alone', async () => {
    const local = createMessageStore(redis, `${prefix}:sum`, { finishedTtlSeconds: 3600 });
    const p = payload('summary@example.com');
    await local.create(p, { createdBy: 'billing' });
    const [m] = (await local.list({ pageSize: 10 })).messages;
    expect(m).toEqual({
      id: p.id,
      type: 'email',
      channel: 'email',
      recipient: 'summary@example.com',
      template_type: 'recovery_code_valid',
      status: 'queued',
      send_count: 0,
      dispatches: [],
      created_by: 'billing',
      created_at: p.created_at,
      updated_at: p.created_at,
    });
    expect(JSON.stringify(m)).not.toContain('123456');
    expect((await local.get(p.id))?.created_by).toBe('billing');
    expect((await local.getMany([p.id, newMessageId()])).map((x) => x?.template_data)).toEqual([{ recovery_code: '123456' }, undefined]);
  });

  it('still lists records written before summaries existed (no s field), from their content', async () => {
    const local = createMessageStore(redis, `${prefix}:legacy`, { finishedTtlSeconds: 3600 });
    const p = payload('legacy@example.com');
    await local.create(p);
    await redis.hdel(local.keys.message(p.id), 's');
    const [m] = (await local.list({ pageSize: 10, recipient: 'legacy@example.com' })).messages;
    expect(m).toMatchObject({ id: p.id, recipient: 'legacy@example.com', template_type: 'recovery_code_valid', status: 'queued' });
    expect(m).not.toHaveProperty('template_data');
  });
});
