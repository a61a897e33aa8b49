/**
 * Where the tests' Redis comes from: the decision is a pure function (tested
 * here without any container runtime), and provisionRedis logs it in one line.
 */
import { describe, expect, it } from 'vitest';
import { chooseRedisSource, hasRedisServerBinary, probeContainerRuntime, provisionRedis, type ContainerRuntimeProbe } from '../src/redis.js';

const noRuntime: ContainerRuntimeProbe = { available: false, reason: 'no container runtime answered (Could not find a working container runtime strategy)' };
const runtime: ContainerRuntimeProbe = { available: true, detail: 'Docker Engine 27.1.1 at localhost' };

describe('chooseRedisSource', () => {
  it('picks the local redis-server, saying why, when no container runtime answers', () => {
    const choice = chooseRedisSource({ redisUrl: undefined, runtime: noRuntime, hasBinary: true });
    expect(choice.source).toBe('binary');
    expect(choice.reason).toContain('no container runtime answered (Could not find a working container runtime strategy)');
    expect(choice.reason).toContain('redis-server is on PATH');
  });

  it('picks Testcontainers when a container runtime is reported available, even with a redis-server on PATH', () => {
    for (const hasBinary of [true, false]) {
      const choice = chooseRedisSource({ redisUrl: undefined, runtime, hasBinary });
      expect(choice).toEqual({ source: 'testcontainers', reason: 'a container runtime answered (Docker Engine 27.1.1 at localhost)' });
    }
  });

  it('picks REDIS_URL before anything else; an empty one counts as unset', () => {
    expect(chooseRedisSource({ redisUrl: 'redis://10.0.0.1:6379', runtime, hasBinary: true }).source).toBe('env');
    expect(chooseRedisSource({ redisUrl: '', runtime: noRuntime, hasBinary: true }).source).toBe('binary');
  });

  it('picks none, saying how to get Redis, when there is no runtime and no binary', () => {
    const choice = chooseRedisSource({ redisUrl: undefined, runtime: noRuntime, hasBinary: false });
    expect(choice.source).toBe('none');
    expect(choice.reason).toMatch(/REDIS_URL.*container runtime.*apt-get install redis-server/);
  });
});

describe('provisionRedis', () => {
  it.runIf(hasRedisServerBinary())('falls back to a local redis-server and logs one line with the reason', async () => {
    const lines: string[] = [];
    const redis = await provisionRedis({}, { log: (l) => lines.push(l), probeRuntime: async () => noRuntime });
    try {
      expect(redis.source).toBe('binary');
      expect(lines).toEqual([`[testkit] Redis: binary at ${redis.url} (${noRuntime.reason}; redis-server is on PATH)`]);
    } finally {
      await redis.stop();
    }
  });

  it.runIf(hasRedisServerBinary())('falls back to redis-server, saying so, when the runtime answers but the container does not start', async () => {
    const lines: string[] = [];
    const redis = await provisionRedis(
      {},
      {
        log: (l) => lines.push(l),
        probeRuntime: async () => runtime,
        startContainer: async () => {
          throw new Error('pull access denied for redis');
        },
      },
    );
    try {
      expect(redis.source).toBe('binary');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('a container runtime answered but the Redis container did not start (pull access denied for redis)');
    } finally {
      await redis.stop();
    }
  });

  it('uses the container when the runtime answers', async () => {
    const lines: string[] = [];
    const redis = await provisionRedis(
      {},
      {
        log: (l) => lines.push(l),
        probeRuntime: async () => runtime,
        startContainer: async () => ({ url: 'redis://127.0.0.1:32768', source: 'testcontainers', stop: async () => undefined }),
      },
    );
    expect(redis.source).toBe('testcontainers');
    expect(lines).toEqual(['[testkit] Redis: testcontainers at redis://127.0.0.1:32768 (a container runtime answered (Docker Engine 27.1.1 at localhost))']);
  });
});

describe('probeContainerRuntime', () => {
  it("answers within its timeout, through Testcontainers' own strategies", async () => {
    const started = Date.now();
    const probe = await probeContainerRuntime(3_000);
    // Importing Testcontainers takes about a second on a busy machine; the probe itself is bounded.
    expect(Date.now() - started).toBeLessThan(10_000);
    if (probe.available) expect(probe.detail).not.toBe('');
    else expect(probe.reason).toMatch(/^no container runtime answered/);
  });
});
