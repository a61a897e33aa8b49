/**
 * Error classes shared by every Courier module. Every error carries a stable `code`
 * (one of `errors/codes.ts`) and, where it wraps another failure, a `cause`.
 * Messages never contain secrets: callers pass already-redacted text.
 *
 * This module is a leaf: it imports nothing from the rest of core but its codes.
 */
import type { CourierErrorCode, TemplateErrorCode } from './errors/codes.js';

export type { ApiErrorCode, CourierErrorCode, StoredErrorCode, TemplateErrorCode } from './errors/codes.js';

/** Base class of every error Courier raises on purpose. */
export class CourierError extends Error {
  /** Stable machine-readable identifier, e.g. `CONFIG_INVALID`, `SMTP_TRANSIENT` (see `errors/codes.ts`). */
  readonly code: CourierErrorCode;

  constructor(code: CourierErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found in a configuration file: where it is and what is wrong. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `courier.smtp.connection_uri`. */
  readonly path: string;
  readonly message: string;
}

/** The configuration could not be loaded or is invalid. */
export class ConfigError extends CourierError {
  readonly issues: readonly ConfigIssue[];

  constructor(message: string, issues: readonly ConfigIssue[] = [], options?: { cause?: unknown }) {
    const detail = issues.length > 0 ? `\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}` : '';
    super('CONFIG_INVALID', `${message}${detail}`, options);
    this.issues = issues;
  }
}

/** A template could not be loaded, compiled or rendered. Always permanent for the message. */
export class TemplateError extends CourierError {
  declare readonly code: TemplateErrorCode;

  // eslint-disable-next-line @typescript-eslint/no-useless-constructor -- narrows the codes it accepts to TemplateErrorCode
  constructor(code: TemplateErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Options describing how a delivery failure should be treated by the worker. */
export interface DeliveryErrorOptions {
  /** True when trying again later may succeed (network, 4xx SMTP, HTTP 5xx/408/429). */
  readonly retryable: boolean;
  /** Minimum wait before the next attempt, e.g. from an HTTP `Retry-After` header. */
  readonly retryAfterMs?: number;
  /**
   * True when the message was handed over and no answer came (the connection failed after
   * SMTP DATA's final dot, or after an HTTP request was written): it may have been delivered.
   */
  readonly outcomeUnknown?: boolean;
  readonly cause?: unknown;
}

/**
 * A delivery attempt failed. Strategies classify their own failures into
 * retryable or permanent; the worker maps permanent ones to BullMQ's
 * `UnrecoverableError` in exactly one place.
 */
export class DeliveryError extends CourierError {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  /** See {@link DeliveryErrorOptions.outcomeUnknown}. */
  readonly outcomeUnknown: boolean;

  constructor(code: CourierErrorCode, message: string, options: DeliveryErrorOptions) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }
}

/** The serialisable summary of a failure stored with a dispatch. */
export interface ErrorSummary {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

/**
 * Summarise any thrown value for storage: Courier errors keep their code and
 * classification; anything else is an internal, retryable error.
 */
export function summarizeError(err: unknown): ErrorSummary {
  if (err instanceof DeliveryError) {
    return { code: err.code, message: err.message, retryable: err.retryable };
  }
  if (err instanceof TemplateError || err instanceof ConfigError) {
    return { code: err.code, message: err.message, retryable: false };
  }
  if (err instanceof CourierError) {
    return { code: err.code, message: err.message, retryable: true };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, retryable: true };
}
