/**
 * How a single stored message is shown by `GET /messages/{id}`: whole to a key
 * that may see secrets (`admin`), otherwise with its secret content fields
 * (template data, subject, bodies: see `producer.redaction`) redacted.
 */
import type { Redactor } from '@courier/core';
import type { StoredMessage } from '@courier/store';
import type { z } from 'zod';
import type { apiMessage } from '../http/schemas.js';
import { redactMessageContent } from './content.js';

/** A message in the API shape; `showSecrets` false redacts its content by field name. */
export function presentMessage(m: StoredMessage, redactor: Redactor, showSecrets: boolean): z.output<typeof apiMessage> {
  return showSecrets ? m : redactMessageContent(m, redactor);
}
