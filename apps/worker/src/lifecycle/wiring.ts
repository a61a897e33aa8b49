/**
 * The Redis side of a worker process: the job connection (waits through Redis
 * outages) and the ops connection (fails fast, for probes, metrics and the
 * janitor), a message store on each, and a BullMQ queue handle for job counts.
 */
import { Queue } from 'bullmq';
import type { CourierConfig, Logger } from '@courier/core';
import { closeRedisConnection, createMessageStore, createRedisConnection, type MessageStore, type RedisConnection } from '@courier/store';

/** The connections and stores of a worker process. */
export interface WorkerWiring {
  /** Used by the BullMQ worker and the processor. */
  readonly connection: RedisConnection;
  /** Used by readiness, metrics and the janitor lock: fails fast instead of queueing commands. */
  readonly opsConnection: RedisConnection;
  /** The message store on `connection`. */
  readonly store: MessageStore;
  /** A queue handle on `opsConnection`, for job counts. */
  readonly opsQueue: Queue;
  /** Close the queue handle and both connections. */
  close(): Promise<void>;
}

/** Open a worker's connections and stores. */
export function createWiring(config: CourierConfig, logger: Logger): WorkerWiring {
  const connection = createRedisConnection(config.redis, 'wait', 'courier-worker');
  const opsConnection = createRedisConnection(config.redis, 'fail-fast', 'courier-worker-ops');
  for (const [name, c] of [
    ['redis', connection],
    ['redis-ops', opsConnection],
  ] as const) {
    c.on('error', (err: Error) => logger.warn({ connection: name, error: err.message }, 'redis connection error'));
  }
  const store = createMessageStore(connection, config.redis.prefix, {
    finishedTtlSeconds: config.retention.finished_ttl_seconds,
  });
  const opsQueue = new Queue(config.redis.queue_name, { connection: opsConnection, prefix: config.redis.prefix });
  opsQueue.on('error', () => undefined);
  return {
    connection,
    opsConnection,
    store,
    opsQueue,
    async close() {
      await opsQueue.close().catch(() => undefined);
      await Promise.all([closeRedisConnection(connection), closeRedisConnection(opsConnection)]);
    },
  };
}
