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
 * A provider's throttling answer holds the channel's schedule back for every worker
 * (`throttle_pause_ms`, or the answer's Retry-After).
 */
import { DelayedError, type Job } from 'bullmq';
import { DeliveryError, type ChannelRate, type CourierConfig, type JobPayload, type Logger } from '@courier/core';
import { createChannelLimiter, type MessageStore, type RedisConnection } from '@courier/store';
import type { WorkerMetrics } from '../ops/metrics.js';

/** Waits for a channel's send slot, and holds a channel back when its provider throttles. */
export interface ChannelGate {
  /** Resolve when the message may be handed over now (see {@link createChannelGate}). */
  pass(job: Job<JobPayload>, token: string | undefined, payload: JobPayload): Promise<void>;
  /** After a failed hand-over: a throttling answer pauses the channel for every worker. */
  afterFailure(payload: JobPayload, err: unknown): Promise<void>;
}

const MAX_THROTTLE_PAUSE_MS = 3_600_000;

/**
 * True for a provider's "you are sending too fast" answer: HTTP 429, or an SMTP 4xx
 * whose text says throttling (SES: `454 Throttling failure: Maximum sending rate
 * exceeded`; `421 4.7.0 ... rate limited`, `4.7.0 too many messages`).
 */
export function isThrottling(err: unknown): err is DeliveryError {
  if (!(err instanceof DeliveryError)) return false;
  if (err.code === 'HTTP_STATUS_RETRYABLE') return /\bHTTP 429\b/.test(err.message);
  return err.code === 'SMTP_TRANSIENT' && /throttl|rate (limit|exceeded)|too many (messages|mails|emails)|sending rate/i.test(err.message);
}

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
  const pass: ChannelGate['pass'] = async (job, token, payload) => {
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
  const afterFailure: ChannelGate['afterFailure'] = async (payload, err) => {
    const rate = rates.get(payload.channel);
    if (rate === undefined || rate.throttle_pause_ms === 0 || !isThrottling(err)) return;
    const pauseMs = Math.min(MAX_THROTTLE_PAUSE_MS, Math.max(rate.throttle_pause_ms, err.retryAfterMs ?? 0));
    metrics.recordChannelWait(payload.channel, 'throttled');
    logger.warn({ channel: payload.channel, pause_ms: pauseMs, error_code: err.code }, 'provider is throttling; pausing the channel for every worker');
    await limiter.pause(payload.channel, rate, pauseMs);
  };
  return { pass, afterFailure };
}
