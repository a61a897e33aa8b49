/**
 * Rate-limit configuration (Courier extensions; Kratos has none):
 *
 * - `producer.rate_limits.recipients`: at most `max` messages to one recipient of one
 *   template type within any `window_seconds` (a sliding window), checked at enqueue;
 *   `default` applies to every type not listed in `types`, where `false` turns the
 *   limit off for a type. Messages without a template count under the `raw` type.
 * - `worker.rate_limits.channels`: at most `max` hand-overs to a channel (`email` or a
 *   `courier.channels[].id`) per `per_seconds`, shared by every worker, with at most
 *   `burst` of them at once (default 1: evenly spaced).
 */
import { z } from 'zod';
import { TEMPLATE_TYPES, type TemplateType } from '../message.js';

/** The `types` key of messages without a template (raw subject/body). */
export const RAW_LIMIT_TYPE = 'raw';

const windowLimitSchema = z.strictObject({
  /** Messages allowed within the window. */
  max: z.number().int().min(1).max(10_000),
  window_seconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600),
});
/** One recipient limit: `max` messages within any `window_seconds`. */
export type RecipientWindowLimit = z.infer<typeof windowLimitSchema>;

const limitTypeSchema = z.enum([...TEMPLATE_TYPES, RAW_LIMIT_TYPE]);

/** `producer.rate_limits`. */
export const producerRateLimitsSchema = z
  .strictObject({
    recipients: z
      .strictObject({
        default: windowLimitSchema.optional(),
        types: z.partialRecord(limitTypeSchema, z.union([windowLimitSchema, z.literal(false)])).default({}),
      })
      .prefault({}),
  })
  .prefault({});

/** The recipient limit of a template type (undefined: a message without a template), or undefined when none applies. */
export function recipientLimitFor(limits: z.infer<typeof producerRateLimitsSchema>, templateType: TemplateType | undefined): RecipientWindowLimit | undefined {
  const own = limits.recipients.types[templateType ?? RAW_LIMIT_TYPE];
  if (own === false) return undefined;
  return own ?? limits.recipients.default;
}

const channelRateSchema = z
  .strictObject({
    /** Hand-overs allowed per `per_seconds`. */
    max: z.number().int().min(1).max(1_000_000),
    per_seconds: z.number().positive().max(86_400).default(1),
    /** Hand-overs that may go at once after an idle spell (GCRA burst); at most `max`. */
    burst: z.number().int().min(1).max(1_000_000).default(1),
    /**
     * After the provider answers "throttled" (SMTP 454 or 4.7.0 with a throttling text, HTTP
     * 429), no new slot is given out for this long, or for the answer's Retry-After if longer
     * (at most an hour); 0 turns this off.
     */
    throttle_pause_ms: z.number().int().min(0).max(3_600_000).default(1_000),
  })
  .refine((r) => r.burst <= r.max, { path: ['burst'], error: 'must not be more than max' });
/** One channel's send rate. */
export type ChannelRate = z.infer<typeof channelRateSchema>;

/** `worker.rate_limits`. */
export const workerRateLimitsSchema = z
  .strictObject({
    /** By channel id: `email`, or a `courier.channels[].id` (checked against them when the config is loaded). */
    channels: z.record(z.string().min(1).max(128), channelRateSchema).default({}),
  })
  .prefault({});
