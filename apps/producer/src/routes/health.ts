/**
 * `GET /health/alive` (the process answers) and `GET /health/ready` (Redis
 * answers a PING within a second). No authentication, no secrets.
 */
import type { FastifyInstance } from 'fastify';
import type { RedisConnection } from '@courier/store';

/** Register the routes. */
export function registerHealthRoutes(app: FastifyInstance, redis: RedisConnection): void {
  app.get('/health/alive', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_req, reply) => {
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
      return reply.code(503).send({ status: 'unavailable', errors: { redis: (err as Error).message } });
    } finally {
      clearTimeout(timer);
    }
  });
}
