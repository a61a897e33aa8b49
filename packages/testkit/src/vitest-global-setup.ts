/**
 * Vitest global setup: provision one Redis for the whole run and hand its URL to
 * every test file through `REDIS_URL` (forked test workers inherit the environment).
 */
import { provisionRedis, type ProvisionedRedis } from './redis.js';

let redis: ProvisionedRedis | undefined;

export async function setup(): Promise<void> {
  // Logs one line: the source chosen (env, testcontainers, binary) and why.
  redis = await provisionRedis();
  process.env['REDIS_URL'] = redis.url;
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
