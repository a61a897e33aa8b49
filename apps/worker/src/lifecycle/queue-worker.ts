/**
 * The BullMQ worker: lock duration and renewal, stalled-job recovery, rate
 * limit, retention of finished jobs and Courier's backoff strategy.
 */
import { Worker } from 'bullmq';
import { computeBackoffMs, DeliveryError, type CourierConfig, type JobPayload } from '@courier/core';
import { COURIER_BACKOFF_TYPE, type RedisConnection } from '@courier/store';
import type { createProcessor, ProcessResult } from '../pipeline/process-job.js';

/** Create the (not yet running: `autorun` is off) BullMQ worker that runs `processor`. */
export function createQueueWorker(config: CourierConfig, connection: RedisConnection, processor: ReturnType<typeof createProcessor>): Worker<JobPayload, ProcessResult> {
  const policy = backoffPolicy(config);
  const rate = config.worker.rate_limit_per_second;
  return new Worker<JobPayload, ProcessResult>(config.redis.queue_name, processor, {
    connection,
    prefix: config.redis.prefix,
    concurrency: config.worker.concurrency,
    autorun: false,
    lockDuration: config.worker.lock_duration_ms,
    // Renewal: BullMQ's timer runs every lockRenewTime / 2 and extends every lock older
    // than that, so a lock is renewed at most lockRenewTime after the last renewal. A
    // quarter of the lock (BullMQ's default is half) means an event loop stalled for up
    // to ~3/4 of the lock (3.75 s with the 5 s default) keeps its jobs: the cost is one
    // extendLocks script call per worker every lock/8, for all its active jobs at once.
    lockRenewTime: Math.max(250, Math.floor(config.worker.lock_duration_ms / 4)),
    stalledInterval: config.worker.stalled_interval_ms,
    // A job whose worker keeps dying is re-run a few times before it is given up.
    maxStalledCount: 3,
    ...(rate === undefined ? {} : { limiter: rate >= 1 ? { max: Math.floor(rate), duration: 1_000 } : { max: 1, duration: Math.ceil(1_000 / rate) } }),
    removeOnComplete: { age: config.retention.jobs_max_age_seconds, count: config.retention.jobs_max_count },
    removeOnFail: { age: config.retention.jobs_max_age_seconds, count: config.retention.jobs_max_count },
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string, err?: Error) => {
        if (type !== COURIER_BACKOFF_TYPE) return 0;
        const retryAfterMs = err instanceof DeliveryError ? err.retryAfterMs : undefined;
        return computeBackoffMs(policy, attemptsMade, retryAfterMs);
      },
    },
  });
}

/** The retry backoff of `worker.backoff` (also what the processor checks an expiry against). */
export function backoffPolicy(config: CourierConfig): { baseMs: number; maxMs: number } {
  return { baseMs: config.worker.backoff.base_ms, maxMs: config.worker.backoff.max_ms };
}
