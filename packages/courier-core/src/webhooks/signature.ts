/**
 * Standard Webhooks signatures (standardwebhooks.com, symmetric scheme): a secret is
 * `whsec_` + the base64 of 24 to 64 random bytes; a request's `webhook-signature` is
 * `v1,` + the base64 HMAC-SHA256, keyed with those bytes, of `{webhook-id}.{webhook-timestamp}.{body}`.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** The prefix of a serialized symmetric secret. */
const SECRET_PREFIX = 'whsec_';
/** The spec's bounds on a symmetric key: at least 192 bits, at most 512. */
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The key bytes of a `whsec_...` secret, or a reason it is not one. The reason never
 * quotes the secret.
 */
export function parseWebhookSecret(secret: string): { readonly key: Buffer } | { readonly problem: string } {
  if (!secret.startsWith(SECRET_PREFIX)) return { problem: `must start with "${SECRET_PREFIX}" (a Standard Webhooks secret)` };
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length > 200 || !BASE64.test(encoded) || encoded.length % 4 === 1) return { problem: `must be "${SECRET_PREFIX}" followed by base64` };
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    return { problem: `must encode ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes (it encodes ${key.length})` };
  }
  return { key };
}

/** A new random secret of 32 bytes, serialized as `whsec_...`. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The `webhook-signature` entry of one key for one request. */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}
