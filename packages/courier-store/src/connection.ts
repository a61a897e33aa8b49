/**
 * Redis connections set as BullMQ's production guide says:
 * - workers (and everything that must wait out a Redis outage) use
 *   `maxRetriesPerRequest: null` and keep the offline queue, so commands wait for a
 *   reconnect instead of failing;
 * - request-path clients (the producer) disable the offline queue and fail fast,
 *   so an API call gets a 503 instead of hanging;
 * - both reconnect forever with capped exponential backoff.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { CourierConfig } from '@courier/core';

/** A Redis or Redis Cluster client. */
export type RedisConnection = Redis | Cluster;

/** `wait` for workers and background tasks; `fail-fast` for request handlers. */
export type ConnectionRole = 'wait' | 'fail-fast';

/** Reconnect delay: 1 s, growing exponentially to a 20 s cap (BullMQ's guide). */
export function reconnectDelayMs(times: number): number {
  return Math.max(Math.min(Math.exp(times), 20_000), 1_000);
}

/**
 * Options without `replyMapping`: ioredis's constructors take it as `replyMapping?: ReplyMappingMode`
 * (not `| undefined`), so under `exactOptionalPropertyTypes` its own `RedisOptions` does not fit them.
 */
type ConnectionOptions = Omit<RedisOptions, 'replyMapping'>;

function baseOptions(role: ConnectionRole, name: string): ConnectionOptions {
  return {
    connectionName: name,
    maxRetriesPerRequest: role === 'wait' ? null : 1,
    enableOfflineQueue: role === 'wait',
    retryStrategy: reconnectDelayMs,
    // A fail-fast client must not wait for `connect` forever either.
    connectTimeout: 10_000,
    lazyConnect: false,
  };
}

/**
 * Create a connection for `role`. With `redis.cluster: true`, `redis.url` is a seed
 * node of a Redis Cluster.
 */
export function createRedisConnection(redis: CourierConfig['redis'], role: ConnectionRole, name = `courier-${role}`): RedisConnection {
  const options = baseOptions(role, name);
  if (redis.cluster) {
    const seed = new URL(redis.url);
    // ioredis builds node clients with lodash `defaults(own, node, redisOptions,
    // { lazyConnect: true })`, so a lazyConnect here would beat its `true`. Eager node
    // clients are still connecting when the cluster's ready check runs; with the
    // offline queue off that check fails and the client reconnects, again and again
    // (seen for over 30 s against a healthy cluster). Node clients must stay lazy.
    const { lazyConnect: _eager, ...nodeOptions } = options;
    const clusterOptions: Omit<ClusterOptions, 'redisOptions'> & { redisOptions: Omit<NonNullable<ClusterOptions['redisOptions']>, 'replyMapping'> } = {
      redisOptions: {
        ...nodeOptions,
        ...(seed.password !== '' ? { password: decodeURIComponent(seed.password) } : {}),
        ...(seed.username !== '' ? { username: decodeURIComponent(seed.username) } : {}),
        ...(seed.protocol === 'rediss:' ? { tls: {} } : {}),
      },
      enableOfflineQueue: options.enableOfflineQueue ?? true,
      clusterRetryStrategy: reconnectDelayMs,
      maxRedirections: 16,
    };
    return new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], clusterOptions);
  }
  return new Redis(redis.url, options);
}

/** Close a connection, waiting for pending replies when it is healthy. */
export async function closeRedisConnection(connection: RedisConnection): Promise<void> {
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
