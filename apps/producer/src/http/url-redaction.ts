/**
 * Request URLs as logged: the values of query parameters that identify people or
 * hand out access (`recipient`, `page_token`) are replaced, the rest kept so a
 * log still says what was asked. Fastify logs every request's URL at info.
 */
import type { FastifyRequest } from 'fastify';

/** Query parameters whose values are never logged. */
const REDACTED_QUERY_PARAMS: ReadonlySet<string> = new Set(['recipient', 'page_token']);

/** `url` (path and query, as received) with the values of {@link REDACTED_QUERY_PARAMS} replaced by `[redacted]`. */
function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  // Split by hand rather than URLSearchParams: the rest of the URL is logged exactly as received.
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // A malformed name is logged as it is (it cannot be one of ours decoded).
      }
      return REDACTED_QUERY_PARAMS.has(name) ? `${rawName}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/** Fastify's `req` log serializer with the URL redacted (same fields as Fastify's own). */
export function serializeRequest(req: FastifyRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a log serialiser must not throw, and injected requests may lack a socket.
    remotePort: req.socket?.remotePort,
  };
}
