/**
 * Default redaction rules (`producer.redaction`). A leaf module: the config
 * schema takes its defaults from here, and {@link createRedactor} its rules.
 */
import { SECRET_TEMPLATE_FIELDS } from '../message.js';

/**
 * Field names whose values are secret wherever they appear (compared in snake
 * case, case-insensitively: `LoginCode`, `login_code` and `login-code` are one
 * name). Kratos's one-time codes and links, the message's own content (a raw
 * message's subject or body may carry a code), and common custom names.
 */
export const DEFAULT_REDACTED_FIELDS: readonly string[] = [
  ...SECRET_TEMPLATE_FIELDS,
  'subject',
  'body',
  'html_body',
  'magic_link',
  'otp',
  'password',
  'secret',
  'token',
  'api_key',
];

/**
 * Patterns (case-insensitive regular expressions) on field names, in snake case:
 * any name that contains one of these is secret. They over-redact on purpose
 * (`zip_code` too): showing a one-time code is worse than hiding a harmless field.
 */
export const DEFAULT_REDACTED_PATTERNS: readonly string[] = ['code', 'token', 'otp', 'link', 'url', 'secret', 'passw', 'credential'];

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';
