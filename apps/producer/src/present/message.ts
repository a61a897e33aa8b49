/**
 * How a single stored message is shown by `GET /messages/{id}`: whole to a key
 * that may see secrets (`admin`), otherwise with its secret fields (template
 * data, subject, bodies: see `producer.redaction`) redacted.
 */
import type { Redactor } from '@courier/core';
import type { StoredMessage } from '@courier/store';
import type { z } from 'zod';
import type { apiMessage } from '../http/schemas.js';

/** The content fields of a message the redactor looks at; the rest (ids, status, dispatch errors) is tracking data. */
const CONTENT_FIELDS = ['subject', 'body', 'html_body', 'template_data'] as const;

/** A message in the API shape; `showSecrets` false redacts its content by field name. */
export function presentMessage(m: StoredMessage, redactor: Redactor, showSecrets: boolean): z.output<typeof apiMessage> {
  if (showSecrets) return m;
  // Only the content goes through the redactor: tracking fields such as a
  // dispatch's error `code` match the secret patterns but are not secrets.
  const content: Record<string, unknown> = {};
  for (const f of CONTENT_FIELDS) if (m[f] !== undefined) content[f] = m[f];
  return { ...m, ...redactor.redact(content) };
}
