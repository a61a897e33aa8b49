/**
 * The message model and the versioned job payload, shared by producer and worker.
 *
 * This module is a leaf: it imports only zod (and ids.ts, json-limits.ts).
 */
import { uuidv7 } from './ids.js';
import { checkJsonLimits, isWellFormedText, type JsonLimits } from './json-limits.js';
import { z } from 'zod';

/** Every template type Kratos's courier knows, with the same names. */
export const TEMPLATE_TYPES = [
  'recovery_valid',
  'recovery_invalid',
  'recovery_code_valid',
  'recovery_code_invalid',
  'verification_valid',
  'verification_invalid',
  'verification_code_valid',
  'verification_code_invalid',
  'login_code_valid',
  'registration_code_valid',
  'verifiable_address_changed',
  'authenticator_key_added',
] as const;

/** A Kratos template type, e.g. `recovery_code_valid`. */
export type TemplateType = (typeof TEMPLATE_TYPES)[number];
export const templateTypeSchema = z.enum(TEMPLATE_TYPES);

/** `email` or `sms`, as Kratos's `message_type`. */
export const MESSAGE_TYPES = ['email', 'sms'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
export const messageTypeSchema = z.enum(MESSAGE_TYPES);

/**
 * Lifecycle states (docs/architecture.md, "Message lifecycle"): queued -> processing -> sent, or error (a retry is
 * scheduled) -> ... -> abandoned. `cancelled` is a message removed while still queued.
 */
export const MESSAGE_STATUSES = ['queued', 'processing', 'sent', 'error', 'abandoned', 'cancelled'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export const messageStatusSchema = z.enum(MESSAGE_STATUSES);

/** Statuses after which nothing more happens to a message on its own. */
export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set(['sent', 'abandoned', 'cancelled']);

/** An e-mail address as accepted for a recipient (zod's pragmatic address rule). */
export const emailAddressSchema = z.email({ error: 'must be a valid e-mail address' });

/** A phone number or other SMS address: non-empty, no whitespace or control characters. */
const smsRecipientSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64)
  .regex(/^[^\s\p{Cc}]+$/u, 'must not contain whitespace or control characters');

/** Deepest nesting accepted in template data (objects and arrays). */
const MAX_TEMPLATE_DATA_DEPTH = 32;

/**
 * Default limits of template data: 64 KiB as JSON, 10,000 values, 32 levels. A
 * Kratos template model is a few hundred bytes; an identity's traits a few KiB.
 */
export const DEFAULT_TEMPLATE_DATA_LIMITS: JsonLimits = Object.freeze({
  maxBytes: 64 * 1024,
  maxElements: 10_000,
  maxDepth: MAX_TEMPLATE_DATA_DEPTH,
});

let templateDataLimits: JsonLimits = DEFAULT_TEMPLATE_DATA_LIMITS;

/**
 * Set the limits {@link templateDataSchema} checks, once at start-up from the
 * configuration (`limits.template_data_*`), before any message is parsed. Both
 * apps call it with the same configuration, so producer and worker agree.
 */
export function configureTemplateDataLimits(limits: JsonLimits): void {
  templateDataLimits = Object.freeze({ ...limits });
}

/** A string that must be well-formed UTF-16 (no lone surrogates), with a length cap. */
export function textSchema(max: number) {
  return z.string().max(max).refine(isWellFormedText, 'must be well-formed UTF-16 text (it holds a lone surrogate)');
}

/**
 * Template data, with the field names Kratos uses in its JSON (`to`, `recovery_url`,
 * ...). Unknown fields are kept: custom templates may use them. Size, value count,
 * nesting and well-formed strings are checked first, in one walk that stops at the
 * first value past a limit, so nothing else walks hostile data (a 2,000,000-element
 * array is refused after one length check).
 */
export const templateDataSchema = z.preprocess(
  (data, ctx) => {
    const problem = checkJsonLimits(data, templateDataLimits);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message, input: data });
    return data;
  },
  z.looseObject({
    to: z.string().optional(),
    recovery_url: z.string().optional(),
    recovery_code: z.string().optional(),
    verification_url: z.string().optional(),
    verification_code: z.string().optional(),
    login_code: z.string().optional(),
    registration_code: z.string().optional(),
    identity: z.record(z.string(), z.unknown()).optional(),
    request_url: z.string().optional(),
    transient_payload: z.record(z.string(), z.unknown()).optional(),
    expires_in_minutes: z.number().int().nonnegative().optional(),
    /** `verifiable_address_changed`: when the address changed (Kratos passes a formatted time string). */
    changed_at: z.string().optional(),
    /** `authenticator_key_added`: when the key was added. */
    added_at: z.string().optional(),
  }),
);
export type TemplateData = z.infer<typeof templateDataSchema>;

