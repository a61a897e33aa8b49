/**
 * What of a message must never be repeated in an error: the string values of its
 * template data (one-time codes, links, whatever custom templates carry). Both
 * strategies scrub these from provider answers, which may quote the message.
 */
import type { OutboundMessage } from './strategy.js';

const MIN_LENGTH = 4;

/** String (and long numeric) values of a message's template data, except the recipient. */
export function messageSecrets(message: OutboundMessage): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length >= MIN_LENGTH) out.push(value);
    } else if (typeof value === 'number') {
      if (String(value).length >= MIN_LENGTH) out.push(String(value));
    } else if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value !== null && typeof value === 'object') {
      Object.values(value).forEach(walk);
    }
  };
  const { to: _to, ...rest } = (message.template_data ?? {}) as Record<string, unknown>;
  walk(rest);
  return out;
}
