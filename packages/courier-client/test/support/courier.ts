/**
 * A real Courier for the client's tests: the producer (and, when asked, a worker)
 * as child processes on loopback, with a private config file and Redis key
 * prefix, an SMTP sink and an HTTP sink as peers. Packages may not import apps,
 * so the apps run as they do in production: `node --import tsx src/main.ts`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix, spawnCourier, startHttpSink, startSmtpSink, uniquePrefix, type CourierProcess, type HttpSink, type SmtpSink } from '@courier/testkit';

/** The repository root, for running the CLI from it. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The API key the test producer accepts. */
export const API_KEY = 'client-test-key-0123456789abcdef';

const SMS_BODY = Buffer.from('function(ctx) { to: ctx.recipient, text: ctx.body }').toString('base64');

/** A running test deployment. */
export interface TestCourier {
  readonly url: string;
  readonly prefix: string;
  readonly configPath: string;
  readonly dir: string;
  readonly smtp: SmtpSink;
  readonly http: HttpSink;
  readonly producer: CourierProcess;
  /** Start a worker for this deployment (stopped by `close`), with extra environment variables. */
  startWorker(env?: Record<string, string>): Promise<CourierProcess>;
  close(): Promise<void>;
}

async function stop(p: CourierProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(timer);
}

async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** Start a producer (port picked by the OS, read from its ready log line) with its peers; `courierExtra` is merged into the `courier` section. */
export async function startCourier(label: string, courierExtra: Record<string, unknown> = {}): Promise<TestCourier> {
  const redisUrl = process.env['REDIS_URL'];
  if (redisUrl === undefined || redisUrl === '') throw new Error('REDIS_URL is not set: run the tests through vitest (its global setup provides Redis)');
  const prefix = `{${uniquePrefix(label)}}`;
  const smtp = await startSmtpSink({ tls: 'none' });
  const http = await startHttpSink();
  const dir = mkdtempSync(join(tmpdir(), 'courier-client-test-'));
  const configPath = join(dir, 'courier.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      courier: {
        smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' },
        channels: [{ id: 'sms', type: 'http', request_config: { url: `${http.url}/sms`, body: `base64://${SMS_BODY}` } }],
        message_retries: 0,
        ...courierExtra,
      },
      redis: { url: redisUrl, prefix },
      // One limited template type (no other test uses it), for the rate_limited answers.
      producer: { host: '127.0.0.1', port: 0, api_keys: [API_KEY], rate_limits: { recipients: { types: { recovery_code_invalid: { max: 1, window_seconds: 3600 } } } } },
      worker: {
        host: '127.0.0.1',
        port: 0,
        concurrency: 5,
        backoff: { base_ms: 50, max_ms: 250 },
        lock_duration_ms: 5_000,
        stalled_interval_ms: 2_000,
        shutdown_timeout_ms: 5_000,
      },
      log: { level: 'info' },
    }),
  );
  const children: CourierProcess[] = [];
  let producer: CourierProcess;
  try {
    producer = await spawnCourier('producer', configPath);
  } catch (err) {
    await Promise.all([smtp.close(), http.close()]);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  children.push(producer);
  const port = Number(producer.ready['port']);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`producer reported no port: ${JSON.stringify(producer.ready)}`);
  const url = `http://127.0.0.1:${port}`;
  const alive = await fetch(`${url}/health/alive`);
  if (alive.status !== 200) throw new Error(`producer is not alive: ${alive.status}`);

  return {
    url,
    prefix,
    configPath,
    dir,
    smtp,
    http,
    producer,
    async startWorker(env = {}) {
      const worker = await spawnCourier('worker', configPath, env);
      children.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(children.map(stop));
      await deletePrefix(redisUrl, prefix);
      await Promise.all([smtp.close(), http.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Poll `check` until it returns a value other than undefined. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
