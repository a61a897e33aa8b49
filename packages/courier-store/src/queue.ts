/**
 * The BullMQ side shared by producer and worker: queue name, prefix and the job
 * options every message is enqueued with.
 */
import { Queue, type JobsOptions } from 'bullmq';
import { attemptsFor, type CourierConfig, type JobPayload } from '@courier/core';
import type { RedisConnection } from './connection.js';

/** Name of the backoff type the worker registers (exponential with jitter, Retry-After aware). */
export const COURIER_BACKOFF_TYPE = 'courier';

/** Default options of every message job, from config. */
export function defaultJobOptions(config: CourierConfig): JobsOptions {
  return {
    attempts: attemptsFor(config.courier.message_retries),
    backoff: { type: COURIER_BACKOFF_TYPE },
    removeOnComplete: { age: config.retention.jobs_max_age_seconds, count: config.retention.jobs_max_count },
    removeOnFail: { age: config.retention.jobs_max_age_seconds, count: config.retention.jobs_max_count },
  };
}

/** Options for one message's job: its job id is the message id, so it can never be enqueued twice. */
export function jobOptionsFor(payload: JobPayload, extra: { delayMs?: number | undefined; priority?: number | undefined; jobId?: string | undefined } = {}): JobsOptions {
  const options: JobsOptions = { jobId: extra.jobId ?? payload.id };
  if (extra.delayMs !== undefined && extra.delayMs > 0) options.delay = extra.delayMs;
  if (extra.priority !== undefined) options.priority = extra.priority;
  return options;
}

/** The job name used for every message (Bull Board shows it). */
export function jobNameFor(payload: JobPayload): string {
  return payload.template_type ?? `${payload.type}:raw`;
}

/** Open the courier queue on a connection. */
export function createCourierQueue(connection: RedisConnection, config: CourierConfig): Queue<JobPayload> {
  return new Queue<JobPayload>(config.redis.queue_name, {
    connection,
    prefix: config.redis.prefix,
    defaultJobOptions: defaultJobOptions(config),
  });
}
