/**
 * The request an HTTP delivery sends, built once per `request_config` as Kratos's
 * `request.Builder` does (ory/kratos request/builder.go, config.go,
 * auth_strategy.go): `Content-Type` defaults to `application/json`; `basic_auth`
 * sets `Authorization: Basic`, `api_key` sets a header or adds a cookie. Also
 * which values are credentials, never to be repeated in an error, and which
 * headers must not follow a redirect to another origin.
 */
import type { RequestConfig } from '../../config/schema.js';
import { DEFAULT_REQUEST_HEADERS } from '../../net/http-client.js';

/** Header carrying Courier's message id, usable by providers as an idempotency key. */
export const MESSAGE_ID_HEADER = 'X-Courier-Message-Id';

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** Header values that describe the request and are never secret, so need no redaction. */
const PUBLIC_HEADERS: ReadonlySet<string> = new Set(['content-type', 'accept', 'user-agent', 'content-language']);
/** Shortest configured header value worth redacting from error text. */
const MIN_SECRET_LENGTH = 4;

/** Everything about a delivery request that does not depend on the message. */
export interface PreparedRequest {
  readonly url: URL;
  readonly method: string;
  /** `METHOD host`, how errors name the request (never a path, query or credentials). */
  readonly label: string;
  /** Headers as the plain object undici takes; names are lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The headers that carry the message id on every attempt (lower-case): `X-Courier-Message-Id`
   * and the idempotency header (`request_config.idempotency_header`), each unless the
   * configuration sets a header of that name itself.
   */
  readonly messageIdHeaders: readonly string[];
  /**
   * Configured headers other than the descriptive ones: they may hold credentials
   * (an api_key header, a provider token), so none follows a redirect to another origin.
   */
  readonly credentialHeaders: ReadonlySet<string>;
  /** The body is form-encoded (`application/x-www-form-urlencoded`), else JSON. */
  readonly isForm: boolean;
  /**
   * False for GET: Courier sent GET without a body on fetch (which refuses one) and
   * still does (Kratos would send one); such providers take their data from the URL.
   */
  readonly sendsBody: boolean;
  /** Every credential of the configuration, longest first: never repeated in an error. */
  readonly secrets: readonly string[];
}

/** Prepare the request of one `request_config`. */
export function prepareRequest(config: RequestConfig): PreparedRequest {
  const url = new URL(config.url);
  const configured = buildHeaders(config);
  const idHeaders = [MESSAGE_ID_HEADER, config.idempotency_header].filter((name) => name !== '' && !configured.has(name)).map((name) => name.toLowerCase());
  const messageIdHeaders = [...new Set(idHeaders)];
  const messageIdName = MESSAGE_ID_HEADER.toLowerCase();
  return {
    url,
    method: config.method,
    label: `${config.method} ${url.host}`,
    headers: { ...DEFAULT_REQUEST_HEADERS, ...Object.fromEntries(configured) },
    messageIdHeaders,
    credentialHeaders: new Set([...configured.keys()].filter((name) => !PUBLIC_HEADERS.has(name) && name !== messageIdName)),
    isForm: mediaType(configured.get('content-type')) === FORM_CONTENT_TYPE,
    sendsBody: config.method !== 'GET',
    secrets: secretsOf(config, configured),
  };
}

/** The headers of the request for one message. */
export function headersFor(request: PreparedRequest, messageId: string): Readonly<Record<string, string>> {
  if (request.messageIdHeaders.length === 0) return request.headers;
  const headers: Record<string, string> = { ...request.headers };
  for (const name of request.messageIdHeaders) headers[name] = messageId;
  return headers;
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
