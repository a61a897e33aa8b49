/**
 * The benchmark's private Redis: a `redis-server` child on 127.0.0.1 and a free
 * port (never anything else), an admin connection, and memory readings.
 */
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '@courier/testkit';

/** The private Redis of one benchmark run. */
export interface BenchRedis {
  readonly url: string;
  readonly server: RedisServer;
  /** Connection for admin commands and for enqueueing from the benchmark. */
  readonly admin: Redis;
  readonly version: string;
  /** Drop every key (between scenarios, so each starts from an empty Redis). */
  flush(): Promise<void>;
  /** `used_memory` from INFO memory, in bytes. */
  usedMemory(): Promise<number>;
  stop(): Promise<void>;
}

/** Start Redis for the run. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const server = await startRedisServer();
  if (!server.url.startsWith('redis://127.0.0.1:')) throw new Error(`refusing a non-loopback Redis: ${server.url}`);
  const admin = new Redis(server.url, { maxRetriesPerRequest: null });
  const info = await admin.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  return {
    url: server.url,
    server,
    admin,
    version,
    async flush() {
      await admin.flushall('SYNC');
    },
    async usedMemory() {
      const text = await admin.info('memory');
      const value = /used_memory:(\d+)/.exec(text)?.[1];
      if (value === undefined) throw new Error('INFO memory has no used_memory');
      return Number(value);
    },
    async stop() {
      admin.disconnect();
      await server.stop();
    },
  };
}

/** CPU seconds Redis has used so far (user + system, from INFO cpu). */
export async function redisCpuSeconds(redis: BenchRedis): Promise<number> {
  const text = await redis.admin.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(text)?.[1] ?? 0);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(text)?.[1] ?? 0);
  return user + sys;
}