/** Fields of template data that hold one-time secrets and must never be logged. */
export const SECRET_TEMPLATE_FIELDS = ['recovery_code', 'verification_code', 'login_code', 'registration_code', 'recovery_url', 'verification_url'] as const;

const errorSummarySchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
});

/**
 * One delivery attempt, as Kratos's `dispatches[]`. `outcome_unknown` (a Courier extension:
 * Kratos shows it as `failed`): the message was handed over and the connection failed
 * before the provider answered, so it may have been delivered.
 */
const dispatchSchema = z.object({
  at: z.iso.datetime(),
  status: z.enum(['success', 'failed', 'outcome_unknown']),
  error: errorSummarySchema.optional(),
  /**
   * Courier extension, set when the message's channel has fallbacks: the channel the
   * attempt went through last (the one that delivered, or whose error is `error`).
   */
  channel: z.string().optional(),
  /** Courier extension, with `channel`: the other channels of the attempt that failed (their error code) or were passed over (`CHANNEL_CIRCUIT_OPEN`), in order. */
  failed_channels: z.array(z.object({ channel: z.string(), code: z.string() })).optional(),
});
export type Dispatch = z.infer<typeof dispatchSchema>;

/** Fields shared by every way of describing a message's content. */
const contentShape = {
  subject: textSchema(998).optional(),
  body: textSchema(1_000_000).optional(),
  html_body: textSchema(2_000_000).optional(),
  template_type: templateTypeSchema.optional(),
  template_data: templateDataSchema.optional(),
};

/** The fields of a new message, without the cross-field rules (see {@link checkNewMessage}). */
export const newMessageObject = z.strictObject({
  type: messageTypeSchema.default('email'),
  channel: textSchema(64).min(1).optional(),
  recipient: textSchema(320).min(1),
  ...contentShape,
});

/**
 * The cross-field rules of a new message: the recipient fits the type, either a
 * template or a raw body (not both), a subject for raw e-mail, no HTML for SMS.
 * Exported so API schemas that extend {@link newMessageObject} apply the same rules.
 */
export function checkNewMessage(m: z.output<typeof newMessageObject>, ctx: z.RefinementCtx): void {
  const check = m.type === 'email' ? emailAddressSchema : smsRecipientSchema;
  const r = check.safeParse(m.recipient);
  if (!r.success) {
    ctx.addIssue({ code: 'custom', path: ['recipient'], message: r.error.issues[0]?.message ?? 'invalid recipient' });
  }
  if (m.template_type === undefined && m.body === undefined) {
    ctx.addIssue({ code: 'custom', path: ['body'], message: 'either template_type or body is required' });
  }
  if (m.template_type !== undefined && (m.body !== undefined || m.subject !== undefined || m.html_body !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['template_type'],
      message: 'give either template_type or subject/body/html_body, not both',
    });
  }
  if (m.type === 'email' && m.template_type === undefined && m.subject === undefined) {
    ctx.addIssue({ code: 'custom', path: ['subject'], message: 'an e-mail without a template needs a subject' });
  }
  if (m.type === 'sms' && m.html_body !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['html_body'], message: 'an SMS has no HTML body' });
  }
}

/**
 * A message as a client hands it to Courier: either `template_type` (+ `template_data`)
 * or raw `body` (+ `subject`, `html_body` for e-mail). `channel` defaults to the type.
 */
export const newMessageSchema = newMessageObject.superRefine(checkNewMessage);
export type NewMessage = z.input<typeof newMessageSchema>;
export type ValidNewMessage = z.output<typeof newMessageSchema>;

/**
 * The BullMQ job payload, version 1. Parsed by the producer before `add` and again
 * by the worker before processing, so a payload from an incompatible producer is
 * rejected rather than half-processed.
 */
export const jobPayloadSchema = z.strictObject({
  v: z.literal(1),
  id: z.string().min(1).max(128),
  type: messageTypeSchema,
  channel: z.string().min(1).max(64),
  recipient: z.string().min(1).max(320),
  ...contentShape,
  created_at: z.iso.datetime(),
  /** When the message expires: it is never handed to a provider after this instant (abandoned `MESSAGE_EXPIRED`). */
  expires_at: z.iso.datetime().optional(),
});
export type JobPayload = z.infer<typeof jobPayloadSchema>;

/**
 * What the worker reads of a job before it looks at the message's status: the
 * version and the id. The content (possibly large, possibly refused by
 * {@link jobPayloadSchema}) is parsed only for a message still to be sent.
 */
export const jobEnvelopeSchema = z.looseObject({
  v: z.literal(1),
  id: z.string().min(1).max(128),
});

