/**
 * `GET /health/alive` (the process answers) and `GET /health/ready` (Redis
 * answers a PING within a second). No authentication, so no detail either: a
 * failed check answers a generic reason and the error itself is logged (it may
 * name hosts, ports or worse).
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { RedisConnection } from '@courier/store';

/** Register the routes. */
export function registerHealthRoutes(app: FastifyInstance, redis: RedisConnection, logger: FastifyBaseLogger): void {
  app.get('/health/alive', { config: { scope: 'authenticated' } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { config: { scope: 'authenticated' } }, async (_req, reply) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        redis.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), 1_000);
        }),
      ]);
      return { status: 'ok' };
    } catch (err) {
      logger.warn({ check: 'redis', error: (err as Error).message }, 'readiness check failed');
    } finally {
      clearTimeout(timer);
    }
    return reply.code(503).send({ status: 'unavailable', errors: { redis: 'unavailable' } });
  });
}
