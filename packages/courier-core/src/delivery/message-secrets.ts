/**
 * What of a message must never be repeated in an error: the string values of its
 * template data (one-time codes, links, whatever custom templates carry), and the
 * code-like words of its subject and bodies (a raw "Your code is 605118" has no
 * template data to tell the code by). Both strategies scrub these from provider
 * answers, which may quote the message.
 */
import type { OutboundMessage } from './strategy.js';

const MIN_LENGTH = 4;

/**
 * Words that may be codes or tokens: runs of letters, digits, `-` and `_` of at
 * least four characters holding a digit (one-time codes, link tokens, ids).
 */
const CODE_LIKE = /[A-Za-z0-9_-]*[0-9][A-Za-z0-9_-]*/g;

/** String (and long numeric) values of a message's template data, except the recipient, and code-like words of its content. */
export function messageSecrets(message: OutboundMessage): string[] {
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length >= MIN_LENGTH) out.add(value);
    } else if (typeof value === 'number') {
      if (String(value).length >= MIN_LENGTH) out.add(String(value));
    } else if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value !== null && typeof value === 'object') {
      Object.values(value).forEach(walk);
    }
  };
  const { to: _to, ...rest } = (message.template_data ?? {}) as Record<string, unknown>;
  walk(rest);
  for (const text of [message.subject, message.body, message.html_body]) {
    if (text === undefined) continue;
    for (const word of text.match(CODE_LIKE) ?? []) if (word.length >= MIN_LENGTH) out.add(word);
  }
  return [...out];
}
