/**
 * Courier's one outbound HTTP client, on undici's `request()`, not WHATWG `fetch`:
 * HTTP deliveries (`delivery/http/`) and `http(s)://` templates (`uri/load-uri.ts`)
 * both send through it, so `clients.http.disallow_private_ip_ranges` applies to both alike.
 *
 * `fetch` builds web streams, `Request`/`Response`/`Headers` objects and
 * FinalizationRegistry entries per call, garbage that only full GCs collect; at a
 * thousand sends a second that is measurable CPU, more so under a capped heap.
 * `request()` hands back a Node stream and a plain header object. What `fetch` did
 * for Courier is kept: redirects are followed as its `redirect: 'follow'` does (at
 * most {@link MAX_REDIRECTS} hops, 301/302 POST and 303 become GET without a
 * body, credentials dropped on a cross-origin hop), a URL holding credentials is
 * refused, and the connection pool is shared and kept alive. With
 * `clients.http.disallow_private_ip_ranges` requests go through the guarded agent
 * (`guarded-agent.ts`), whose connector checks every connection, each hop's too.
 */
import type { Dispatcher } from 'undici';
import { CourierError } from '../errors.js';
import { guardedAgent, plainAgent } from './guarded-agent.js';
import { undici } from './undici-lazy.js';

/** Options shared by everything that makes outbound HTTP requests (deliveries and `http(s)://` templates). */
export interface OutboundHttpOptions {
  /**
   * Refuse hosts that are or resolve to private, loopback, link-local,
   * unique-local, CGNAT or other non-public addresses
   * (`clients.http.disallow_private_ip_ranges`). Default false.
   */
  readonly disallowPrivateIpRanges?: boolean | undefined;
  /**
   * URLs (Ory globs, see `ip-exceptions.ts`) the guard lets through
   * (`clients.http.private_ip_exception_urls`). A request to one of them follows
   * its redirects unchecked; Kratos checks each hop.
   */
  readonly privateIpExceptionUrls?: readonly string[] | undefined;
}

/**
 * Request headers sent unless the caller sets its own: what Node's built-in `fetch`
 * sent when Courier used it, kept so providers and template hosts see the same requests.
 */
export const DEFAULT_REQUEST_HEADERS: Readonly<Record<string, string>> = { accept: '*/*', 'user-agent': 'node' };

/** Most redirects followed for one request, as `fetch` does. */
export const MAX_REDIRECTS = 20;

/** Response headers: lower-cased names; a repeated header is an array. */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** One outbound request. */
interface HttpRequestInit {
  /** Upper-case method, e.g. `POST`. */
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The body; omit for none. An iterable is read anew for each hop and needs a `content-length` header. */
  readonly body?: string | AsyncIterable<Uint8Array> | undefined;
  /** Aborts the request, and the reading of its answer. */
  readonly signal?: AbortSignal | undefined;
  /**
   * More header names (lower case) that carry credentials, dropped like
   * `authorization` when a redirect leads to another origin (e.g. an API key header).
   */
  readonly credentialHeaders?: ReadonlySet<string> | undefined;
}

/**
 * An answer. Its body holds a pooled connection until it is consumed: call
 * {@link HttpResponse.text} or {@link HttpResponse.discard} exactly once.
 */
export interface HttpResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** Read at most `limit` bytes of the body as UTF-8, then discard the rest. */
  text(limit: number): Promise<string>;
  /** Discard the body without reading it. */
  discard(): void;
}

/** Sends one request, following redirects; rejects with undici's or the connector's error. */
export type HttpRequestFunction = (url: URL, init: HttpRequestInit) => Promise<HttpResponse>;

/** Error codes of redirects that `fetch` would have failed as network errors. */
export type RedirectErrorCode = 'ERR_TOO_MANY_REDIRECTS' | 'ERR_INVALID_REDIRECT';

/** A redirect that cannot be followed. The message never quotes the location (it may hold a secret). */
export class RedirectError extends CourierError {
  declare readonly code: RedirectErrorCode;

  // eslint-disable-next-line @typescript-eslint/no-useless-constructor -- narrows the codes it accepts to RedirectErrorCode
  constructor(code: RedirectErrorCode, message: string) {
    super(code, message);
  }
}

/** Bytes of a body read past the caller's limit so its connection can be reused; larger bodies close it. */
const DISCARD_LIMIT = 64 * 1024;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Request headers describing a body, dropped when a redirect drops the body (fetch's "request-body-header names"). */
const BODY_HEADERS: ReadonlySet<string> = new Set(['content-encoding', 'content-language', 'content-location', 'content-type']);
/** Request headers dropped on a cross-origin redirect, as undici's fetch does. */
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'host']);

