/**
 * The HTTP delivery strategy: Kratos's `courier.http.request_config` (and each SMS
 * `courier.channels[].request_config`). The request body is a Jsonnet template
 * rendered with the message's `ctx`; the answer is classified into success (2xx),
 * retryable or permanent failure.
 *
 * Behaviour follows Kratos's `request.Builder` (ory/kratos request/builder.go,
 * config.go, auth_strategy.go): `Content-Type` defaults to `application/json`; with
 * `application/x-www-form-urlencoded` the template's object is form-encoded with
 * keys sorted, as Go's `url.Values.Encode`; `basic_auth` sets `Authorization: Basic`,
 * `api_key` sets a header or adds a cookie.
 */
import { currentVersion, filePathOf, loadUri, type LoadedSource } from '../uri/load-uri.js';
import type { RequestConfig } from '../config/schema.js';
import { DeliveryError, TemplateError } from '../errors.js';
import { buildJsonnetContext } from '../jsonnet/context.js';
import { createJsonnetBatchRenderer } from '../jsonnet/batch/renderer.js';
import { bodySnippet, classifyFetchError, classifyHttpResponse } from './http-errors.js';
import { messageSecrets } from './message-secrets.js';
import { redactSecrets } from '../redaction/secrets.js';
import { findDisallowedAddressError, resolveAllowedAddresses, type DisallowedAddressError } from '../net/address-guard.js';
import type { OutboundHttpOptions } from '../net/guarded-fetch.js';
import { outboundOptionsFor } from '../net/ip-exceptions.js';
import { outboundRequest, responseHeader, type HttpResponse, type ResponseHeaders } from '../net/http-client.js';
import { requestDeadline } from './deadline.js';
import type { DeliveryContext, DeliveryResult, DeliveryStrategy, OutboundMessage } from './strategy.js';

/**
 * The body template used when `request_config.body` is not set: the default of
 * `courier.http.request_config.body` in Kratos's config schema (ory/kratos
 * embedx/config.schema.json, a `base64://` URI), decoded.
 */
export const KRATOS_DEFAULT_BODY_TEMPLATE = `function(ctx) {
  recipient: ctx.Recipient,
  template_type: ctx.TemplateType,
  to: if "TemplateData" in ctx && "To" in ctx.TemplateData then ctx.TemplateData.To else null,
  recovery_code: if "TemplateData" in ctx && "RecoveryCode" in ctx.TemplateData then ctx.TemplateData.RecoveryCode else null,
  recovery_url: if "TemplateData" in ctx && "RecoveryURL" in ctx.TemplateData then ctx.TemplateData.RecoveryURL else null,
  verification_url: if "TemplateData" in ctx && "VerificationURL" in ctx.TemplateData then ctx.TemplateData.VerificationURL else null,
  verification_code: if "TemplateData" in ctx && "VerificationCode" in ctx.TemplateData then ctx.TemplateData.VerificationCode else null,
  subject: ctx.Subject,
  body: ctx.Body
}
`;

/** Options of {@link createHttpStrategy}. */
export interface HttpStrategyOptions extends OutboundHttpOptions {
  /** The parsed `request_config`. */
  readonly requestConfig: RequestConfig;
  /** Strategy name (default `http`), e.g. `http:sms` for a channel. */
  readonly name?: string;
}

/** Header carrying Courier's message id, usable by providers as an idempotency key. */
export const MESSAGE_ID_HEADER = 'X-Courier-Message-Id';

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** How often a `file://` template's modification stamp is looked at. */
const FILE_RECHECK_MS = 1_000;
/** How long an `http(s)://` template is reused before it is fetched again (Kratos caches for an hour). */
const HTTP_TEMPLATE_TTL_MS = 60 * 60_000;
/** Response bytes read for error snippets and provider ids; the rest is discarded. */
const RESPONSE_READ_LIMIT = 4_096;
/** Header values that describe the request and are never secret, so need no redaction. */
const PUBLIC_HEADERS: ReadonlySet<string> = new Set(['content-type', 'accept', 'user-agent', 'content-language']);
/** Shortest configured header value worth redacting from error text. */
const MIN_SECRET_LENGTH = 4;
/**
 * Request headers `fetch` added when not configured, kept so providers see the same
 * requests (`User-Agent` is what Node's built-in `fetch` sends).
 */
const DEFAULT_HEADERS: Readonly<Record<string, string>> = { accept: '*/*', 'user-agent': 'node' };

/**
 * Create the HTTP strategy for one `request_config`.
 *
 * `send` renders the body (batched with concurrent sends, see
 * `jsonnet/batch/`), then sends one request with `timeout_ms` and the
 * caller's abort signal, on undici's `request` (`net/http-client.ts`). `verify`
 * loads and compile-checks the body template without contacting the provider.
 * `close` ends the renderer's Jsonnet session; the connection pool is shared and
 * idles out on its own.
 */
