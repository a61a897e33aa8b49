/**
 * Server timeouts from `producer.timeouts` / `worker.timeouts`, in the shape
 * Fastify's options take them (`requestTimeout`, `keepAliveTimeout`, and Node's
 * `http.createServer` options under `http`), for both apps' HTTP servers.
 */
import type { HttpTimeouts } from './schema.js';

/** Fastify server options that bound how long a client may take (slow-loris protection). */
export interface HttpServerTimeoutOptions {
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly http: { readonly headersTimeout: number; readonly connectionsCheckingInterval: number };
}

/**
 * The options for `t`. Node enforces the request and headers timeouts from a
 * timer that checks open connections every `connectionsCheckingInterval` (30 s
 * by default, which would let a 1 s timeout run 30 s): it is set to a quarter of
 * the shorter timeout, at most a second, so a timeout fires close to when due.
 */
export function httpServerTimeouts(t: HttpTimeouts): HttpServerTimeoutOptions {
  const checkEvery = Math.min(1_000, Math.max(50, Math.floor(Math.min(t.request_ms, t.headers_ms) / 4)));
  return {
    requestTimeout: t.request_ms,
    keepAliveTimeout: t.keep_alive_ms,
    http: { headersTimeout: t.headers_ms, connectionsCheckingInterval: checkEvery },
  };
}
