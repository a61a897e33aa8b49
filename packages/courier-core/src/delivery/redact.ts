/**
 * Removing secrets from text a provider sent back (error replies, response
 * bodies), shared by every strategy.
 */

/** What a removed secret is replaced with. */
const REDACTED = '[redacted]';

/**
 * Replace every occurrence of every secret. Longest first: a link that contains a
 * code is removed whole, not around the code.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '' && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}
