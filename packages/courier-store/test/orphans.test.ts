/**
 * The janitor's orphan pass against real Redis: records left `queued`/`error`
 * after their BullMQ job disappeared are abandoned with a JOB_MISSING dispatch;
 * records with a live job (their own, or an API retry's `<id>:retry:<ms>` job),
 * records changed within the grace period, and finished records are left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { newMessageId, parseConfig, toJobPayload, type JobPayload } from '@courier/core';
import { uniquePrefix } from '@courier/testkit';
import { createCourierQueue, createMessageStore, createOrphanSettler, enqueueMessages, JOB_MISSING, type MessageStore } from '../src/index.js';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const QUEUE = 'courier';
let redis: Redis;
let store: MessageStore;
let queue: Queue<JobPayload>;
let prefix: string;

beforeAll(() => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  prefix = `{${uniquePrefix('orphans')}}`;
  store = createMessageStore(redis, prefix, { finishedTtlSeconds: 3600 });
  const config = parseConfig({
    courier: { smtp: { connection_uri: 'smtp://127.0.0.1:9/?disable_starttls=true' } },
    redis: { url: redisUrl, prefix, queue_name: QUEUE },
  });
  queue = createCourierQueue(redis, config);
});

afterAll(async () => {
  await queue.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function payload(recipient: string): JobPayload {
  return toJobPayload({ type: 'email', recipient, subject: 'Hi', body: 'hello' }, newMessageId());
}

async function enqueueOne(recipient: string, delayMs?: number): Promise<JobPayload> {
  const p = payload(recipient);
  await enqueueMessages(redis, queue, store, [{ payload: p, delayMs }]);
  return p;
}

/** Give a message one failed attempt that abandoned it, as the worker records it. */
async function abandon(p: JobPayload): Promise<void> {
  expect(await store.begin(p)).toBe('ok');
  const at = new Date().toISOString();
  expect(await store.finish(p, { status: 'abandoned', dispatch: { at, status: 'failed', error: { code: 'X', message: 'x', retryable: false } } })).toBe('ok');
}

const settler = (graceMs: number) => createOrphanSettler(redis, store.keys, { queueName: QUEUE, graceMs, finishedTtlSeconds: 3600 });

describe('orphan settling', () => {
  it('abandons queued and error records whose job is gone, and nothing else', async () => {
    const removed = await enqueueOne('removed@example.com');
    const kept = await enqueueOne('kept@example.com');
    const delayed = await enqueueOne('delayed@example.com', 600_000);
    const erroredGone = await enqueueOne('error-gone@example.com');
    const cancelled = await enqueueOne('cancelled@example.com');

    // A record waiting for a retry (`error`) whose job was then removed.
    expect(await store.begin(erroredGone)).toBe('ok');
    const at = new Date().toISOString();
    await store.finish(erroredGone, { status: 'error', dispatch: { at, status: 'failed', error: { code: 'T', message: 't', retryable: true } } });
    // Retried through the API: abandoned, back to queued, a live job under a retry id, the original job gone.
    const retried = await enqueueOne('retried@example.com');
    await abandon(retried);
    expect(await store.transition(retried.id, ['abandoned'], 'queued')).toBe('ok');
    await queue.add('x', retried, { jobId: `${retried.id}:retry:${Date.now()}` });

    for (const p of [removed, erroredGone, retried]) expect(await queue.remove(p.id)).toBe(1);
    expect(await store.transition(cancelled.id, ['queued'], 'cancelled')).toBe('ok');
    await queue.remove(cancelled.id);

    // Within the grace period nothing is touched (an API retry adds its job just after moving the record).
    expect(await settler(60_000).runOnce(10_000)).toBe(0);
    expect((await store.get(removed.id))?.status).toBe('queued');

    expect(await settler(0).runOnce(10_000)).toBe(2);
    for (const p of [removed, erroredGone]) {
      const m = await store.get(p.id);
      expect(m?.status).toBe('abandoned');
      expect(m?.dispatches.at(-1)).toMatchObject({ status: 'failed', error: { code: JOB_MISSING, retryable: false } });
      expect(await redis.ttl(store.keys.message(p.id))).toBeGreaterThan(0);
      expect(await redis.zscore(store.keys.statusIndex('abandoned'), p.id)).not.toBeNull();
      expect(await redis.zscore(store.keys.statusIndex('queued'), p.id)).toBeNull();
      expect(await redis.zscore(store.keys.statusIndex('error'), p.id)).toBeNull();
    }
    // An abandoned message's failed attempt counts once; settling adds a dispatch, not an attempt.
    expect((await store.get(removed.id))?.send_count).toBe(0);
    expect((await store.get(kept.id))?.status).toBe('queued');
    expect((await store.get(delayed.id))?.status).toBe('queued');
    expect((await store.get(retried.id))?.status).toBe('queued');
    expect((await store.get(cancelled.id))?.status).toBe('cancelled');

    // Settled records can be retried through the API's path (abandoned -> queued).
    expect(await store.transition(removed.id, ['abandoned'], 'queued')).toBe('ok');
    // A second run finds nothing more to do.
    await store.transition(removed.id, ['queued'], 'abandoned');
    expect(await settler(0).runOnce(10_000)).toBe(0);
  });

  it('settles a record whose job failed for good without the worker recording it', async () => {
    const p = await enqueueOne('failed@example.com');
    // The job ends in the failed set (finishedOn set) while the record still says queued.
    await redis.hset(`${prefix}:${QUEUE}:${p.id}`, 'finishedOn', String(Date.now()));
    expect(await settler(0).runOnce(10_000)).toBe(1);
    expect((await store.get(p.id))?.status).toBe('abandoned');
  });

  it('leaves a record that changed since it was read (the script re-checks updated_at)', async () => {
    const p = await enqueueOne('raced@example.com');
    await queue.remove(p.id);
    // As if a retry or an attempt touched the record between the look and the move.
    const answer = await (redis as unknown as { courierSettleOrphan(...a: string[]): Promise<string> }).courierSettleOrphan(
      store.keys.message(p.id),
      ...store.keys.statusIndexes,
      `${prefix}:${QUEUE}:${p.id}`,
      p.id,
      new Date().toISOString(),
      '2000-01-01T00:00:00.000Z',
      '{}',
      '3600',
    );
    expect(answer).toBe('changed');
    expect((await store.get(p.id))?.status).toBe('queued');
  });
});
