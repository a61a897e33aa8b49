/**
 * Receiving Courier's delivery events (webhooks): the event types and `verifyWebhook`,
 * which checks a request the Standard Webhooks way (standardwebhooks.com) with
 * node:crypto alone: the `webhook-timestamp` within a tolerance of now, then one of the
 * `v1,` signatures in `webhook-signature` equal (in constant time) to the base64
 * HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the secret.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { WebhookEvent } from '@courier/core';

export type { WebhookEvent, WebhookEventData, WebhookEventType } from '@courier/core';

/** A request that is not a genuine, fresh event; answer it 401 (or 400). */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/** Request headers as Node (`req.headers`), fetch (`Headers`) or a plain object give them. */
type RequestHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** Largest difference between `webhook-timestamp` and now, in seconds; default 300 (the spec's 5 minutes). */
  readonly toleranceSeconds?: number;
  /** The current time (tests). */
  readonly now?: Date;
}

/** Longest signature header looked at. */
const MAX_SIGNATURE_HEADER = 4_096;

function header(headers: RequestHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return typeof value === 'string' ? value : value?.[0];
}

/** The key bytes of a `whsec_` secret. */
function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith('whsec_') ? secret.slice(6) : undefined;
  if (encoded === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new WebhookVerificationError('the secret must be "whsec_" followed by base64');
  return Buffer.from(encoded, 'base64');
}

/**
 * Verify a delivery event and return it parsed.
 *
 * @param secret - The endpoint's `webhooks.endpoints[].secret` (`whsec_...`).
 * @param body - The raw request body, exactly as received (not parsed and serialized again).
 * @param headers - The request headers.
 * @throws WebhookVerificationError when a header is missing, the timestamp is too old or too new,
 *   or no signature matches.
 */
export function verifyWebhook(secret: string, body: string | Buffer, headers: RequestHeaders, options: VerifyWebhookOptions = {}): WebhookEvent {
  const key = keyOf(secret);
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (id === undefined || timestamp === undefined || signatures === undefined) throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature');
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError('webhook-timestamp is not a unix time in seconds');
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) throw new WebhookVerificationError('webhook-timestamp is too far from now');
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${text}`).digest();
  const matches = signatures
    .slice(0, MAX_SIGNATURE_HEADER)
    .split(' ')
    .some((entry) => {
      const [version, signature] = entry.split(',', 2);
      if (version !== 'v1' || signature === undefined) return false;
      const given = Buffer.from(signature, 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  if (!matches) throw new WebhookVerificationError('no signature matches');
  try {
    return JSON.parse(text) as WebhookEvent;
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
}

/** A new random endpoint secret (`whsec_` + 32 random bytes in base64), for `webhooks.endpoints[].secret`. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
