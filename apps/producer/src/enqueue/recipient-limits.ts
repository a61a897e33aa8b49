/**
 * Per-recipient enqueue limits (`producer.rate_limits.recipients`): which limit
 * applies to each message of a request, and the answer when one is reached. The
 * counting is the store's (one script call per request, all or none, shared by
 * every producer instance); a request none of whose messages has a limit makes no
 * call at all.
 *
 * A request runs inside its `Idempotency-Key` claim, so a replay (answered from
 * the stored result) is never counted again; a request that fails after counting
 * gives its places back.
 */
import { RAW_LIMIT_TYPE, recipientLimitFor, type CourierConfig, type JobPayload } from '@courier/core';
import { createRecipientLimiter, type RecipientLimitRequest, type RedisConnection } from '@courier/store';
import { ApiError } from '../http/api-error.js';

/** Counts a request's messages against their recipients' limits. */
export interface RecipientLimits {
  /**
   * Count `payloads`, or throw ApiError 429 (`rate_limited`, with Retry-After) when a
   * recipient's window is full, or 400 when the request alone holds more messages for
   * one recipient than its limit. Returns what gives the places back.
   */
  take(payloads: readonly JobPayload[], pathPrefix: (index: number) => string): Promise<() => Promise<void>>;
}

const NOTHING_TO_RELEASE = (): Promise<void> => Promise.resolve();

/** The limits of a configuration; undefined when it sets none (enqueue then skips them entirely). */
export function createRecipientLimits(config: CourierConfig, redis: RedisConnection): RecipientLimits | undefined {
  const limits = config.producer.rate_limits;
  if (limits.recipients.default === undefined && Object.values(limits.recipients.types).every((l) => l === false)) return undefined;
  const limiter = createRecipientLimiter(redis, config.redis.prefix);
  return {
    async take(payloads, pathPrefix) {
      const requests: RecipientLimitRequest[] = [];
      const positions: number[] = [];
      payloads.forEach((p, i) => {
        const limit = recipientLimitFor(limits, p.template_type);
        if (limit === undefined) return;
        requests.push({ id: p.id, recipient: p.recipient, limitType: p.template_type ?? RAW_LIMIT_TYPE, max: limit.max, windowMs: limit.window_seconds * 1000 });
        positions.push(i);
      });
      if (requests.length === 0) return NOTHING_TO_RELEASE;
      const answer = await limiter.take(requests);
      if (answer.outcome === 'taken') return answer.release;
      const refused = requests[answer.index];
      if (refused === undefined) throw new Error('the limiter named no message');
      // The address is not echoed: the caller knows it, and error texts reach logs.
      const path = `${pathPrefix(positions[answer.index] ?? 0)}recipient`;
      const rule = `at most ${refused.max} message(s) of type ${refused.limitType} to one recipient within ${refused.windowMs / 1000} s`;
      if (answer.retryAfterMs === undefined) {
        throw new ApiError(400, 'invalid_request', `request is invalid: ${path}: this request alone holds more messages for this recipient than the limit allows (${rule})`, [
          { path, message: `more messages for this recipient than the limit allows (${rule})` },
        ]);
      }
      const retryAfterSeconds = Math.max(1, Math.ceil(answer.retryAfterMs / 1000));
      throw new ApiError(
        429,
        'rate_limited',
        `${path}: recipient limit reached (${rule}); retry after ${retryAfterSeconds} s`,
        [{ path, message: `recipient limit reached (${rule})` }],
        retryAfterSeconds,
      );
    },
  };
}
