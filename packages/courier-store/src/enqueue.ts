/**
 * Enqueueing: the status record is written before the job, so a worker never
 * runs a job whose message the API cannot show. If adding the jobs fails, the
 * records just written are deleted again, so nothing is left half-written.
 */
import type { Queue } from 'bullmq';
import type { JobPayload } from '@courier/core';
import type { RedisConnection } from './connection.js';
import type { MessageStore } from './message-store.js';
import { jobNameFor, jobOptionsFor } from './queue.js';

/** One message to enqueue, with its scheduling. */
export interface EnqueueItem {
  readonly payload: JobPayload;
  readonly delayMs?: number | undefined;
  readonly priority?: number | undefined;
}

/**
 * Record and enqueue messages: one pipeline for the records, one `addBulk` for the jobs.
 *
 * @throws whatever Redis threw; the records of this call are then removed (best effort).
 */
export async function enqueueMessages(
  redis: RedisConnection,
  queue: Queue<JobPayload>,
  store: MessageStore,
  items: readonly EnqueueItem[],
): Promise<void> {
  if (items.length === 0) return;
  const records = redis.pipeline();
  for (const item of items) store.createIn(records, item.payload);
  const results = (await records.exec()) ?? [];
  // Only records this call made may be rolled back (an existing id is left alone).
  const created = items.filter((_, i) => results[i]?.[0] === null && results[i]?.[1] === 1);
  const rollback = async (): Promise<void> => {
    if (created.length === 0) return;
    const cleanup = redis.pipeline();
    for (const item of created) store.removeIn(cleanup, item.payload);
    await cleanup.exec().catch(() => undefined);
  };
  const failed = results.find(([err]) => err !== null);
  if (failed !== undefined) {
    await rollback();
    throw failed[0] as Error;
  }
  try {
    await queue.addBulk(
      items.map((item) => ({
        name: jobNameFor(item.payload),
        data: item.payload,
        opts: jobOptionsFor(item.payload, { delayMs: item.delayMs, priority: item.priority }),
      })),
    );
  } catch (err) {
    await rollback();
    throw err;
  }
}
