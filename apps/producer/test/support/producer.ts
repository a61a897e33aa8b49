/**
 * An in-process producer on a loopback port with its own Redis key prefix.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger, parseConfig, type CourierConfig } from '@courier/core';
import { deleteKeysWithPrefix, uniquePrefix } from '@courier/testkit';
import { buildProducer, type ProducerApp } from '../../src/app.js';

/** A running test producer. */
export interface TestProducer {
  readonly url: string;
  readonly config: CourierConfig;
  readonly producer: ProducerApp;
  readonly redis: Redis;
  /** Every log line the producer wrote. */
  readonly logs: string[];
  /** The same configuration as a file, for a worker child process. */
  readonly configPath: string;
  close(): Promise<void>;
}

/** Start a producer; `raw` is merged over test defaults (a shallow merge per section). */
export async function startProducer(raw: Record<string, Record<string, unknown>> = {}): Promise<TestProducer> {
  const redisUrl = process.env['REDIS_URL'];
  if (redisUrl === undefined) throw new Error('REDIS_URL is not set (vitest global setup provides it)');
  const prefix = `{${uniquePrefix('p')}}`;
  const rawConfig = {
    ...raw,
    courier: { smtp: { connection_uri: 'smtp://127.0.0.1:9/?disable_starttls=true' }, ...raw['courier'] },
    redis: { url: redisUrl, prefix, ...raw['redis'] },
    producer: { api_keys: ['test-key-0123456789abcdef'], ...raw['producer'] },
  };
  const config = parseConfig(rawConfig);
  const dir = mkdtempSync(join(tmpdir(), 'courier-producer-test-'));
  const configPath = join(dir, 'courier.json');
  writeFileSync(configPath, JSON.stringify(rawConfig));
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const producer = await buildProducer(config, createLogger({ level: 'info', app: 'courier-producer', destination }));
  await producer.app.listen({ host: '127.0.0.1', port: 0 });
  const address = producer.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const redis = new Redis(redisUrl);
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    producer,
    redis,
    logs,
    configPath,
    async close() {
      await producer.close();
      await deleteKeysWithPrefix(redis, config.redis.prefix);
      await redis.quit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
