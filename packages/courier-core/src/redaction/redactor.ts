/**
 * Redaction of secrets by field name, at any depth: the one place that decides
 * which parts of a message (template data, subject, bodies) an API response or
 * a dashboard may show. Configured by `producer.redaction`.
 */
import { DEFAULT_REDACTED_FIELDS, DEFAULT_REDACTED_PATTERNS, REDACTED } from './defaults.js';

/** Redaction rules, as in `producer.redaction`. */
export interface RedactionConfig {
  /** Secret field names: case-insensitive, snake_case and camelCase equivalent. */
  readonly fields?: readonly string[];
  /** Case-insensitive regular expressions; a field name (in snake case) containing a match is secret. */
  readonly patterns?: readonly string[];
}

/** Redacts secret fields of values. Stateless; safe to share. */
export interface Redactor {
  /** True when a field of this name holds a secret. */
  isSecretField(name: string): boolean;
  /**
   * A copy of `value` in which the value of every secret field, at any depth
   * (arrays included), is replaced by `[redacted]`. The input is not changed.
   */
  redact<T>(value: T): T;
}

/**
 * A field name in snake case, lower-cased: `RecoveryURL` -> `recovery_url`,
 * `magicLink` -> `magic_link`, `login-code` -> `login_code`. So one configured
 * name covers Kratos's JSON names and its older Go-style capitalised ones.
 */
export function snakeFieldName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[-\s.]+/g, '_')
    .toLowerCase();
}

// Deep enough for anything real; hostile input cannot recurse further (template
// data is capped at 32 levels on the way in).
const MAX_DEPTH = 64;

/** Build a redactor; rules left out take the defaults. */
export function createRedactor(config: RedactionConfig = {}): Redactor {
  const fields = new Set((config.fields ?? DEFAULT_REDACTED_FIELDS).map(snakeFieldName));
  const patterns = (config.patterns ?? DEFAULT_REDACTED_PATTERNS).map((p) => new RegExp(p, 'i'));
  // Field names repeat across messages: remember each answer (bounded).
  const cache = new Map<string, boolean>();

  const isSecretField = (name: string): boolean => {
    const known = cache.get(name);
    if (known !== undefined) return known;
    const snake = snakeFieldName(name);
    const secret = fields.has(snake) || patterns.some((p) => p.test(snake) || p.test(name));
    if (cache.size < 10_000) cache.set(name, secret);
    return secret;
  };

  const walk = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_DEPTH) return REDACTED;
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecretField(k) ? REDACTED : walk(v, depth + 1);
    return out;
  };

  return {
    isSecretField,
    redact: <T>(value: T): T => walk(value, 0) as T,
  };
}