export function createHttpStrategy(options: HttpStrategyOptions): DeliveryStrategy {
  const config = options.requestConfig;
  const name = options.name ?? 'http';
  const url = new URL(config.url);
  const target = url.host;
  const baseHeaders = buildHeaders(config);
  const isForm = mediaType(baseHeaders.get('content-type')) === FORM_CONTENT_TYPE;
  const secrets = secretsOf(config, baseHeaders);
  // Headers as the plain object undici takes, built once; names are lower-case.
  const requestHeaders: Readonly<Record<string, string>> = { ...DEFAULT_HEADERS, ...Object.fromEntries(baseHeaders) };
  const messageIdHeader = baseHeaders.has(MESSAGE_ID_HEADER) ? undefined : MESSAGE_ID_HEADER.toLowerCase();
  // Configured headers other than the descriptive ones may hold credentials (an api_key
  // header, a provider token): none of them follows a redirect to another origin.
  const credentialHeaders: ReadonlySet<string> = new Set(
    [...baseHeaders.keys()].filter((name) => !PUBLIC_HEADERS.has(name) && name !== MESSAGE_ID_HEADER.toLowerCase()),
  );
  // Courier sent GET without a body on fetch (which refuses one) and still does (Kratos would send one);
  // such providers take their data from the URL anyway.
  const sendsBody = config.method !== 'GET';
  const outbound = outboundOptionsFor(options, url);
  const guarded = outbound.disallowPrivateIpRanges === true;
  const doRequest = outboundRequest(outbound);

  const renderer = createJsonnetBatchRenderer({
    source: config.body === undefined ? async () => ({ text: KRATOS_DEFAULT_BODY_TEMPLATE, version: 'default' }) : cachedSource(config.body, options),
    filename: config.body === undefined ? 'default-body.jsonnet' : templateLabel(config.body),
  });

  async function renderBody(message: OutboundMessage): Promise<string> {
    let rendered: unknown;
    try {
      rendered = await renderer.render(buildJsonnetContext(message));
    } catch (err) {
      throw templateFailure(err);
    }
    return isForm ? encodeFormBody(rendered) : JSON.stringify(rendered);
  }

  return {
    name,

    async send(message: OutboundMessage, ctx?: DeliveryContext): Promise<DeliveryResult> {
      const body = sendsBody ? await renderBody(message) : undefined;
      const headers = messageIdHeader === undefined ? requestHeaders : { ...requestHeaders, [messageIdHeader]: message.id };

      const deadline = requestDeadline(config.timeout_ms, ctx?.signal);
      let res: HttpResponse;
      let head: string;
      try {
        try {
          res = await doRequest(url, { method: config.method, headers, body, signal: deadline.signal, credentialHeaders });
        } catch (err) {
          throw fetchFailure(err, ctx?.signal, deadline.timedOut, `${config.method} ${target}`);
        }
        // Always consumes the body (reading at most the limit), so the connection goes back to the pool.
        head = await res.text(RESPONSE_READ_LIMIT).catch(() => '');
      } finally {
        deadline.dispose();
      }
      if (res.status >= 200 && res.status <= 299) {
        const providerMessageId = providerIdOf(head, res.headers);
        return { response: `HTTP ${res.status}`, providerMessageId };
      }
      // A provider may echo the request back: besides configured credentials, the
      // message's own template data (one-time codes, links) must not reach the
      // stored dispatch, the logs or the dashboard.
      const allSecrets = [...secrets, ...messageSecrets(message)];
      const classified = classifyHttpResponse(res.status, res.headers, bodySnippet(redactSecrets(head, allSecrets)));
      throw new DeliveryError(
        classified.code,
        `${config.method} ${target}: ${redactSecrets(classified.message, allSecrets)}`,
        classified.retryAfterMs === undefined
          ? { retryable: classified.retryable }
          : { retryable: classified.retryable, retryAfterMs: classified.retryAfterMs },
      );
    },

    async verify(): Promise<void> {
      if (guarded) {
        // The connect-time check is what protects; this one only reports a refused host at start-up
        // (a name that does not resolve yet is left to the sends).
        const refused = await resolveAllowedAddresses(url.hostname).then(() => undefined, findDisallowedAddressError);
        if (refused !== undefined) throw addressRefused(`${config.method} ${target}`, refused);
      }
      await renderer.check();
    },

    async close(): Promise<void> {
      await renderer.close();
    },
  };
}

/** The request headers from config, with Kratos's default `Content-Type` and the configured auth applied. */
function buildHeaders(config: RequestConfig): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(config.headers)) headers.set(key, value);
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  const auth = config.auth;
  if (auth?.type === 'basic_auth') {
    const token = Buffer.from(`${auth.config.user}:${auth.config.password}`, 'utf8').toString('base64');
    headers.set('authorization', `Basic ${token}`);
  } else if (auth?.type === 'api_key') {
    if (auth.config.in === 'cookie') {
      const cookie = `${auth.config.name}=${cookieValue(auth.config.value)}`;
      const existing = headers.get('cookie');
      headers.set('cookie', existing === null || existing === '' ? cookie : `${existing}; ${cookie}`);
    } else {
      headers.set(auth.config.name, auth.config.value);
    }
  }
  return headers;
}

