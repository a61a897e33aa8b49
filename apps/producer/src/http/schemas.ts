/**
 * Request and response schemas of the API. Requests are parsed with them; the
 * OpenAPI document is generated from them, so the two cannot drift apart.
 */
import { z } from 'zod';
import {
  MAX_TTL_SECONDS,
  checkNewMessage,
  messageIdSchema,
  messageSchema,
  messageStatusSchema,
  messageTypeSchema,
  newMessageObject,
  templateTypeSchema,
  textSchema,
} from '@courier/core';

const MAX_DELAY_MS = 366 * 24 * 3600 * 1000;

/** `POST /messages` body: a new message plus scheduling. */
export const sendMessageBody = newMessageObject
  .extend({
    send_at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
    delay_ms: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
    priority: z.number().int().min(1).max(1_000_000).optional(),
    /** Never send after this instant (the message ends `abandoned`, `MESSAGE_EXPIRED`). */
    expires_at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
    /** Never send later than this many seconds after enqueue. */
    ttl_seconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
  })
  .superRefine((m, ctx) => {
    checkNewMessage(m, ctx);
    if (m.expires_at !== undefined && m.ttl_seconds !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['ttl_seconds'], message: 'give expires_at or ttl_seconds, not both' });
    }
    if (m.expires_at !== undefined) {
      const ahead = Date.parse(m.expires_at) - Date.now();
      if (ahead <= 0) ctx.addIssue({ code: 'custom', path: ['expires_at'], message: 'is already in the past' });
      else if (ahead > MAX_DELAY_MS) ctx.addIssue({ code: 'custom', path: ['expires_at'], message: 'must be less than a year ahead' });
    }
    if (m.send_at !== undefined && m.delay_ms !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['delay_ms'], message: 'give send_at or delay_ms, not both' });
    }
    if (m.send_at !== undefined && Date.parse(m.send_at) - Date.now() > MAX_DELAY_MS) {
      ctx.addIssue({ code: 'custom', path: ['send_at'], message: 'must be less than a year ahead' });
    }
    checkSendBeforeExpiry(m, ctx);
  });

/**
 * A message scheduled for (`send_at`, `delay_ms`) no earlier than its expiry (`expires_at`,
 * `ttl_seconds`) could never be sent: refused, naming the scheduling field.
 */
