/**
 * The worker's operations endpoints: `GET /health/alive`, `GET /health/ready`
 * (Redis reachable and every delivery strategy verified) and Prometheus
 * `GET /metrics`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** A readiness check: resolves when healthy, rejects (with a secret-free message) when not. */
export type ReadinessCheck = () => Promise<void>;

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  readonly host: string;
  readonly port: number;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly registry: Registry;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<string | undefined> {
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
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

/** Start the server; resolves with it once listening (its port may have been 0). */
export async function startHealthServer(options: HealthServerOptions): Promise<{ server: FastifyInstance; port: number }> {
  const server = Fastify({ logger: false });
  server.get('/health/alive', async () => ({ status: 'ok' }));
  server.get('/health/ready', async (_req, reply) => {
    const entries = await Promise.all(Object.entries(options.checks).map(async ([name, check]) => [name, await runCheck(check)] as const));
    const errors = Object.fromEntries(entries.filter(([, e]) => e !== undefined));
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
