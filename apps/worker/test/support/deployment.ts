/**
 * A private Courier deployment for one test: its own key prefix and config
 * file, a queue and store to enqueue and inspect with, and cleanup.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { newMessageId, parseConfig, toJobPayload, type JobPayload, type NewMessage, newMessageSchema } from '@courier/core';
import { createCourierQueue, createMessageStore, enqueueMessages, type MessageStore } from '@courier/store';
import { deleteKeysWithPrefix, uniquePrefix } from '@courier/testkit';

/** A test deployment. */
export interface Deployment {
  readonly prefix: string;
  readonly configPath: string;
  readonly redis: Redis;
  readonly queue: Queue<JobPayload>;
  readonly store: MessageStore;
  /** Enqueue messages; returns their payloads (ids in order). `ttlMs` sets their `expires_at` that far ahead. */
  enqueue(messages: readonly NewMessage[], options?: { delayMs?: number; ttlMs?: number }): Promise<JobPayload[]>;
  /** Wait until `predicate` holds for the status counts, polling Redis. */
  waitForStatuses(predicate: (counts: Record<string, number>) => boolean, timeoutMs?: number): Promise<Record<string, number>>;
  statusCounts(): Promise<Record<string, number>>;
  cleanup(): Promise<void>;
}

/** Deep-merge plain objects (test config overrides). */
export function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null && !Array.isArray(prev)
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Create a deployment whose config is `overrides` over fast test defaults. */
export async function createDeployment(overrides: Record<string, unknown>): Promise<Deployment> {
  const redisUrl = process.env['REDIS_URL'];
  if (redisUrl === undefined) throw new Error('REDIS_URL is not set: run tests through vitest (global setup provides Redis)');
  const prefix = `{${uniquePrefix('w')}}`;
  const raw = merge(
    {
      redis: { url: redisUrl, prefix },
      worker: {
        host: '127.0.0.1',
        port: 0,
        concurrency: 20,
        backoff: { base_ms: 50, max_ms: 250 },
        lock_duration_ms: 5_000,
        stalled_interval_ms: 2_000,
        shutdown_timeout_ms: 15_000,
      },
      log: { level: 'info' },
    },
    overrides,
  );
  const config = parseConfig(raw, 'test config');
  const dir = mkdtempSync(join(tmpdir(), 'courier-worker-test-'));
  const configPath = join(dir, 'courier.json');
  writeFileSync(configPath, JSON.stringify(raw));
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = createCourierQueue(redis, config);
  const store = createMessageStore(redis, prefix, { finishedTtlSeconds: config.retention.finished_ttl_seconds });
  const statusCounts = async (): Promise<Record<string, number>> => {
    const statuses = ['queued', 'processing', 'sent', 'error', 'abandoned', 'cancelled'] as const;
    const counts = await Promise.all(statuses.map((s) => redis.zcard(store.keys.statusIndex(s))));
    return Object.fromEntries(statuses.map((s, i) => [s, counts[i] ?? 0]));
  };
  return {
    prefix,
    configPath,
    redis,
    queue,
    store,
    async enqueue(messages, options = {}) {
      const payloads = messages.map((m) => toJobPayload(newMessageSchema.parse(m), newMessageId()));
      if (options.ttlMs !== undefined) for (const payload of payloads) payload.expires_at = new Date(Date.now() + options.ttlMs).toISOString();
      for (let i = 0; i < payloads.length; i += 500) {
        const slice = payloads.slice(i, i + 500);
        await enqueueMessages(
          redis,
          queue,
          store,
          slice.map((payload) => ({ payload, delayMs: options.delayMs })),
        );
      }
      return payloads;
    },
    statusCounts,
    async waitForStatuses(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let counts = await statusCounts();
      while (!predicate(counts)) {
        if (Date.now() > deadline) throw new Error(`statuses not reached in ${timeoutMs} ms: ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, 100));
        counts = await statusCounts();
      }
      return counts;
    },
    async cleanup() {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
