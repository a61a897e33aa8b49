/**
 * Vitest global setup: provision one Redis for the whole run and hand its URL to
 * every test file through `REDIS_URL` (forked test workers inherit the environment).
 */
import { provisionRedis, type ProvisionedRedis } from './redis.js';

let redis: ProvisionedRedis | undefined;

export async function setup(): Promise<void> {
  redis = await provisionRedis();
  process.env['REDIS_URL'] = redis.url;
  process.stderr.write(`[testkit] Redis for tests: ${redis.url} (${redis.source})\n`);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
