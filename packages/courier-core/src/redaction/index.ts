/** Secret redaction by field name (see redactor.ts). */
export { createRedactor, snakeFieldName, type RedactionConfig, type Redactor } from './redactor.js';
export { DEFAULT_REDACTED_FIELDS, DEFAULT_REDACTED_PATTERNS, REDACTED } from './defaults.js';
