/**
 * Request and response schemas of the suppression-list routes (routes/suppressions.ts);
 * the OpenAPI document is generated from them.
 */
import { z } from 'zod';

/** Longest address the routes take (as a message's recipient). */
const MAX_ADDRESS = 320;

/**
 * An address on the list: an e-mail address or a phone number, as a message's recipient
 * is; 1-320 characters after trimming, without whitespace or control characters inside.
 */
const addressSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_ADDRESS, `must be at most ${MAX_ADDRESS} characters`)
  .regex(/^[^\s\u0000-\u001f\u007f]+$/, 'must not contain whitespace or control characters');

/** `{address}` path parameter (URL-decoded by the router). */
export const addressParams = z.strictObject({ address: addressSchema });

/** `GET /suppressions` query. */
export const suppressionListQuery = z.strictObject({
  page_size: z.coerce.number({ error: 'must be a number' }).int().min(1).max(1_000).default(100),
  page_token: z.string().min(1).max(1_024).optional(),
});

/** `DELETE /suppressions` query: the whole list goes only when asked for by name. */
export const clearQuery = z.strictObject({ all: z.literal('true', { error: 'must be "true" to delete every entry' }) });

/** `POST /suppressions` body: put an address on the list by hand. */
export const addSuppressionBody = z.strictObject({
  address: addressSchema,
  /** Why (kept as the entry's `detail`). */
  note: z.string().max(500).optional(),
});

/** An entry as the API shows it. */
export const apiSuppression = z.object({
  address: z.string(),
  added_at: z.string(),
  expires_at: z.string().optional(),
  source: z.enum(['delivery', 'api']),
  code: z.string(),
  detail: z.string(),
  channel: z.string().optional(),
  message_id: z.string().optional(),
  template_type: z.string().optional(),
});

export const suppressionListResponse = z.object({ suppressions: z.array(apiSuppression), next_page_token: z.string().optional() });
export const clearedResponse = z.object({ deleted: z.number().int() });
