/**
 * The worker's operations endpoints: `GET /health/alive`, `GET /health/ready`
 * (Redis reachable and every delivery strategy verified) and Prometheus
 * `GET /metrics`. No authentication, so readiness answers a generic reason per
 * failed check (an error's text may name hosts or provider answers) and the
 * detail goes to the log; connections are bounded by `worker.timeouts`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
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

/** Start the server; resolves with it once listening (its port may have been 0). */
export async function startHealthServer(options: HealthServerOptions): Promise<{ server: FastifyInstance; port: number }> {
  const server = Fastify({ logger: false, ...httpServerTimeouts(options.timeouts) });
  server.get('/health/alive', async () => ({ status: 'ok' }));
  server.get('/health/ready', async (_req, reply) => {
    const entries = await Promise.all(Object.entries(options.checks).map(async ([name, check]) => [name, await runCheck(check)] as const));
    const errors: Record<string, string> = {};
    for (const [name, failure] of entries) {
      if (failure === undefined) continue;
      errors[name] = failure.public;
      options.onCheckFailed?.(name, failure.detail);
    }
    if (Object.keys(errors).length > 0) return reply.code(503).send({ status: 'unavailable', errors });
    return { status: 'ok' };
  });
  server.get('/metrics', async (_req, reply) => {
    const body = await options.registry.metrics();
    return reply.header('content-type', options.registry.contentType).send(body);
  });
  await server.listen({ host: options.host, port: options.port });
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return { server, port };
}
