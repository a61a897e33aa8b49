/**
 * In-process producers for the Bull Board tests: several instances (e.g. one
 * read-only) can share one Redis key prefix and so show the same queue.
 */
import { Writable } from 'node:stream';
import { createLogger, parseConfig, type CourierConfig } from '@courier/core';
import { buildProducer } from '../../src/app.js';

/** The API key every dashboard test producer accepts. */
export const DASHBOARD_TEST_KEY = 'dashboard-test-key-0123456789';

/** A producer listening on a loopback port. */
export interface DashboardProducer {
  readonly url: string;
  readonly config: CourierConfig;
  close(): Promise<void>;
}

/** The Redis URL the vitest global setup provides. */
export function testRedisUrl(): string {
  const url = process.env['REDIS_URL'];
  if (url === undefined) throw new Error('REDIS_URL is not set (the vitest global setup provides it; run the tests through vitest)');
  return url;
}

/** Start a producer over `prefix`; nothing consumes its queue. */
export async function startDashboardProducer(options: { prefix: string; readOnly: boolean }): Promise<DashboardProducer> {
  const config = parseConfig({
    // A closed port: nothing here delivers, but the smtp strategy needs a URI to validate.
    courier: { smtp: { connection_uri: 'smtp://127.0.0.1:9/?disable_starttls=true' } },
    redis: { url: testRedisUrl(), prefix: options.prefix },
    producer: { api_keys: [DASHBOARD_TEST_KEY], dashboard: { enabled: true, read_only: options.readOnly } },
  });
  // Logs are swallowed: request lines for every Bull Board asset would bury the test output.
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const producer = await buildProducer(config, createLogger({ level: 'warn', app: 'courier-producer', destination: sink }));
  await producer.app.listen({ host: '127.0.0.1', port: 0 });
  const address = producer.app.server.address();
  if (address === null || typeof address !== 'object') throw new Error('producer is not listening on a TCP port');
  const url = `http://127.0.0.1:${address.port}`;
  try {
    await waitUntilReady(url);
  } catch (err) {
    await producer.close();
    throw err;
  }
  return { url, config, close: () => producer.close() };
}

/**
 * Wait for `/health/ready`: the producer's Redis connection is fail-fast, so a
 * request sent before it has connected gets a 503 rather than waiting.
 */
async function waitUntilReady(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/health/ready`).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (!(res instanceof Error) && res.status === 200) return;
    last = res instanceof Error ? res.message : `HTTP ${res.status}`;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`producer at ${url} not ready within ${timeoutMs} ms (last: ${last})`);
}

export { deleteKeysWithPrefix } from '@courier/testkit';