function checkSendBeforeExpiry(
  m: { send_at?: string | undefined; delay_ms?: number | undefined; expires_at?: string | undefined; ttl_seconds?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  const now = Date.now();
  const sendAt = m.send_at !== undefined ? Date.parse(m.send_at) : m.delay_ms !== undefined ? now + m.delay_ms : undefined;
  const expiresAt = m.expires_at !== undefined ? Date.parse(m.expires_at) : m.ttl_seconds !== undefined ? now + m.ttl_seconds * 1000 : undefined;
  if (sendAt === undefined || expiresAt === undefined || Number.isNaN(sendAt) || Number.isNaN(expiresAt) || sendAt < expiresAt) return;
  const field = m.send_at !== undefined ? 'send_at' : 'delay_ms';
  ctx.addIssue({ code: 'custom', path: [field], message: `must be before the message expires (${m.expires_at !== undefined ? 'expires_at' : 'ttl_seconds'})` });
}
export type SendMessageBody = z.output<typeof sendMessageBody>;

/** Most messages one batch request may carry. */
const MAX_BATCH = 1_000;

/** `POST /messages/batch` body. */
export const batchBody = z.strictObject({
  messages: z.array(sendMessageBody).min(1, 'must hold at least one message').max(MAX_BATCH, `must hold at most ${MAX_BATCH} messages`),
});

/** `GET /messages` query. */
export const listQuery = z.strictObject({
  status: messageStatusSchema.optional(),
  recipient: z.string().min(1).max(320).optional(),
  template_type: templateTypeSchema.optional(),
  page_size: z.coerce.number({ error: 'must be a number' }).int().min(1).max(1_000).default(100),
  page_token: z.string().min(1).max(512).optional(),
});

/** `{id}` path parameter. */
export const idParams = z.strictObject({ id: messageIdSchema });

/** Answer to an accepted message. */
export const enqueuedResponse = z.object({ id: z.uuid(), status: z.literal('queued') });
export const batchResponse = z.object({ messages: z.array(enqueuedResponse) });

/** Who created a message: the creating API key's name, or its non-secret id (a hash prefix). */
const createdBy = z.string().optional();

/**
 * A message as `GET /messages/{id}` returns it (core's model). Secret fields of
 * its content read `[redacted]` unless the key has the `admin` scope.
 */
export const apiMessage = messageSchema.extend({ id: z.uuid(), created_by: createdBy });

/**
 * A message as lists return it: no content (subject, bodies, template data),
 * only what tracking needs, and the error of its last failed attempt.
 */
export const apiMessageSummary = z.object({
  id: z.uuid(),
  type: messageTypeSchema,
  channel: z.string(),
  recipient: z.string(),
  template_type: templateTypeSchema.optional(),
  status: messageStatusSchema,
  send_count: z.number().int().nonnegative(),
  last_attempt_at: z.iso.datetime().optional(),
  last_error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).optional(),
  created_by: createdBy,
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
export const listResponse = z.object({ messages: z.array(apiMessageSummary), next_page_token: z.string().optional() });
export const statusResponse = z.object({ id: z.uuid(), status: messageStatusSchema });

/** The error body of every non-2xx answer. */
export const errorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

// --- Kratos bridge -------------------------------------------------------------

const nullableText = textSchema(1_000_000).nullish();

/**
 * What Kratos's HTTP delivery strategy posts: its Jsonnet body template applied
 * to its `httpDataModel` (`recipient`, `subject`, `body`, `html_body`,
 * `template_type`, `template_data`, `message_type`, `request_headers`). The
 * default template posts `recipient`, `template_type`, `subject`, `body` and the
 * template data's `to`, `recovery_code`, `recovery_url`, `verification_url`,
 * `verification_code` at the top level (null when absent); a custom template may
 * post the model whole or any other fields. Every other field is kept in the
 * stored template data; nulls are allowed.
 */
export const kratosPayload = z.looseObject({
  recipient: textSchema(320).min(1),
  template_type: textSchema(64).nullish(),
  to: nullableText,
  recovery_code: nullableText,
  recovery_url: nullableText,
  verification_url: nullableText,
  verification_code: nullableText,
  login_code: nullableText,
  registration_code: nullableText,
  subject: nullableText,
  body: nullableText,
  html_body: textSchema(2_000_000).nullish(),
  /** `email` or `sms` (Kratos's `Message.Type`); absent: guessed from the recipient. */
  message_type: textSchema(16).nullish(),
  /** Kratos's template model (`to`, codes, URLs, `identity`, `request_url`, `transient_payload`, ...). */
  template_data: z.record(z.string(), z.unknown()).nullish(),
  /** The allow-listed headers of the request that caused the message (`{"Name": ["value"]}`). */
  request_headers: z.unknown().optional(),
});

/** A dispatch (delivery attempt) in Kratos's admin API shape. */
const kratosDispatch = z.object({
  id: z.uuid(),
  message_id: z.uuid(),
  status: z.enum(['failed', 'success']),
  error: z.record(z.string(), z.unknown()).optional(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});

/**
 * A message in Kratos's admin API shape (Kratos's `courier.Message`): `channel` is
 * nullable; `dispatches` (newest first) is absent in lists and when there are none
 * (Kratos's `json:"dispatches,omitempty"`).
 */
export const kratosMessage = z.object({
  id: z.uuid(),
  status: z.enum(['queued', 'sent', 'processing', 'abandoned']),
  type: messageTypeSchema,
  channel: z.string().nullable(),
  recipient: z.string(),
  subject: z.string(),
  body: z.string(),
  template_type: z.string(),
  send_count: z.number().int(),
  dispatches: z.array(kratosDispatch).optional(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});

/** Kratos's error body (ory/herodot), answered by the Kratos admin routes for 400 and 404. */
export const kratosErrorResponse = z.object({
  error: z.object({
    code: z.number().int(),
    status: z.string(),
    request: z.string().optional(),
    reason: z.string().optional(),
    message: z.string(),
  }),
});
