/**
 * Fencing in the attempt scripts: BEGIN writes the attempt's owner token into the
 * record, and FINISH records an outcome only for that owner. A worker that lost its
 * message to another (its lock expired, another worker took the job over and began
 * again) gets 'fenced' and writes nothing, one by one and in a batched call alike.
 * Also: an attempt that ended before any hand-over (`counted: false`) leaves
 * `send_count` alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { newMessageId, toJobPayload, type JobPayload } from '@courier/core';
import { uniquePrefix } from '@courier/testkit';
import { createMessageStore, type MessageStore } from '../src/index.js';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let redis: Redis;
let store: MessageStore;
let prefix: string;

beforeAll(() => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  prefix = `{${uniquePrefix('fencing')}}`;
  store = createMessageStore(redis, prefix, { finishedTtlSeconds: 3600 });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function payload(): JobPayload {
  return toJobPayload({ type: 'email', recipient: 'someone@example.com', subject: 's', body: 'b' }, newMessageId());
}

const error = { code: 'SMTP_CONNECTION', message: 'connection closed', retryable: true };

describe('fencing', () => {
  it('records the outcome of the owner that began last and fences the one it took over from', async () => {
    const p = payload();
    await store.create(p);
    expect(await store.begin(p, 'token-a')).toBe('ok');
    expect(await redis.hget(store.keys.message(p.id), 'owner')).toBe('token-a');
    // Worker B takes the message over (A's lock expired) and records a success.
    expect(await store.begin(p, 'token-b')).toBe('ok');
    const sentAt = new Date().toISOString();
    expect(await store.finish(p, { status: 'sent', owner: 'token-b', dispatch: { at: sentAt, status: 'success' } })).toBe('ok');
    const before = await redis.hgetall(store.keys.message(p.id));
    // A wakes up: neither its failure nor a success of its own may change the record.
    const late = new Date(Date.now() + 1000).toISOString();
    expect(await store.finish(p, { status: 'error', owner: 'token-a', dispatch: { at: late, status: 'failed', error } })).toBe('fenced');
    expect(await store.finish(p, { status: 'sent', owner: 'token-a', dispatch: { at: late, status: 'success' } })).toBe('fenced');
    expect(await redis.hgetall(store.keys.message(p.id))).toEqual(before);
    expect(await store.get(p.id)).toMatchObject({ status: 'sent', send_count: 1, dispatches: [{ at: sentAt, status: 'success' }] });
  });

  it('fences a stale owner while the new owner is still sending: the status stays processing', async () => {
    const p = payload();
    await store.create(p);
    await store.begin(p, 'token-a');
    await store.begin(p, 'token-b');
    const at = new Date().toISOString();
    expect(await store.finish(p, { status: 'abandoned', owner: 'token-a', dispatch: { at, status: 'failed', error } })).toBe('fenced');
    expect(await store.get(p.id)).toMatchObject({ status: 'processing', send_count: 0, dispatches: [] });
    expect(await redis.zscore(store.keys.statusIndex('processing'), p.id)).not.toBeNull();
    expect(await redis.ttl(store.keys.message(p.id))).toBe(-1);
  });

  it('fences per message in a batched FINISH and writes the owners of a batched BEGIN', async () => {
    const ps = [payload(), payload(), payload()];
    for (const p of ps) await store.create(p);
    // One turn: one begin-many call with an owner per message.
    expect(await Promise.all(ps.map((p, i) => store.begin(p, `old-${i}`)))).toEqual(['ok', 'ok', 'ok']);
    expect(await Promise.all(ps.map((p) => redis.hget(store.keys.message(p.id), 'owner')))).toEqual(['old-0', 'old-1', 'old-2']);
    await store.begin(ps[1]!, 'new-1');
    const at = new Date().toISOString();
    const answers = await Promise.all(ps.map((p, i) => store.finish(p, { status: 'sent', owner: `old-${i}`, dispatch: { at, status: 'success' } })));
    expect(answers).toEqual(['ok', 'fenced', 'ok']);
    expect(await store.status(ps[1]!.id)).toBe('processing');
    expect(await store.status(ps[0]!.id)).toBe('sent');
  });

  it('checks nothing for a finish without owner, and a begin without owner clears a stale one', async () => {
    const p = payload();
    await store.create(p);
    await store.begin(p, 'token-a');
    await store.begin(p);
    expect(await redis.hexists(store.keys.message(p.id), 'owner')).toBe(0);
    expect(await store.finish(p, { status: 'error', owner: 'token-a', dispatch: { at: new Date().toISOString(), status: 'failed', error } })).toBe('ok');
  });

  it('writes the owner into a record re-created at BEGIN', async () => {
    const p = payload();
    expect(await store.begin(p, 'token-r')).toBe('created');
    expect(await redis.hget(store.keys.message(p.id), 'owner')).toBe('token-r');
  });
});

describe('counted attempts', () => {
  it('leaves send_count alone for an attempt that ended before any hand-over, one by one and batched', async () => {
    const [a, b] = [payload(), payload()];
    for (const p of [a, b]) {
      await store.create(p);
      await store.begin(p, 't');
    }
    const at = new Date().toISOString();
    const expired = { code: 'MESSAGE_EXPIRED', message: 'expired', retryable: false };
    expect(await store.finish(a, { status: 'abandoned', owner: 't', counted: false, dispatch: { at, status: 'failed', error: expired } })).toBe('ok');
    expect(await store.get(a.id)).toMatchObject({ status: 'abandoned', send_count: 0, dispatches: [{ at, status: 'failed', error: expired }] });
    const both = await Promise.all([
      store.finish(b, { status: 'error', owner: 't', dispatch: { at, status: 'failed', error } }),
      store.finish({ id: a.id }, { status: 'abandoned', counted: false, dispatch: { at, status: 'failed', error: expired } }),
    ]);
    expect(both).toEqual(['ok', 'abandoned']);
    expect(await store.get(b.id)).toMatchObject({ status: 'error', send_count: 1 });
  });
});
