/**
 * Loading template sources from the URIs Kratos accepts: `file://`, `base64://`
 * and `http(s)://` (through Courier's one outbound HTTP client, `net/http-client.ts`,
 * so the private-address guard applies as it does to deliveries). Callers cache
 * through `cached-source.ts`, the one refresh policy.
 */
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TemplateError } from '../errors.js';
import { findDisallowedAddressError } from '../net/address-guard.js';
import { DEFAULT_REQUEST_HEADERS, networkErrorCode, outboundRequest, responseHeader, type HttpResponse, type OutboundHttpOptions } from '../net/http-client.js';
import { outboundOptionsFor } from '../net/ip-exceptions.js';

/** Largest `http(s)://` template accepted, in bytes; a larger answer fails to load rather than being cut off. */
export const MAX_REMOTE_TEMPLATE_BYTES = 4 * 1024 * 1024;

/** The text behind a URI, with a version stamp that changes when the source does. */
export interface LoadedSource {
  readonly text: string;
  /** For files: modification time and size; for base64: constant; for http: ETag or content hash. */
  readonly version: string;
}

/** Resolve a `file://` URI, accepting Kratos's relative form `file://./x` (relative to the working directory). */
export function filePathOf(uri: string): string {
  const rest = uri.slice('file://'.length);
  if (rest.startsWith('/')) return fileURLToPath(uri);
  return decodeURIComponent(rest);
}

/**
 * Cheap change check: the version a URI would load with now, or undefined when it
 * cannot be known without loading (http). Used to pick up changed template files.
 */
export async function currentVersion(uri: string): Promise<string | undefined> {
  if (uri.startsWith('file://')) {
    const st = await stat(filePathOf(uri)).catch(() => undefined);
    return st === undefined ? 'missing' : `${st.mtimeMs}:${st.size}`;
  }
  if (uri.startsWith('base64://')) return 'static';
  return undefined;
}

/**
 * Load the text behind a template URI.
 *
 * @param timeoutMs - Timeout for http(s) fetches.
 * @param outbound - `disallowPrivateIpRanges` refuses http(s) hosts that resolve to non-public addresses.
 * @throws TemplateError `TEMPLATE_LOAD_FAILED` naming the scheme and reason (never the URI's userinfo), or
 *   `TEMPLATE_URL_DISALLOWED` (permanent) when the guard refused the host.
 */
export async function loadUri(uri: string, timeoutMs = 10_000, outbound: OutboundHttpOptions = {}): Promise<LoadedSource> {
  if (uri.startsWith('file://')) {
    const path = filePathOf(uri);
    try {
      const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      return { text, version: `${st.mtimeMs}:${st.size}` };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new TemplateError('TEMPLATE_LOAD_FAILED', `cannot read template file ${path} (${code})`, { cause: err });
    }
  }
  if (uri.startsWith('base64://')) {
    const b64 = uri.slice('base64://'.length);
    if (!/^[A-Za-z0-9+/=_-]*$/.test(b64)) {
      throw new TemplateError('TEMPLATE_LOAD_FAILED', 'base64:// template is not valid base64');
    }
    return { text: Buffer.from(b64, 'base64').toString('utf8'), version: 'static' };
  }
  if (uri.startsWith('http://') || uri.startsWith('https://')) {
    const url = new URL(uri);
    const safe = `${url.protocol}//${url.host}${url.pathname}`;
    let res: HttpResponse;
    let text: string;
    try {
      res = await outboundRequest(outboundOptionsFor(outbound, url))(url, {
        method: 'GET',
        headers: DEFAULT_REQUEST_HEADERS,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Always consumes the body, so the connection goes back to the pool.
      text = res.status >= 200 && res.status <= 299 ? await res.text(MAX_REMOTE_TEMPLATE_BYTES + 1) : (res.discard(), '');
    } catch (err) {
      const refused = findDisallowedAddressError(err);
      if (refused !== undefined) {
        throw new TemplateError('TEMPLATE_URL_DISALLOWED', `cannot fetch template ${safe}: ${refused.message}`, { cause: refused });
      }
      const reason = networkErrorCode(err) ?? (err as Error).name;
      throw new TemplateError('TEMPLATE_LOAD_FAILED', `cannot fetch template ${safe}: ${reason}`, {
        cause: err,
      });
    }
    if (res.status < 200 || res.status > 299) {
      throw new TemplateError('TEMPLATE_LOAD_FAILED', `cannot fetch template ${safe}: HTTP ${res.status}`);
    }
    if (Buffer.byteLength(text) > MAX_REMOTE_TEMPLATE_BYTES) {
      throw new TemplateError('TEMPLATE_LOAD_FAILED', `cannot fetch template ${safe}: larger than ${MAX_REMOTE_TEMPLATE_BYTES} bytes`);
    }
    return { text, version: responseHeader(res.headers, 'etag') ?? `len:${text.length}:${hash(text)}` };
  }
  const scheme = uri.split(':')[0] ?? '';
  throw new TemplateError('TEMPLATE_LOAD_FAILED', `unsupported template URI scheme "${scheme}:"`);
}

function hash(s: string): string {
  // FNV-1a: only a change detector, not security.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}
