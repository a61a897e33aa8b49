/**
 * Removing secret values from text: provider answers (error replies, response
 * bodies) and template errors, which may quote credentials or a message's
 * one-time codes. The value-based counterpart of `redactor.ts` (by field name).
 */
import { REDACTED } from './defaults.js';

/**
 * Replace every occurrence of every secret with `[redacted]`. Longest first: a
 * link that contains a code is removed whole, not around the code.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '' && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}
