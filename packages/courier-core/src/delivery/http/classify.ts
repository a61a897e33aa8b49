/**
 * What a provider's answer, or its absence, means for an HTTP delivery: the
 * provider's message id of a success, and failures classified into retryable and
 * permanent `DeliveryError`s (docs/architecture.md, "Error codes"): 408, 429 and 5xx
 * and network failures may succeed later; any other non-2xx answer will not; a
 * host refused by the private-address guard is permanent. Messages carry the
 * status and a short snippet of the provider's answer, which callers must have
 * redacted already. Also home of Courier's one `Retry-After` parser.
 */
import { DeliveryError, TemplateError } from '../../errors.js';
import { findDisallowedAddressError, type DisallowedAddressError } from '../../net/address-guard.js';
import { networkErrorCode, responseHeader, type ResponseHeaders } from '../../net/http-client.js';

/** Longest response-body excerpt kept in an error message. */
const MAX_BODY_SNIPPET = 200;

/** Statuses after which the same request may succeed later. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429]);
/** Statuses whose `Retry-After` header is honoured (RFC 9110 §10.2.3 names 503 and 3xx; RFC 6585 adds 429). */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/**
 * Parse a `Retry-After` header: delay-seconds or an HTTP-date.
 *
 * @param value - The header value, if any.
 * @param now - The current time in ms since the epoch (for HTTP-dates).
 * @returns The wait in milliseconds (never negative), or undefined when absent or unparsable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form starts with a weekday; Date.parse alone would accept any number or partial date.
  if (!/^[A-Za-z]{3,9},? /.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** A body excerpt fit for an error message: single-line, at most {@link MAX_BODY_SNIPPET} characters. */
export function bodySnippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_BODY_SNIPPET ? `${flat.slice(0, MAX_BODY_SNIPPET - 3)}...` : flat;
}

/**
 * Turn a non-2xx response into a `DeliveryError`.
 *
 * @param status - The HTTP status.
 * @param headers - The response headers (for `Retry-After`): a `Headers` or undici's plain header object.
 * @param snippet - The start of the response body, already free of secrets; cut to {@link MAX_BODY_SNIPPET}.
 * @param now - The current time, for `Retry-After` HTTP-dates.
 * @returns `HTTP_STATUS_RETRYABLE` (408, 429, 5xx; `retryAfterMs` from `Retry-After` on 429/503)
 *   or `HTTP_STATUS_PERMANENT` (any other status).
 */
export function classifyHttpResponse(status: number, headers: Headers | ResponseHeaders, snippet: string, now: number = Date.now()): DeliveryError {
  const excerpt = bodySnippet(snippet);
  const message = `provider answered HTTP ${status}${excerpt === '' ? '' : `: ${excerpt}`}`;
  const retryable = RETRYABLE_STATUSES.has(status) || (status >= 500 && status <= 599);
  if (!retryable) return new DeliveryError('HTTP_STATUS_PERMANENT', message, { retryable: false });
  const retryAfterMs = RETRY_AFTER_STATUSES.has(status) ? parseRetryAfter(retryAfterOf(headers), now) : undefined;
  return new DeliveryError('HTTP_STATUS_RETRYABLE', message, retryAfterMs === undefined ? { retryable: true } : { retryable: true, retryAfterMs });
}

function retryAfterOf(headers: Headers | ResponseHeaders): string | undefined {
  return headers instanceof Headers ? (headers.get('retry-after') ?? undefined) : responseHeader(headers, 'retry-after');
}

/** Network error codes (Node and undici) that mean the request never got an answer in time. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** undici's code for a request it refused to send (an invalid header, method or option). */
const INVALID_REQUEST_CODES: ReadonlySet<string> = new Set(['UND_ERR_INVALID_ARG']);

/**
 * Turn a rejection of `fetch` or undici's `request` (or of reading the body) into
 * a `DeliveryError`. `fetch` wraps the cause in `TypeError('fetch failed')`;
 * `request` rejects with undici's or the socket's error itself.
 * Every outcome is retryable except a request that could not even be built (an
 * invalid header value, say), which no retry will fix. Messages name only the
 * error class and code, never the library's text, which may quote header values.
 *
 * @returns `HTTP_TIMEOUT` (a `TimeoutError` abort or a socket timeout),
 *   `HTTP_ABORTED` (aborted by the caller), `HTTP_NETWORK` (refused, reset, DNS...),
 *   or `HTTP_REQUEST_INVALID` (permanent).
 */
