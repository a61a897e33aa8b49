/**
 * One JSON request to the producer: auth header, deadline, and the mapping of
 * every failure (error answer, no answer, unreadable answer) to CourierApiError.
 */
import { CourierApiError, type FieldError } from './errors.js';

/** A successful answer. */
interface TransportResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** A request: method, path (with query) and an optional JSON body. */
interface TransportRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends requests to one producer with one key. */
export type Transport = <T>(request: TransportRequest) => Promise<TransportResponse<T>>;

/** What a transport needs. */
export interface TransportOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly fetch: typeof globalThis.fetch;
  readonly timeoutMs: number;
}

const USER_AGENT = 'courier-client/0.1';

/** Parse `Retry-After` (delta-seconds or an HTTP date) into milliseconds. */
function parseRetryAfterHeader(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function isFieldErrors(value: unknown): value is FieldError[] {
  return (
    Array.isArray(value) && value.every((d) => typeof d === 'object' && d !== null && typeof (d as FieldError).path === 'string' && typeof (d as FieldError).message === 'string')
  );
}

/** The API's `{ error: { code, message, details? } }`, when the body is one. */
function apiErrorBody(body: unknown): { code: string; message: string; details?: FieldError[] } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, details } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return isFieldErrors(details) ? { code, message, details } : { code, message };
}

/** The most specific reason a fetch failed (undici hides the socket error in `cause`). */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const inner = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown; message?: unknown }) : undefined;
  if (typeof inner?.code === 'string') return inner.code;
  if (typeof inner?.message === 'string' && inner.message !== '') return inner.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Create a transport. The key lives only in this closure and the outgoing
 * header; every error text is scrubbed of it in case a lower layer echoes it.
 */
export function createTransport(options: TransportOptions): Transport {
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const scrub = (text: string): string => text.split(options.apiKey).join('[redacted]');

  return async function request<T>(req: TransportRequest): Promise<TransportResponse<T>> {
    const url = new URL(`${basePath}${req.path}`, base);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': USER_AGENT,
      ...req.headers,
      authorization: `Bearer ${options.apiKey}`,
    };
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    const fail = (init: Omit<ConstructorParameters<typeof CourierApiError>[0], 'method' | 'path'>): CourierApiError =>
      new CourierApiError({ ...init, message: scrub(init.message), method: req.method, path: req.path });

    let res: Response;
    let text: string;
    try {
      // One deadline for the whole exchange: a server that sends headers and then stalls still times out.
      const signal = AbortSignal.timeout(options.timeoutMs);
      res = await options.fetch(url, { method: req.method, headers, ...(payload === undefined ? {} : { body: payload }), signal, redirect: 'error' });
      text = await res.text();
    } catch (err) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
        throw fail({ status: 0, code: 'timeout', message: `${req.method} ${req.path}: no answer from ${base.origin} within ${options.timeoutMs} ms`, cause: err });
      }
      throw fail({ status: 0, code: 'network_error', message: `${req.method} ${req.path}: cannot reach ${base.origin} (${networkReason(err)})`, cause: err });
    }

    let body: unknown;
    let parsed = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
        parsed = true;
      } catch {
        // Reported below according to the status.
      }
    }
    if (res.ok) {
      if (!parsed) {
        throw fail({ status: res.status, code: 'invalid_response', message: `${req.method} ${req.path}: answer ${res.status} is not JSON` });
      }
      return { status: res.status, headers: res.headers, body: body as T };
    }
    const apiError = parsed ? apiErrorBody(body) : undefined;
    const retryAfterMs = parseRetryAfterHeader(res.headers.get('retry-after'));
    throw fail({
      status: res.status,
      code: apiError?.code ?? `http_${res.status}`,
      message: apiError?.message ?? `${req.method} ${req.path}: HTTP ${res.status}${res.statusText === '' ? '' : ` ${res.statusText}`}`,
      ...(apiError?.details === undefined ? {} : { details: apiError.details.map((d) => ({ path: d.path, message: scrub(d.message) })) }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  };
}
