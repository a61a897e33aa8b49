/**
 * Fault: worker and producer started while their Redis is down. Both must come
 * up (not crash), report not ready and refuse enqueues with 503 meanwhile, and
 * recover on their own once Redis appears: readiness turns 200 within the
 * reconnect backoff's bound and a message sent then is delivered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startRedisServer, startSmtpSink, type RedisServer, type SmtpSink } from '@courier/testkit';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.js';
import { API_KEY, childEnv, healthStatus, killChild, postEmail, spawnProducer, until, writeConfig, type ConfigFile, type ProducerProcess } from './support.js';

/**
 * Redis clients reconnect with a delay capped at 20 s (`reconnectDelayMs` in
 * @courier/store), so a process that saw Redis down for a while may wait that
 * long before its next attempt; readiness must follow within that plus a margin.
 */
const RECOVERY_BOUND_MS = 25_000;

let redis: RedisServer | undefined;
let smtp: SmtpSink | undefined;
let worker: WorkerProcess | undefined;
let producer: ProducerProcess | undefined;
let config: ConfigFile | undefined;
let dir: string | undefined;

afterAll(async () => {
  await killChild(worker);
  await killChild(producer);
  await redis?.stop();
  await smtp?.close();
  config?.remove();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('started while Redis is down', () => {
  it('worker and producer start, report not ready and answer 503, then recover when Redis appears', async () => {
    smtp = await startSmtpSink({ tls: 'none' });
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'courier-faults-redis-'));
    const redisUrl = `redis://127.0.0.1:${port}`;
    config = writeConfig({
      courier: {
        smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' },
        message_retries: 3,
      },
      redis: { url: redisUrl, prefix: '{faults-nr}' },
      worker: { host: '127.0.0.1', port: 0, concurrency: 5, lock_duration_ms: 5_000, stalled_interval_ms: 2_000, backoff: { base_ms: 200, max_ms: 1_000 } },
      producer: { host: '127.0.0.1', port: 0, api_keys: [API_KEY] },
      log: { level: 'info' },
    });
    const env = childEnv(redisUrl);

    // Nothing listens on the port: both processes must still get to "started".
    [worker, producer] = await Promise.all([spawnWorker(config.path, env), spawnProducer(config.path, env)]);
    const workerReady = `http://127.0.0.1:${worker.healthPort}/health/ready`;
    const producerReady = `${producer.url}/health/ready`;

    const w = await healthStatus(workerReady);
    expect(w.status).toBe(503);
    expect(Object.keys(w.body['errors'] ?? {})).toContain('redis');
    expect((await healthStatus(producerReady)).status).toBe(503);
    expect((await healthStatus(`http://127.0.0.1:${worker.healthPort}/health/alive`)).status).toBe(200);
    expect((await healthStatus(`${producer.url}/health/alive`)).status).toBe(200);
    const refused = await postEmail(producer.url, 'early@example.com', 'too early');
    expect(refused.status).toBe(503);
    // Still running, not crash-looping, a while later.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(worker.child.exitCode).toBeNull();
    expect(producer.child.exitCode).toBeNull();

    redis = await startRedisServer({ port, dir, appendOnly: true });
    const upAt = Date.now();
    await until(
      () => healthStatus(producerReady),
      (r) => r.status === 200,
      RECOVERY_BOUND_MS,
      'producer ready',
    );
    const producerReadyAfter = Date.now() - upAt;
    await until(
      () => healthStatus(workerReady),
      (r) => r.status === 200,
      RECOVERY_BOUND_MS,
      'worker ready',
    );
    const workerReadyAfter = Date.now() - upAt;

    const sentAt = Date.now();
    const accepted = await postEmail(producer.url, 'late@example.com', 'after recovery');
    expect(accepted.status).toBe(202);
    const mails = await smtp.waitFor(1, 20_000);
    expect(mails.map((m) => m.envelope.to)).toEqual([['late@example.com']]);
    const message = await until(
      async () => {
        const res = await fetch(`${producer!.url}/messages/${accepted.id}`, { headers: { authorization: `Bearer ${API_KEY}` } });
        return (await res.json()) as { status?: string; send_count?: number };
      },
      (m) => m.status === 'sent',
      10_000,
      'message sent',
    );
    expect(message.send_count).toBe(1);
    // The early request was refused, so it must not have been queued behind the outage.
    expect(smtp.received.some((m) => m.envelope.to.includes('early@example.com'))).toBe(false);
    console.info(
      `[faults] started without Redis: ready after Redis came up: producer ${producerReadyAfter} ms, ` +
        `worker ${workerReadyAfter} ms; enqueue to delivery ${mails[0]!.receivedAt - sentAt} ms`,
    );
  }, 90_000);
});