export function classifyFetchError(err: unknown): DeliveryError {
  const name = err instanceof Error || isDomException(err) ? (err as { name: string }).name : '';
  if (name === 'TimeoutError') {
    return new DeliveryError('HTTP_TIMEOUT', 'request to provider timed out', { retryable: true, cause: err });
  }
  if (name === 'AbortError') {
    return new DeliveryError('HTTP_ABORTED', 'request to provider was aborted', { retryable: true, cause: err });
  }
  const code = networkErrorCode(err);
  if (code !== undefined) {
    if (INVALID_REQUEST_CODES.has(code)) return invalidRequest(err);
    if (TIMEOUT_CODES.has(code)) {
      return new DeliveryError('HTTP_TIMEOUT', `request to provider timed out (${code})`, { retryable: true, cause: err });
    }
    return new DeliveryError('HTTP_NETWORK', `network error talking to provider (${code})`, { retryable: true, cause: err });
  }
  if (err instanceof TypeError && err.message === 'fetch failed') {
    return new DeliveryError('HTTP_NETWORK', 'network error talking to provider', { retryable: true, cause: err });
  }
  if (err instanceof TypeError) return invalidRequest(err);
  return new DeliveryError('HTTP_NETWORK', `error talking to provider (${name || typeof err})`, {
    retryable: true,
    cause: err,
  });
}

function invalidRequest(err: unknown): DeliveryError {
  return new DeliveryError('HTTP_REQUEST_INVALID', 'request to provider could not be built (check url and headers)', {
    retryable: false,
    cause: err,
  });
}

function isDomException(err: unknown): boolean {
  return typeof DOMException !== 'undefined' && err instanceof DOMException;
}

/** A host refused by `clients.http.disallow_private_ip_ranges`: permanent, naming the host, never credentials. */
export function addressRefused(request: string, refused: DisallowedAddressError): DeliveryError {
  return new DeliveryError('HTTP_ADDRESS_DISALLOWED', `${request}: ${refused.message}`, { retryable: false, cause: refused });
}

/** A rejected request as a delivery error, telling our own timeout from the caller's abort. */
export function requestFailure(err: unknown, callerSignal: AbortSignal | undefined, timedOut: boolean, request: string): DeliveryError {
  const refused = findDisallowedAddressError(err);
  if (refused !== undefined) return addressRefused(request, refused);
  if (callerSignal?.aborted === true) {
    return new DeliveryError('HTTP_ABORTED', 'request to provider was aborted', { retryable: true, cause: err });
  }
  if (timedOut) {
    return new DeliveryError('HTTP_TIMEOUT', 'request to provider timed out', { retryable: true, cause: err });
  }
  return classifyFetchError(err);
}

/**
 * Template problems as delivery errors: a template that cannot be loaded may load
 * later (retryable), and so may one that took too long; one that does not compile
 * or fails for this message will fail the same way every time (permanent).
 */
export function templateFailure(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof TemplateError) {
    const retryable = err.code === 'TEMPLATE_LOAD_FAILED' || err.code === 'TEMPLATE_RENDER_TIMEOUT';
    return new DeliveryError(err.code, err.message, { retryable, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DeliveryError('TEMPLATE_RENDER_FAILED', `rendering the request body failed: ${message}`, {
    retryable: false,
    cause: err,
  });
}

/** A provider's message id from a JSON answer (`id`, `message_id`, `messageId`, `sid`) or an `X-Message-Id` header. */
export function providerIdOf(body: string, headers: ResponseHeaders): string | undefined {
  const header = responseHeader(headers, 'x-message-id');
  if (header !== undefined && header !== '') return header;
  if (body === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      for (const key of ['id', 'message_id', 'messageId', 'sid']) {
        const value = (parsed as Record<string, unknown>)[key];
        if (typeof value === 'string' && value !== '') return value.slice(0, 200);
      }
    }
  } catch {
    // Not JSON (or cut off): no id to report.
  }
  return undefined;
}