/**
 * A request function sending through `dispatcher()` (called per request, so an agent
 * can be created on first use).
 */
export function createHttpRequest(dispatcher: () => Dispatcher): HttpRequestFunction {
  return async (url, init) => {
    if (url.username !== '' || url.password !== '') {
      // As fetch: credentials belong in `auth` or a header, not in the URL.
      throw new TypeError('a request URL must not include credentials');
    }
    let target = url;
    let { method, headers, body } = init;
    for (let hops = 0; ; hops++) {
      const res = await undici().request(target, {
        dispatcher: dispatcher(),
        method: method as Dispatcher.HttpMethod,
        headers,
        // undici sends an (async) iterable body as it does a stream, but its types omit it.
        body: (body ?? null) as string | null,
        signal: init.signal,
      });
      const location = REDIRECT_STATUSES.has(res.statusCode) ? responseHeader(res.headers, 'location') : undefined;
      if (location === undefined) return response(res);
      discardBody(res.body);
      if (hops >= MAX_REDIRECTS) throw new RedirectError('ERR_TOO_MANY_REDIRECTS', `more than ${MAX_REDIRECTS} redirects`);
      const next = redirectTarget(location, target);
      if (next === undefined) throw new RedirectError('ERR_INVALID_REDIRECT', `HTTP ${res.statusCode} redirect to an invalid or non-HTTP(S) location`);
      const toGet = ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST') || (res.statusCode === 303 && method !== 'GET' && method !== 'HEAD');
      const crossOrigin = next.origin !== target.origin;
      const credential = (name: string): boolean => CREDENTIAL_HEADERS.has(name) || init.credentialHeaders?.has(name) === true;
      if (toGet || crossOrigin) headers = withoutHeaders(headers, (name) => (toGet && BODY_HEADERS.has(name)) || (crossOrigin && credential(name)));
      if (toGet) {
        method = 'GET';
        body = undefined;
      }
      target = next;
    }
  };
}

/** The process's request function for outbound deliveries under `options`: guarded or plain, one pool each. */
export function outboundRequest(options: OutboundHttpOptions = {}): HttpRequestFunction {
  return options.disallowPrivateIpRanges === true ? guardedRequest : plainRequest;
}

const guardedRequest = createHttpRequest(guardedAgent);
const plainRequest = createHttpRequest(plainAgent);

/**
 * The `code` of a Node/undici error (`ECONNREFUSED`, `UND_ERR_CONNECT_TIMEOUT`,
 * `ERR_TOO_MANY_REDIRECTS`...), looking through `cause` chains and the per-address
 * errors of a happy-eyeballs `AggregateError`; undefined when there is none.
 */
export function networkErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
    // AggregateError (happy-eyeballs connect) holds the per-address errors.
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = networkErrorCode(errors[0]);
      if (inner !== undefined) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** One header of an answer (the first, when repeated), or undefined. */
export function responseHeader(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function response(res: Dispatcher.ResponseData): HttpResponse {
  return {
    status: res.statusCode,
    headers: res.headers,
    text: (limit) => readHead(res.body, responseHeader(res.headers, 'content-length'), limit),
    discard: () => discardBody(res.body),
  };
}

type Body = Dispatcher.ResponseData['body'];

/** Read a body to its end or to `limit` bytes, whichever is first, then discard what is left. */
async function readHead(body: Body, contentLength: string | undefined, limit: number): Promise<string> {
  // A short answer of declared length (the usual case) is read whole in one go.
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  if (Number.isInteger(declared) && declared >= 0 && declared <= limit) return body.text();
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (err: Error | undefined, ended: boolean): void => {
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err !== undefined) {
        reject(err);
        return;
      }
      if (!ended) discardBody(body);
      resolve(Buffer.concat(chunks, size).subarray(0, limit).toString('utf8'));
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) settle(undefined, false);
    };
    const onEnd = (): void => settle(undefined, true);
    const onError = (err: Error): void => settle(err, true);
    // Closed without 'end' or 'error' (destroyed quietly): the answer was cut off.
    const onClose = (): void => settle(new Error('response body closed before its end'), true);
    body.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** Drain a small remainder so the connection goes back to the pool; a large one closes it. */
function discardBody(body: Body): void {
  body.dump({ limit: DISCARD_LIMIT }).catch(() => undefined);
}

/** A redirect's absolute target, or undefined when it is not a valid credential-free HTTP(S) URL. */
function redirectTarget(location: string, base: URL): URL | undefined {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch {
    return undefined;
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return undefined;
  if (next.username !== '' || next.password !== '') return undefined;
  return next;
}

function withoutHeaders(headers: Readonly<Record<string, string>>, drop: (lowerName: string) => boolean): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!drop(name.toLowerCase())) kept[name] = value;
  return kept;
}
