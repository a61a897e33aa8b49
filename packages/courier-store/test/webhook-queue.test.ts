/**
 * The webhook emitter against real Redis: one addBulk per event-loop turn, one job per
 * event and endpoint that takes its type, the same occurrence queued once, nothing at
 * all without endpoints, and a failed write counted as dropped without a throw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { newWebhookSecret, parseConfig, type CourierConfig } from '@courier/core';
import { deleteKeysWithPrefix, uniquePrefix } from '@courier/testkit';
import { createWebhookEmitter, createWebhookQueue, NO_WEBHOOKS, webhookQueueName, type WebhookJobData } from '../src/index.js';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let redis: Redis;
let config: CourierConfig;
let queue: Queue<WebhookJobData>;

beforeAll(async () => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const url = 'https://hooks.example.com/in';
  config = parseConfig({
    redis: { url: redisUrl, prefix: `{${uniquePrefix('wh')}}` },
    webhooks: {
      max_attempts: 4,
      endpoints: [
        { id: 'all', url, secret: newWebhookSecret() },
        { id: 'abandoned', url, secret: newWebhookSecret(), events: ['message.abandoned'] },
      ],
    },
  });
  queue = createWebhookQueue(redis, config);
});

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  await deleteKeysWithPrefix(redis, config.redis.prefix);
  await redis.quit();
});

describe('webhook emitter', () => {
  it('writes the events of one turn in one addBulk, one job per interested endpoint, a repeat once', async () => {
    const calls: number[] = [];
    const outcomes: string[] = [];
    const emitter = createWebhookEmitter({
      queue: { addBulk: (jobs) => (calls.push(jobs.length), queue.addBulk(jobs)) },
      config,
      onOutcome: (type, outcome, jobs) => outcomes.push(`${type}:${outcome}:${jobs}`),
    });
    expect(emitter.wants('message.sent')).toBe(true);
    const message = { id: 'm-1', channel: 'email', recipient: 'a@example.com' };
    emitter.emit({ type: 'message.sent', message, attempt: 1, occurrence: 'j/1' });
    emitter.emit({ type: 'message.abandoned', message: { id: 'm-2' }, attempt: 1, reason: 'SMTP_PERMANENT', occurrence: 'j2/1' });
    // The same occurrence again (a re-run attempt): the same job ids.
    emitter.emit({ type: 'message.sent', message, attempt: 1, occurrence: 'j/1' });
    expect(calls).toEqual([]); // nothing written within the turn
    await emitter.flush();
    expect(calls).toEqual([4]);
    expect(outcomes.sort()).toEqual(['message.abandoned:queued:2', 'message.sent:queued:2']);
    const jobs = await queue.getJobs(['wait']);
    expect(jobs.map((j) => `${j.data.type}@${j.data.endpoint}`).sort()).toEqual(['message.abandoned@abandoned', 'message.abandoned@all', 'message.sent@all']);
    const sent = jobs.find((j) => j.data.type === 'message.sent')!;
    expect(sent.opts.attempts).toBe(4);
    expect(sent.id).toBe(`${sent.data.event_id}-all`);
    expect(JSON.parse(sent.data.body)).toMatchObject({ type: 'message.sent', data: { id: 'm-1', status: 'sent', attempt: 1 } });
    // Both endpoints get the same webhook-id for the same event.
    const abandoned = jobs.filter((j) => j.data.type === 'message.abandoned');
    expect(new Set(abandoned.map((j) => j.data.event_id)).size).toBe(1);
    expect(queue.name).toBe(webhookQueueName(config));
  });

  it('counts a failed write as dropped and never throws', async () => {
    const outcomes: string[] = [];
    const emitter = createWebhookEmitter({
      queue: { addBulk: () => Promise.reject(new Error('redis is down')) },
      config,
      onOutcome: (type, outcome, jobs, error) => outcomes.push(`${type}:${outcome}:${jobs}:${error?.message}`),
    });
    expect(() => emitter.emit({ type: 'message.retrying', message: { id: 'm-3' } })).not.toThrow();
    await emitter.flush();
    expect(outcomes).toEqual(['message.retrying:dropped:1:redis is down']);
  });

  it('is a no-op without endpoints', () => {
    const none = createWebhookEmitter({ queue, config: parseConfig({}) });
    expect(none).toBe(NO_WEBHOOKS);
    expect(none.wants('message.sent')).toBe(false);
  });
});
