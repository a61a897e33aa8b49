/**
 * The one error the client throws. It never holds the API key: the request's
 * headers are not kept, and any text that could echo them is scrubbed first.
 */

/** One failing field of a 400 answer, e.g. `{ path: 'recipient', message: 'must be a valid e-mail address' }`. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** Client-side codes, used when no API answer carried one. */
export type ClientErrorCode = 'network_error' | 'timeout' | 'invalid_response';

/** What {@link CourierApiError} is built from. */
export interface CourierApiErrorInit {
  /** HTTP status; 0 when no answer was received. */
  readonly status: number;
  /** The API's `error.code` (`invalid_request`, `unauthorized`, `not_found`, ...) or a {@link ClientErrorCode}. */
  readonly code: string;
  readonly message: string;
  readonly details?: readonly FieldError[];
  /** From a `Retry-After` header, in milliseconds. */
  readonly retryAfterMs?: number;
  readonly method: string;
  /** Path and query of the request (never the base URL's credentials). */
  readonly path: string;
  readonly cause?: unknown;
}

/** True for failures that may succeed when the same request is sent again later. */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/** A request to the Courier API failed: an error answer, no answer, or an unreadable one. */
export class CourierApiError extends Error {
  /** HTTP status; 0 when no answer was received (network failure, timeout). */
  readonly status: number;
  readonly code: string;
  /** Failing fields of a 400 answer; empty otherwise. */
  readonly details: readonly FieldError[];
  /** True for network failures, timeouts, 408, 429 and 5xx. */
  readonly retryable: boolean;
  /** How long the server asked to wait before retrying, when it said. */
  readonly retryAfterMs: number | undefined;
  readonly method: string;
  readonly path: string;

  constructor(init: CourierApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'CourierApiError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [];
    this.retryable = isRetryableStatus(init.status);
    this.retryAfterMs = init.retryAfterMs;
    this.method = init.method;
    this.path = init.path;
  }
}
