/**
 * Every error code Courier uses, in one place: the codes of `CourierError` and its
 * subclasses, and the codes the worker and the store write into a dispatch
 * themselves. A stored dispatch's `error.code` is one of the "stored" codes; the
 * "internal" ones are caught and turned into a stored one before anything is
 * recorded; the store's and the HTTP API's codes are answered to callers, never stored. See docs/architecture.md, "Error codes".
 *
 * A leaf: imports nothing.
 */

/** Codes stored with a dispatch (and shown by the API), with what each means. */
export const STORED_ERROR_CODES = {
  // Configuration (start-up)
  CONFIG_INVALID: 'the configuration could not be loaded or is invalid (start-up only)',
  // Templates (permanent, except TEMPLATE_LOAD_FAILED and TEMPLATE_RENDER_TIMEOUT in HTTP delivery)
  TEMPLATE_LOAD_FAILED: 'a template source could not be read or fetched',
  TEMPLATE_URL_DISALLOWED: 'an http(s):// template host was refused by clients.http.disallow_private_ip_ranges',
  TEMPLATE_COMPILE_FAILED: 'a template does not compile',
  TEMPLATE_RENDER_FAILED: 'a template failed for this message',
  TEMPLATE_RENDER_TIMEOUT: 'a Jsonnet body took longer than its timeout to render',
  TEMPLATE_DATA_INVALID: 'a field a built-in template needs is missing from template_data',
  TEMPLATE_TYPE_UNKNOWN: 'unknown template type or message type',
  // HTTP delivery
  HTTP_STATUS_RETRYABLE: 'the provider answered 408, 429 or 5xx (Retry-After honoured on 429/503)',
  HTTP_STATUS_PERMANENT: 'the provider answered another non-2xx status',
  HTTP_TIMEOUT: 'the request timed out (timeout_ms, or a socket timeout)',
  HTTP_ABORTED: 'the request was aborted by the worker (shutdown, lock lost)',
  HTTP_NETWORK: 'connection refused or reset, DNS failure, or a redirect that cannot be followed',
  HTTP_REQUEST_INVALID: 'the request could not be built (invalid URL or header value)',
  HTTP_BODY_INVALID: 'a form-encoded body template did not produce an object',
  HTTP_ADDRESS_DISALLOWED: 'the provider host was refused by clients.http.disallow_private_ip_ranges',
  // SMTP delivery
  SMTP_TRANSIENT: 'the server answered 4xx (or 503)',
  SMTP_PERMANENT: 'the server answered 5xx',
  SMTP_AUTH: 'authentication failed',
  SMTP_TLS: 'TLS or certificate failure, or STARTTLS missing',
  SMTP_CONNECTION: 'connection failure',
  SMTP_TIMEOUT: 'the server did not answer in time',
  SMTP_ABORTED: 'the send was aborted by the worker (shutdown, lock lost)',
  SMTP_ENVELOPE: 'a sender or recipient address the message cannot be written with or the server refused',
  SMTP_MESSAGE: 'the message could not be sent as written',
  SMTP_CONFIG: 'the transport is misconfigured',
  SMTP_NOT_CONFIGURED: 'courier.smtp.connection_uri is not set',
  UNSUPPORTED_MESSAGE_TYPE: 'the e-mail strategy was handed an SMS',
  ADDRESS_DISALLOWED: 'the SMTP server was refused by clients.smtp.disallow_private_ip_ranges',
  // Channels
  UNKNOWN_CHANNEL: 'the message names a channel that is not configured',
  VERIFY_FAILED: 'a channel failed its start-up verification',
  CHANNEL_CIRCUIT_OPEN: "a fallback chain passed the channel over: its circuit was open (only in a dispatch's failed_channels)",
  // Written by the worker and the store, not thrown by core
  INTERNAL: 'an unexpected error (retryable)',
  INVALID_PAYLOAD: 'the queue job does not hold a valid v1 payload (worker)',
  STALLED: 'BullMQ gave the job up after it stalled too often (worker)',
  FAILED: 'BullMQ gave the job up without a recorded outcome (worker)',
  MESSAGE_EXPIRED: 'the message expired (expires_at) before it was handed to the provider, or its next retry would come after that (worker)',
  JOB_MISSING: 'the queue job of a queued message disappeared (store janitor)',
  RECIPIENT_SUPPRESSED: 'the recipient is on the suppression list: the message was not sent (worker)',
  LOCK_LOST: 'not handed over: the worker may have lost the job lock (lease run out, renewal refused), so another worker may own the message (worker)',
  SMTP_OUTCOME_UNKNOWN: 'the connection failed after the message was handed over (DATA ended) and before the server answered: it may have been delivered',
  HTTP_OUTCOME_UNKNOWN: 'the connection failed or timed out after the request was written and before a response came: the provider may have accepted it',
} as const;

/** Codes used inside core only, always caught and turned into a stored code. */
export const INTERNAL_ERROR_CODES = {
  EVALUATION_TIMEOUT: 'a libjsonnet evaluation did not finish in time (-> TEMPLATE_RENDER_TIMEOUT or TEMPLATE_COMPILE_FAILED)',
  MIME_INPUT_INVALID: 'an address or header cannot be written into a message (-> SMTP_ENVELOPE or CONFIG_INVALID)',
  ERR_TOO_MANY_REDIRECTS: 'more than 20 redirects (-> HTTP_NETWORK, TEMPLATE_LOAD_FAILED)',
  ERR_INVALID_REDIRECT: 'a redirect to an invalid or non-HTTP(S) location (-> HTTP_NETWORK, TEMPLATE_LOAD_FAILED)',
} as const;

/**
 * Codes of errors the store raises to its callers (never stored with a dispatch).
 * @public
 */
export const STORE_ERROR_CODES = {
  PAGE_TOKEN_INVALID: 'a list page token the store did not issue (-> the API answers 400 invalid_request)',
} as const;

/**
 * The producer's HTTP API codes (`{ "error": { "code" } }`), lower-case: a public
 * vocabulary of its own, unchanged by the registry. `ApiError` carries one.
 * @public
 */
export const API_ERROR_CODES = {
  invalid_request: '400: the request (body, query, path or a header) is invalid; details name the fields',
  unauthorized: '401: no valid API key',
  forbidden: '403: the API key lacks the scope the route needs, or the dashboard refuses the client',
  not_found: '404: no such message or route',
  not_cancellable: '409: the message is past the point where it can be cancelled',
  not_retryable: '409: only abandoned messages can be retried',
  idempotency_key_reused: '409: the Idempotency-Key was used with a different request body',
  request_in_progress: '409: a request with this Idempotency-Key is still being processed',
  payload_too_large: '413: the request body is larger than the limit',
  unsupported_media_type: '415: the body is not application/json',
  rate_limited: '429: a recipient limit (producer.rate_limits) is reached; Retry-After says when a place frees',
  internal: '500: an unexpected error (logged)',
  unavailable: '503: the message store (Redis) is unavailable',
} as const;

/** A code of the producer's HTTP API. */
export type ApiErrorCode = keyof typeof API_ERROR_CODES;

/** A code stored with a dispatch. */
export type StoredErrorCode = keyof typeof STORED_ERROR_CODES;

/** Every code a `CourierError` may carry. */
export type CourierErrorCode = StoredErrorCode | keyof typeof INTERNAL_ERROR_CODES | keyof typeof STORE_ERROR_CODES | ApiErrorCode;

/** The codes a `TemplateError` carries. */
export type TemplateErrorCode = Extract<CourierErrorCode, `TEMPLATE_${string}`>;
