/**
 * The baseline's queue: a plain BullMQ queue on the same Redis, filled with
 * `addBulk` in chunks, with the same attempts as Courier's default jobs.
 */
import { Queue } from 'bullmq';
import type { BaselineJob } from '../workload.js';
import type { BenchRedis } from './redis.js';

/** A baseline queue and the environment its worker needs to find it. */
export interface BaselineQueue {
  readonly queue: Queue<BaselineJob>;
  readonly env: Record<string, string>;
  fill(jobs: readonly { name: string; data: BaselineJob }[], chunk?: number): Promise<void>;
  close(): Promise<void>;
}

/** Open a baseline queue named after a scenario. */
export function createBaselineQueue(redis: BenchRedis, name: string, concurrency: number, extraEnv: Record<string, string> = {}): BaselineQueue {
  const prefix = `{bench-base-${name}}`;
  const queue = new Queue<BaselineJob>('baseline', { connection: redis.admin, prefix, defaultJobOptions: { attempts: 6 } });
  queue.on('error', () => undefined);
  return {
    queue,
    env: { REDIS_URL: redis.url, BENCH_QUEUE: 'baseline', BENCH_PREFIX: prefix, CONCURRENCY: String(concurrency), ...extraEnv },
    async fill(jobs, chunk = 1_000) {
      for (let i = 0; i < jobs.length; i += chunk) await queue.addBulk(jobs.slice(i, i + chunk));
    },
    close: () => queue.close().catch(() => undefined),
  };
}
