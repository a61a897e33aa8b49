/**
 * One Courier deployment under test: a config file in a temp dir (built from the
 * schema's keys, see packages/courier-core/src/config/schema.ts), and the queue and
 * message store the benchmark enqueues through, the same data path as the
 * producer's batch endpoint (`enqueueMessages`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { parseConfig, type CourierConfig, type JobPayload } from '@courier/core';
import { createCourierQueue, createMessageStore, enqueueMessages, type MessageStore } from '@courier/store';
import type { BenchRedis } from './redis.js';

/** API key the producer is configured with. */
export const BENCH_API_KEY = 'bench-api-key-0123456789abcdef';

/** SMTP pool settings, written as `courier.smtp.pool` (and given to the baseline as the same numbers). */
export interface SmtpPool {
  readonly maxConnections: number;
  readonly maxMessages: number;
}

/** What varies between deployments. */
export interface DeploymentOptions {
  readonly name: string;
  readonly smtpPort: number;
  readonly concurrency: number;
  readonly logLevel: 'info' | 'warn' | 'error';
  /** `courier.smtp.pool`; the config's defaults when omitted. */
  readonly pool?: SmtpPool;
  /** HTTP channels (`courier.channels`). */
  readonly channels?: readonly Record<string, unknown>[];
}

/** A deployment's config and enqueue path. */
export interface Deployment {
  readonly configPath: string;
  /** The SMTP pool the worker will use (the config's, after defaults). */
  readonly pool: SmtpPool;
  readonly config: CourierConfig;
  readonly queue: Queue<JobPayload>;
  readonly store: MessageStore;
  /** Record and enqueue payloads in chunks (`enqueueMessages`: one transaction per chunk). */
  enqueue(payloads: readonly JobPayload[], chunk?: number): Promise<void>;
  /** How many messages have status `sent`. */
  sentCount(): Promise<number>;
  close(): Promise<void>;
}

/** Write the config and open the queue and store. */
export function createDeployment(redis: BenchRedis, options: DeploymentOptions): Deployment {
  const raw = {
    courier: {
      delivery_strategy: 'smtp',
      smtp: {
        connection_uri: `smtp://127.0.0.1:${options.smtpPort}/?disable_starttls=true`,
        ...(options.pool === undefined ? {} : { pool: { max_connections: options.pool.maxConnections, max_messages: options.pool.maxMessages } }),
      },
      channels: options.channels ?? [],
    },
    redis: { url: redis.url, prefix: `{bench-${options.name}}`, queue_name: 'courier' },
    worker: { host: '127.0.0.1', port: 0, concurrency: options.concurrency, shutdown_timeout_ms: 10_000 },
    producer: { host: '127.0.0.1', port: 0, api_keys: [BENCH_API_KEY] },
    log: { level: options.logLevel },
  };
  const config = parseConfig(raw, 'benchmark config');
  const dir = mkdtempSync(join(tmpdir(), 'courier-bench-'));
  const configPath = join(dir, 'courier.json');
  writeFileSync(configPath, JSON.stringify(raw, null, 2));
  const queue = createCourierQueue(redis.admin, config);
  queue.on('error', () => undefined);
  const store = createMessageStore(redis.admin, config.redis.prefix, { finishedTtlSeconds: config.retention.finished_ttl_seconds });
  return {
    configPath,
    pool: { maxConnections: config.courier.smtp.pool.max_connections, maxMessages: config.courier.smtp.pool.max_messages },
    config,
    queue,
    store,
    async enqueue(payloads, chunk = 1_000) {
      for (let i = 0; i < payloads.length; i += chunk) {
        await enqueueMessages(
          redis.admin,
          queue,
          store,
          payloads.slice(i, i + chunk).map((payload) => ({ payload })),
        );
      }
    },
    sentCount: () => redis.admin.zcard(store.keys.statusIndex('sent')),
    async close() {
      await queue.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