/** Go's `http.Cookie` quotes a value containing a space or comma; do the same so providers parse it alike. */
function cookieValue(value: string): string {
  return /[ ,]/.test(value) ? `"${value}"` : value;
}

/** The lower-cased media type of a `Content-Type` value, without parameters. */
function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Every credential that must never appear in an error message. */
function secretsOf(config: RequestConfig, headers: Headers): string[] {
  const secrets: string[] = [];
  const auth = config.auth;
  if (auth?.type === 'basic_auth') {
    secrets.push(auth.config.password, Buffer.from(`${auth.config.user}:${auth.config.password}`).toString('base64'));
  } else if (auth?.type === 'api_key') {
    secrets.push(auth.config.value);
  }
  headers.forEach((value, key) => {
    if (!PUBLIC_HEADERS.has(key)) secrets.push(value);
  });
  const target = new URL(config.url);
  for (const part of [target.username, target.password]) {
    if (part !== '') secrets.push(decodeURIComponent(part), part);
  }
  return secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}


/**
 * Form-encode a rendered body. Kratos decodes the Jsonnet result into a Go
 * `map[string]string` and encodes it with `url.Values.Encode` (keys sorted, Go's
 * query escaping, `null` becoming an empty value); Courier does the same, and is
 * more lenient where Kratos would fail: numbers and booleans become their JSON text,
 * nested objects and arrays their JSON.
 *
 * @throws DeliveryError `HTTP_BODY_INVALID` (permanent) when the result is not an object.
 */
export function encodeFormBody(rendered: unknown): string {
  if (rendered === null || typeof rendered !== 'object' || Array.isArray(rendered)) {
    throw new DeliveryError(
      'HTTP_BODY_INVALID',
      'a form-encoded body template must produce an object of fields',
      { retryable: false },
    );
  }
  return Object.keys(rendered)
    .sort()
    .map((key) => {
      const value = (rendered as Record<string, unknown>)[key];
      const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
      return `${goQueryEscape(key)}=${goQueryEscape(text)}`;
    })
    .join('&');
}

/** Go's `url.QueryEscape`: everything but `A-Za-z0-9-_.~` percent-encoded (upper-case hex), space as `+`. */
function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * A loader for a template URI that reloads a changed `file://` (looked at no more
 * than once a second) and refetches an `http(s)://` template hourly.
 */
function cachedSource(uri: string, outbound: OutboundHttpOptions): () => Promise<LoadedSource> {
  let cached: LoadedSource | undefined;
  let loadedAt = 0;
  let checkedAt = 0;
  let pending: Promise<LoadedSource> | undefined;

  async function refresh(): Promise<LoadedSource> {
    if (cached !== undefined) {
      const version = await currentVersion(uri);
      const unchanged = version === undefined ? Date.now() - loadedAt < HTTP_TEMPLATE_TTL_MS : version === cached.version;
      if (unchanged) {
        checkedAt = Date.now();
        return cached;
      }
    }
    const fresh = await loadUri(uri, undefined, outbound);
    cached = fresh;
    loadedAt = checkedAt = Date.now();
    return fresh;
  }

  return () => {
    if (cached !== undefined && Date.now() - checkedAt < FILE_RECHECK_MS) return Promise.resolve(cached);
    pending ??= refresh().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/** A secret-free name for a template URI, used in error positions. */
function templateLabel(uri: string): string {
  if (uri.startsWith('file://')) return filePathOf(uri);
  if (uri.startsWith('base64://')) return 'body.jsonnet (base64)';
  try {
    const u = new URL(uri);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'body.jsonnet';
  }
}

/**
 * Template problems as delivery errors: a template that cannot be loaded may load
 * later (retryable); one that does not compile or fails for this message will fail
 * the same way every time (permanent).
 */
function templateFailure(err: unknown): DeliveryError {
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

/** A host refused by `clients.http.disallow_private_ip_ranges`: permanent, naming the host, never credentials. */
function addressRefused(request: string, refused: DisallowedAddressError): DeliveryError {
  return new DeliveryError('HTTP_ADDRESS_DISALLOWED', `${request}: ${refused.message}`, { retryable: false, cause: refused });
}

/** A rejected request as a delivery error, telling our own timeout from the caller's abort. */
function fetchFailure(err: unknown, callerSignal: AbortSignal | undefined, timedOut: boolean, request: string): DeliveryError {
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

/** A provider's message id from a JSON answer (`id`, `message_id`, `messageId`, `sid`) or an `X-Message-Id` header. */
function providerIdOf(body: string, headers: ResponseHeaders): string | undefined {
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
