/**
 * The worker's operations endpoints: `GET /health/alive`, `GET /health/ready`
 * (Redis reachable and every delivery strategy verified) and Prometheus
 * `GET /metrics`. No authentication, so readiness answers a generic reason per
 * failed check (an error's text may name hosts or provider answers) and the
 * detail goes to the log; connections are bounded by `worker.timeouts`.
 *
 * Plain `node:http`: three GET routes need no framework, and loading Fastify
 * cost the worker's start-up about a tenth of its CPU (the producer keeps it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { httpServerTimeouts, type HttpTimeouts } from '@courier/core';

/** A readiness check: resolves when healthy, rejects when not. */
type ReadinessCheck = () => Promise<void>;

/** A readiness failure whose message is safe to answer publicly (says what, not why: no hosts, no provider text). */
export class PublicReadinessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublicReadinessError';
  }
}

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  readonly host: string;
  readonly port: number;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly registry: Registry;
  /** Request, headers and keep-alive timeouts (`worker.timeouts`). */
  readonly timeouts: HttpTimeouts;
  /** Told each failed check with its detail (for the log). */
  readonly onCheckFailed?: (check: string, error: string) => void;
}

const CHECK_TIMEOUT_MS = 2_000;

/** What readiness answers for a failed check that did not say something public. */
const GENERIC_REASON = 'unavailable';

async function runCheck(check: ReadinessCheck): Promise<{ public: string; detail: string } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return undefined;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { public: err instanceof PublicReadinessError ? err.message : GENERIC_REASON, detail };
  } finally {
    clearTimeout(timer);
  }
}

/** The running server; `close` stops accepting, closes idle connections and waits for the others. */
export interface HealthServer {
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string, head: boolean): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Start the server; resolves with it once listening (its port may have been 0). */
export async function startHealthServer(options: HealthServerOptions): Promise<{ server: HealthServer; port: number }> {
  const { requestTimeout, keepAliveTimeout, http } = httpServerTimeouts(options.timeouts);
  const ready = async (): Promise<{ status: number; body: unknown }> => {
    const entries = await Promise.all(Object.entries(options.checks).map(async ([name, check]) => [name, await runCheck(check)] as const));
    const errors: Record<string, string> = {};
    for (const [name, failure] of entries) {
      if (failure === undefined) continue;
      errors[name] = failure.public;
      options.onCheckFailed?.(name, failure.detail);
    }
    return Object.keys(errors).length > 0 ? { status: 503, body: { status: 'unavailable', errors } } : { status: 200, body: { status: 'ok' } };
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && !head) {
      send(res, 404, JSON_TYPE, JSON.stringify({ status: 'not_found' }), head);
      return;
    }
    if (path === '/health/alive') send(res, 200, JSON_TYPE, JSON.stringify({ status: 'ok' }), head);
    else if (path === '/health/ready') {
      const { status, body } = await ready();
      send(res, status, JSON_TYPE, JSON.stringify(body), head);
    } else if (path === '/metrics') send(res, 200, options.registry.contentType, await options.registry.metrics(), head);
    else send(res, 404, JSON_TYPE, JSON.stringify({ status: 'not_found' }), head);
  };
  const server = createServer({ requestTimeout, headersTimeout: http.headersTimeout, connectionsCheckingInterval: http.connectionsCheckingInterval }, (req, res) => {
    // Requests have no body to read; whatever a client sends is drained.
    req.resume();
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, JSON_TYPE, JSON.stringify({ status: 'error' }), false);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = keepAliveTimeout;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server: {
      close: () =>
        new Promise<void>((resolve, reject) => {
          server.close((err) => (err === undefined ? resolve() : reject(err)));
          server.closeIdleConnections();
        }),
    },
    port,
  };
}
