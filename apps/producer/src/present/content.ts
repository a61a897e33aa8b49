/**
 * Redaction of a message's content fields (subject, bodies, template data) by
 * field name, leaving its tracking fields alone. Shared by single reads and,
 * once wired, the dashboard's job data (a job's data is the message payload).
 */
import type { Redactor } from '@courier/core';

/** The fields of a message or job payload that hold content; the rest (ids, status, dispatch errors) is tracking data. */
const CONTENT_FIELDS = ['subject', 'body', 'html_body', 'template_data'] as const;

/**
 * A copy of `value` (a message, a job payload, or anything else) with its
 * content fields passed through `redactor`. Only content goes through it:
 * tracking fields such as a dispatch error's `code` match the secret patterns
 * but are not secrets. A non-object is returned as it is.
 */
export function redactMessageContent<T>(value: T, redactor: Redactor): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  const content: Record<string, unknown> = {};
  for (const f of CONTENT_FIELDS) if (source[f] !== undefined) content[f] = source[f];
  return { ...source, ...redactor.redact(content) } as T;
}
