/**
 * Request guards of the dashboard scope: anti-framing headers, a same-origin
 * check for state-changing calls, and the route allow-list. Each is a Fastify
 * `onRequest` hook, so they run after routing (the matched route is known) and
 * before any body is read.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { dashboardAccess, relativeRoute } from './allow-list.js';

/** Methods that cannot change state, and so need no origin check. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function refuse(reply: FastifyReply, message: string): Promise<void> {
  await reply.code(403).send({ error: { code: 'forbidden', message } });
}

/**
 * Forbid framing (clickjacking a logged-in operator into pressing "Clean all"),
 * content sniffing and leaking dashboard URLs (which carry job ids) in Referer.
 * Set first, so even the 401 and 403 answers carry them.
 */
export async function securityHeaders(_req: FastifyRequest, reply: FastifyReply): Promise<void> {
  void reply.headers({
    'content-security-policy': "frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  });
}

/**
 * True when the request's Origin (or, without one, its Referer) names the host
 * the request was sent to. The browser attaches the stored Basic login to any
 * request to the dashboard, including one a foreign page makes (CSRF); such a
 * request carries the foreign page's origin, which a page cannot forge. Bull
 * Board's UI sends no custom header to check instead, and browsers send Origin on
 * every non-GET fetch, same-origin ones included, so a request with neither
 * header is refused too (scripts calling the dashboard API must send an Origin).
 * Only the host is compared, not the scheme: behind a TLS-terminating proxy the
 * producer sees http while the page is https.
 */
export function isSameOrigin(req: FastifyRequest): boolean {
  const host = req.headers.host;
  const source = req.headers.origin ?? req.headers.referer;
  if (host === undefined || source === undefined) return false;
  try {
    const from = new URL(source);
    if (from.protocol !== 'http:' && from.protocol !== 'https:') return false;
    // Parsed with the origin's scheme, so `host:80` and `host` compare equal for http.
    return from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    // `Origin: null` (sandboxed frames, some redirects) and malformed values.
    return false;
  }
}

/** Refuse state-changing requests that do not come from the dashboard's own pages. */
export async function requireSameOrigin(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (SAFE_METHODS.has(req.method)) return;
  if (!isSameOrigin(req)) {
    await refuse(reply, 'state-changing dashboard requests must come from the dashboard itself (Origin or Referer matching Host)');
  }
}

/**
 * The allow-list hook (see allow-list.ts): refuse any call whose (method, route)
 * pair is not listed, and writes when read-only.
 */
export function allowListedRoutes(basePath: string, readOnly: boolean) {
  return async function onRequest(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const access = dashboardAccess(req.method, relativeRoute(req.routeOptions.url, basePath));
    if (access === undefined) {
      await refuse(reply, 'this dashboard action is disabled: the dashboard shows redacted job data and must not edit, add or strand jobs; use the API');
    } else if (access === 'write' && readOnly) {
      await refuse(reply, 'the dashboard is read-only (producer.dashboard.read_only)');
    }
  };
}
