/**
 * Per-channel send rates (`worker.rate_limits.channels`), shared by every worker:
 * consulted just before a message is handed to its channel. A job whose channel
 * has no free slot gets the next one reserved (store: channel-slot.lua) and waits
 * for it in BullMQ's delayed set: its message goes back to `queued`, the attempt
 * is not counted (BullMQ's `moveToDelayed` skips it) and no dispatch is recorded.
 * When it runs again it uses its reservation. A message whose expiry comes before
 * the next slot is not kept waiting: it is abandoned at once with MESSAGE_EXPIRED,
 * as a retry that could only come after the expiry is (process-job.ts); one that
 * expires while it waits meets process-job's expiry check before its hand-over.
 */
import { DelayedError, type Job } from 'bullmq';
import { DeliveryError, type ChannelRate, type CourierConfig, type JobPayload, type Logger } from '@courier/core';
import { createChannelLimiter, type MessageStore, type RedisConnection } from '@courier/store';
import type { WorkerMetrics } from '../ops/metrics.js';

/** Waits for a channel's send slot. */
export type ChannelGate = (job: Job<JobPayload>, token: string | undefined, payload: JobPayload) => Promise<void>;

/**
 * The gate of a configuration; undefined when no channel has a rate. The gate
 * resolves when the message may be handed over now; otherwise it throws BullMQ's
 * DelayedError (the job waits for its reserved slot) or a MESSAGE_EXPIRED
 * DeliveryError (no slot before the expiry).
 */
export function createChannelGate(config: CourierConfig, redis: RedisConnection, store: MessageStore, metrics: WorkerMetrics, logger: Logger): ChannelGate | undefined {
  const rates = new Map<string, ChannelRate>(Object.entries(config.worker.rate_limits.channels));
  if (rates.size === 0) return undefined;
  const limiter = createChannelLimiter(redis, config.redis.prefix);
  return async (job, token, payload) => {
    const rate = rates.get(payload.channel);
    if (rate === undefined) return;
    const deadline = payload.expires_at === undefined ? undefined : Date.parse(payload.expires_at);
    // The job id, not the message id: a manual retry is a new job with its own reservation.
    const answer = await limiter.take(payload.channel, rate, job.id ?? payload.id, deadline);
    if (answer.outcome === 'go') return;
    if (answer.outcome === 'too-late') {
      metrics.recordChannelWait(payload.channel, 'expired');
      throw new DeliveryError(
        'MESSAGE_EXPIRED',
        `the message expires at ${payload.expires_at ?? '?'}, before the next ${payload.channel} send slot (worker.rate_limits) in ${answer.waitMs} ms`,
        {
          retryable: false,
        },
      );
    }
    metrics.recordChannelWait(payload.channel, 'waited');
    // Back to queued before the job leaves the active set, so the record never says
    // `processing` for a job that is only waiting. A cancel may land in between; the
    // attempt after the wait then stops at BEGIN.
    await store.transition(payload.id, ['processing'], 'queued');
    await job.moveToDelayed(Date.now() + answer.waitMs, token);
    if (logger.isLevelEnabled('debug')) logger.debug({ message_id: payload.id, channel: payload.channel, wait_ms: answer.waitMs }, 'waiting for a channel send slot');
    throw new DelayedError(`waiting ${answer.waitMs} ms for a ${payload.channel} send slot`);
  };
}