/** A message with its tracking state, as stored and as returned by the API. */
export const messageSchema = z.object({
  id: z.string(),
  type: messageTypeSchema,
  channel: z.string(),
  recipient: z.string(),
  subject: z.string().optional(),
  body: z.string().optional(),
  html_body: z.string().optional(),
  template_type: templateTypeSchema.optional(),
  template_data: templateDataSchema.optional(),
  status: messageStatusSchema,
  send_count: z.number().int().nonnegative(),
  dispatches: z.array(dispatchSchema),
  created_at: z.iso.datetime(),
  /** When the message expires (see the job payload's `expires_at`). */
  expires_at: z.iso.datetime().optional(),
  updated_at: z.iso.datetime(),
});
export type Message = z.infer<typeof messageSchema>;

/**
 * Build a job payload from a validated new message.
 *
 * @param input - A message that passed {@link newMessageSchema}.
 * @param id - The message id (generated by the producer).
 * @param now - Creation time.
 */
export function toJobPayload(input: ValidNewMessage, id: string, now: Date = new Date()): JobPayload {
  return jobPayloadSchema.parse(buildJobPayload(input, id, now));
}

/**
 * {@link toJobPayload} without its check of the result: for callers whose input was
 * validated at least as strictly as `jobPayloadSchema` (the API's request schemas),
 * so that the payload is valid by construction and is not parsed a second time.
 */
export function buildJobPayload(
  input: Pick<ValidNewMessage, 'type' | 'channel' | 'recipient' | 'subject' | 'body' | 'html_body' | 'template_type' | 'template_data'>,
  id: string,
  now: Date,
  expiresAt?: string,
): JobPayload {
  const payload: JobPayload = {
    v: 1,
    id,
    type: input.type,
    channel: input.channel ?? input.type,
    recipient: input.recipient,
    created_at: now.toISOString(),
  };
  if (expiresAt !== undefined) payload.expires_at = expiresAt;
  if (input.subject !== undefined) payload.subject = input.subject;
  if (input.body !== undefined) payload.body = input.body;
  if (input.html_body !== undefined) payload.html_body = input.html_body;
  if (input.template_type !== undefined) payload.template_type = input.template_type;
  if (input.template_data !== undefined) payload.template_data = input.template_data;
  return payload;
}

// --- Expiry ------------------------------------------------------------------

/** Longest `ttl_seconds` accepted (and longest default taken from `expires_in_minutes`): 30 days. */
export const MAX_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Template types whose model has `ExpiresInMinutes` (a one-time code or link): a message of
 * one of them expires after `template_data.expires_in_minutes` unless told otherwise.
 * Must match the types with `ExpiresInMinutes` in `templates/model-fields.ts` (a test checks).
 */
export const EXPIRING_TEMPLATE_TYPES: ReadonlySet<TemplateType> = new Set<TemplateType>([
  'recovery_valid',
  'recovery_code_valid',
  'verification_valid',
  'verification_code_valid',
  'login_code_valid',
  'registration_code_valid',
]);

/** What decides a message's expiry: an explicit instant, a time to live, or the template's `expires_in_minutes`. */
export interface ExpiryInput {
  readonly expires_at?: string | undefined;
  readonly ttl_seconds?: number | undefined;
  readonly template_type?: TemplateType | undefined;
  readonly template_data?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A message's `expires_at` (ISO 8601, UTC), or undefined when it does not expire:
 * `expires_at` as given, else `now + ttl_seconds`, else, for a code/link template type
 * ({@link EXPIRING_TEMPLATE_TYPES}), `now + template_data.expires_in_minutes` when that is
 * a positive number (capped at {@link MAX_TTL_SECONDS}; 0 means "no expiry", as in Kratos's templates).
 * The caller has validated the fields (a parseable date, a bounded ttl).
 */
export function expiresAtFor(input: ExpiryInput, now: Date): string | undefined {
  if (input.expires_at !== undefined) return new Date(Date.parse(input.expires_at)).toISOString();
  if (input.ttl_seconds !== undefined) return new Date(now.getTime() + input.ttl_seconds * 1000).toISOString();
  if (input.template_type === undefined || !EXPIRING_TEMPLATE_TYPES.has(input.template_type)) return undefined;
  const minutes = input.template_data?.['expires_in_minutes'];
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0) return undefined;
  return new Date(now.getTime() + Math.min(minutes * 60, MAX_TTL_SECONDS) * 1000).toISOString();
}

/** True when the payload has an `expires_at` at or before `nowMs`. */
export function isExpired(payload: Pick<JobPayload, 'expires_at'>, nowMs: number = Date.now()): boolean {
  return payload.expires_at !== undefined && Date.parse(payload.expires_at) <= nowMs;
}

/**
 * A new message id: a UUIDv7 (Kratos's message ids are UUIDs). Its text sorts by
 * creation time, which the message indexes use for newest-first, stable pagination.
 */
export function newMessageId(): string {
  return uuidv7();
}

/** A message id as accepted from clients (any UUID). */
export const messageIdSchema = z.uuid({ error: 'must be a UUID' });
