/**
 * Redis for tests and benchmarks, in the order docs/architecture.md ("Testing") gives:
 * `REDIS_URL` if set; else Testcontainers' Redis module when a container runtime
 * answers (Testcontainers' own probe, bounded in time); else a `redis-server`
 * binary on PATH started on a free port in a temp dir. The choice and its reason
 * are logged in one line. Never a silent skip: when none is available, fail
 * saying how to get one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A Redis server for the duration of a test run. */
export interface ProvisionedRedis {
  readonly url: string;
  /** How it was obtained: `env`, `testcontainers` or `binary`. */
  readonly source: 'env' | 'testcontainers' | 'binary';
  stop(): Promise<void>;
}

/** Options for starting a private `redis-server`. */
export interface RedisServerOptions {
  /** Port to bind; 0 picks a free one. */
  readonly port?: number;
  /** Turn on the append-only file (for restart tests). */
  readonly appendOnly?: boolean;
  /** Directory for data files; a temp dir when omitted (removed on stop). */
  readonly dir?: string | undefined;
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  readonly args?: readonly string[];
}

/** A `redis-server` child process this code started. */
export interface RedisServer extends ProvisionedRedis {
  readonly port: number;
  readonly dir: string;
  readonly process: ChildProcess;
  /** SIGKILL the server (data since the last fsync may be lost, as in a crash). */
  kill(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when a `redis-server` binary is on PATH. */
export function hasRedisServerBinary(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Wait until Redis at `url` answers PING, or throw after `timeoutMs`. */
export async function waitForRedis(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch (err) {
      lastError = err;
      client.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`Redis at ${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

/** Start a private `redis-server` on loopback. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port !== undefined && options.port !== 0 ? options.port : await freePort();
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'courier-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendOnly === true ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--daemonize',
    'no',
    '--logfile',
    join(dir, 'redis.log'),
    ...(options.args ?? []),
  ];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForRedis(url);
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await exited;
    }
  };
  return {
    url,
    port,
    dir,
    process: child,
    source: 'binary',
    kill: () => stopWith('SIGKILL'),
    stop: async () => {
      await stopWith('SIGTERM');
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a container runtime probe found out. */
export type ContainerRuntimeProbe = { readonly available: true; readonly detail: string } | { readonly available: false; readonly reason: string };

/** Where Redis comes from, and why (the reason is logged). */
export interface RedisSourceChoice {
  readonly source: 'env' | 'testcontainers' | 'binary' | 'none';
  readonly reason: string;
}

/** What {@link chooseRedisSource} decides from. */
export interface RedisSourceFacts {
  /** `REDIS_URL`, when set and not empty. */
  readonly redisUrl: string | undefined;
  /** Whether a container runtime answered (not probed when `REDIS_URL` is set). */
  readonly runtime: ContainerRuntimeProbe;
  /** Whether a `redis-server` binary is on PATH. */
  readonly hasBinary: boolean;
}

/**
 * Where Redis for a test run comes from (pure; see the module doc for the order):
 * `REDIS_URL`, else Testcontainers when a container runtime answered, else a
 * local `redis-server`, else none (with how to get one).
 */
export function chooseRedisSource(facts: RedisSourceFacts): RedisSourceChoice {
  if (facts.redisUrl !== undefined && facts.redisUrl !== '') return { source: 'env', reason: 'REDIS_URL is set' };
  if (facts.runtime.available) return { source: 'testcontainers', reason: `a container runtime answered (${facts.runtime.detail})` };
  if (facts.hasBinary) return { source: 'binary', reason: `${facts.runtime.reason}; redis-server is on PATH` };
  return {
    source: 'none',
    reason:
      `${facts.runtime.reason}, and there is no redis-server on PATH. Integration tests need Redis: set REDIS_URL=redis://host:port, ` +
      'or run a container runtime (Testcontainers), or install redis-server (Debian: apt-get install redis-server).',
  };
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';

/**
 * Ask Testcontainers' own runtime strategies (`DOCKER_HOST`, `~/.testcontainers.properties`,
 * the Docker and rootless sockets) whether a container runtime answers, giving up after
 * `timeoutMs`. Testcontainers is loaded only here, so runs that never probe do not pay for it.
 */
export async function probeContainerRuntime(timeoutMs = 3_000): Promise<ContainerRuntimeProbe> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ContainerRuntimeProbe>((resolve) => {
    timer = setTimeout(() => resolve({ available: false, reason: `no container runtime answered within ${timeoutMs} ms` }), timeoutMs);
    timer.unref();
  });
  const probe = (async (): Promise<ContainerRuntimeProbe> => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      const { containerRuntime } = (await getContainerRuntimeClient()).info;
      return { available: true, detail: `${containerRuntime.operatingSystem} ${containerRuntime.serverVersion} at ${containerRuntime.host}` };
    } catch (err) {
      return { available: false, reason: `no container runtime answered (${errorText(err)})` };
    }
  })();
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function startRedisContainer(): Promise<ProvisionedRedis> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer('redis:7-alpine').start();
  return {
    url: container.getConnectionUrl(),
    source: 'testcontainers',
    stop: async () => {
      await container.stop();
    },
  };
}

/** Seams of {@link provisionRedis}, for its own tests. */
export interface ProvisionRedisOptions {
  /** Where the one line saying which source and why goes (default: stderr). */
  readonly log?: (line: string) => void;
  /** Default: {@link probeContainerRuntime}. */
  readonly probeRuntime?: () => Promise<ContainerRuntimeProbe>;
  /** Default: Testcontainers' Redis module with `redis:7-alpine`. */
  readonly startContainer?: () => Promise<ProvisionedRedis>;
}

/**
 * Provision Redis for a test run (see module doc for the order), logging one line
 * with the source chosen and why.
 *
 * @throws Error explaining how to get Redis when none of the three ways works.
 */
export async function provisionRedis(env: Readonly<Record<string, string | undefined>> = process.env, options: ProvisionRedisOptions = {}): Promise<ProvisionedRedis> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const redisUrl = env['REDIS_URL'];
  const hasRedisUrl = redisUrl !== undefined && redisUrl !== '';
  const facts: RedisSourceFacts = {
    redisUrl,
    runtime: hasRedisUrl ? { available: false, reason: 'not probed' } : await (options.probeRuntime ?? probeContainerRuntime)(),
    hasBinary: !hasRedisUrl && hasRedisServerBinary(),
  };
  let choice = chooseRedisSource(facts);
  let redis: ProvisionedRedis | undefined;
  if (choice.source === 'env' && hasRedisUrl) {
    await waitForRedis(redisUrl, 5_000);
    redis = { url: redisUrl, source: 'env', stop: async () => undefined };
  }
  if (choice.source === 'testcontainers') {
    try {
      redis = await (options.startContainer ?? startRedisContainer)();
    } catch (err) {
      // The runtime answered but the container did not start (no image, no registry): fall back.
      choice = chooseRedisSource({ ...facts, runtime: { available: false, reason: `a container runtime answered but the Redis container did not start (${errorText(err)})` } });
    }
  }
  if (choice.source === 'binary') redis = await startRedisServer();
  if (redis === undefined) throw new Error(choice.reason);
  log(`[testkit] Redis: ${choice.source} at ${redis.url.replace(/\/\/[^@/]*@/, '//[redacted]@')} (${choice.reason})`);
  return redis;
}

/** A key prefix unique to one test, so tests can share a Redis. */
export function uniquePrefix(label = 'test'): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The subset of a Redis client {@link deleteKeysWithPrefix} needs. */
export interface ScanningClient {
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[string, string[]]>;
  del(...keys: string[]): Promise<number>;
}

/** Delete every key under a prefix (a test's cleanup), in SCAN batches. */
export async function deleteKeysWithPrefix(redis: ScanningClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
