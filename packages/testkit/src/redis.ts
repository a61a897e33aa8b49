/**
 * Redis for tests and benchmarks, in the order DESIGN.md gives:
 * `REDIS_URL` if set; else Testcontainers' Redis module when a container runtime
 * answers; else a `redis-server` binary on PATH started on a free port in a temp
 * dir. Never a silent skip: when none is available, fail saying how to get one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', options.appendOnly === true ? 'yes' : 'no',
    '--appendfsync', 'everysec',
    '--daemonize', 'no',
    '--logfile', join(dir, 'redis.log'),
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

function containerRuntimeAnswers(): boolean {
  if (process.env['DOCKER_HOST'] !== undefined && process.env['DOCKER_HOST'] !== '') return true;
  return existsSync('/var/run/docker.sock');
}

async function fromTestcontainers(): Promise<ProvisionedRedis | undefined> {
  // Optional dependency: only looked up when a runtime is present.
  const moduleName = '@testcontainers/redis';
  let mod: { RedisContainer: new (image: string) => { start(): Promise<{ getConnectionUrl(): string; stop(): Promise<unknown> }> } };
  try {
    mod = (await import(moduleName)) as typeof mod;
  } catch {
    return undefined;
  }
  try {
    const container = await new mod.RedisContainer('redis:7-alpine').start();
    return { url: container.getConnectionUrl(), source: 'testcontainers', stop: async () => {
        await container.stop();
      } };
  } catch {
    return undefined;
  }
}

/**
 * Provision Redis for a test run (see module doc for the order).
 *
 * @throws Error explaining how to get Redis when none of the three ways works.
 */
export async function provisionRedis(env: Readonly<Record<string, string | undefined>> = process.env): Promise<ProvisionedRedis> {
  const fromEnv = env['REDIS_URL'];
  if (fromEnv !== undefined && fromEnv !== '') {
    await waitForRedis(fromEnv, 5_000);
    return { url: fromEnv, source: 'env', stop: async () => undefined };
  }
  if (containerRuntimeAnswers()) {
    const tc = await fromTestcontainers();
    if (tc !== undefined) return tc;
  }
  if (hasRedisServerBinary()) return startRedisServer();
  throw new Error(
    'Integration tests need Redis. Set REDIS_URL=redis://host:port, or run a container runtime ' +
      '(Testcontainers), or install redis-server (Debian: apt-get install redis-server).',
  );
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
