/**
 * Enqueueing: each message's status record and its BullMQ job are written in one
 * Redis transaction (MULTI/EXEC), so they land together or not at all. A crash of
 * Redis mid-request can therefore never leave a `queued` record without a job
 * (which nothing would ever send) nor a job without a record.
 */
import { createIORedisClient, Job, type Queue } from 'bullmq';
import type { JobPayload } from '@courier/core';
import type { RedisConnection } from './connection.js';
import type { MessageStore, ScriptPipeline } from './message-store.js';
import { jobNameFor, jobOptionsFor } from './queue.js';

/** One message to enqueue, with its scheduling. */
export interface EnqueueItem {
  readonly payload: JobPayload;
  readonly delayMs?: number | undefined;
  readonly priority?: number | undefined;
}

/**
 * Record and enqueue messages in one transaction (one round trip).
 *
 * @param redis - The connection both the store and the queue use.
 * @throws whatever Redis threw; then nothing of this call was written, or (when
 *   only the reply was lost) all of it was.
 */
export async function enqueueMessages(
  redis: RedisConnection,
  queue: Queue<JobPayload>,
  store: MessageStore,
  items: readonly EnqueueItem[],
): Promise<void> {
  if (items.length === 0) return;
  // BullMQ's adapter over the same connection: its transactions can run BullMQ's
  // scripts (by name) and still carry the store's (defined on `redis`).
  // BullMQ loads its scripts once the queue is ready. A fail-fast connection
  // (the producer's) must not wait for that: no Redis means an immediate error
  // (the API's 503), not a request hanging until Redis returns.
  const failFast = (redis.options as { enableOfflineQueue?: boolean }).enableOfflineQueue === false;
  if (failFast && redis.status !== 'ready') throw new Error(`Connection is closed (Redis is ${redis.status})`);
  await queue.waitUntilReady();
  const multi = createIORedisClient(redis).multi();
  const commandCount = (): number => (multi as unknown as { length: number }).length;
  const before = commandCount();
  if (typeof (multi as unknown as Record<string, unknown>)['courierCreate'] !== 'function') {
    throw new Error('enqueueMessages: the queue and the store must share one Redis connection');
  }
  for (const item of items) {
    store.createIn(multi, item.payload);
    const opts = {
      ...queue.defaultJobOptions,
      ...jobOptionsFor(item.payload, { delayMs: item.delayMs, priority: item.priority }),
    };
    const job = new Job<JobPayload>(queue, jobNameFor(item.payload), item.payload, opts, opts.jobId);
    // Queues BullMQ's add script on the transaction synchronously; its own
    // promise settles with the transaction's outcome, which is checked below.
    job.addJob(multi as unknown as Parameters<typeof job.addJob>[0]).catch(() => undefined);
  }
  // Each item must have queued exactly two commands (record, job); if BullMQ could
  // not queue its part, nothing is sent rather than records without jobs.
  const queued = commandCount() - before;
  if (queued !== items.length * 2) {
    multi.discard();
    throw new Error(`enqueue transaction has ${queued} commands, expected ${items.length * 2}`);
  }
  const results = (await multi.exec()) ?? [];
  const failed = results.find(([err]) => err !== null);
  if (failed !== undefined) throw failed[0] as Error;
  if (results.length === 0) throw new Error('enqueue transaction was discarded');
}

export type { ScriptPipeline };
