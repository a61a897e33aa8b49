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

/** Per-command Redis statistics (INFO commandstats): calls and microseconds spent inside the command. */
export type CommandStats = Record<string, { readonly calls: number; readonly usec: number }>;

/** Reset Redis's per-command statistics (CONFIG RESETSTAT; also resets INFO stats counters, not INFO cpu). */
export async function resetCommandStats(redis: BenchRedis): Promise<void> {
  await redis.admin.config('RESETSTAT');
}

/** Redis's per-command statistics since the last reset. */
export async function commandStats(redis: BenchRedis): Promise<CommandStats> {
  const text = await redis.admin.info('commandstats');
  const out: Record<string, { calls: number; usec: number }> = {};
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) out[m[1]!] = { calls: Number(m[2]), usec: Number(m[3]) };
  return out;
}
