/**
 * Fault: Redis (append-only file on) is SIGKILLed in the middle of a run and
 * restarted on the same port and data dir. Every message the API accepted with
 * 202 must be delivered, once, and end `sent`; requests made while Redis is down
 * get 503 and do not count.
 *
 * Why `--appendfsync always`: with the default `everysec`, Redis may answer a
 * write before it is in the AOF when a background fsync is slow (it postpones the
 * write for up to 2 s), so a SIGKILL can lose writes the producer already
 * acknowledged with 202 — on a busy shared disk that would make this test flaky
 * for a reason that is configuration, not code. `always` writes and fsyncs before
 * replying, so "acknowledged means durable" holds and the assertion is exact.
 * (infra runs Redis with AOF; operators who choose everysec accept up to ~2 s of
 * acknowledged enqueues lost in a Redis crash.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMessageStore, createCourierQueue } from '@courier/store';
import { parseConfig } from '@courier/core';
import { freePort, startRedisServer, startSmtpSink, type RedisServer, type SmtpSink } from '@courier/testkit';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.js';
import {
  API_KEY,
  childEnv,
  deliveryCounts,
  healthStatus,
  killChild,
  postEmail,
  sleep,
  statusCountsAtomic,
  until,
  waitForJobsSettled,
  writeConfig,
  type ConfigFile,
  type PostOutcome,
  type ProducerProcess,
  spawnProducer,
} from './support.js';

const COUNT = 500;
const LANES = 8;
const KILL_AFTER_ACCEPTED = 150;
const DOWN_FOR_MS = 2_000;
const PREFIX = '{faults-rr}';
const AOF_ARGS = ['--appendfsync', 'always'] as const;

let redis: RedisServer | undefined;
let smtp: SmtpSink | undefined;
let worker: WorkerProcess | undefined;
let producer: ProducerProcess | undefined;
let config: ConfigFile | undefined;
let client: Redis | undefined;
let dir: string | undefined;

afterAll(async () => {
  await killChild(worker);
  await killChild(producer);
  client?.disconnect();
  await redis?.stop();
  await smtp?.close();
  config?.remove();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

interface Attempt extends PostOutcome {
  readonly recipient: string;
  readonly at: number;
}

describe('Redis restarted mid-run (AOF, appendfsync always)', () => {
  it(`${COUNT} POSTs with Redis SIGKILLed and restarted: every 202 delivered once and sent`, async () => {
    smtp = await startSmtpSink({ tls: 'none', parse: false });
    dir = mkdtempSync(join(tmpdir(), 'courier-faults-redis-'));
    const port = await freePort();
    redis = await startRedisServer({ port, dir, appendOnly: true, args: AOF_ARGS });
    const raw = {
      courier: {
        smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' },
        message_retries: 5,
      },
      redis: { url: redis.url, prefix: PREFIX },
      worker: {
        host: '127.0.0.1',
        port: 0,
        concurrency: 10,
        lock_duration_ms: 4_000,
        stalled_interval_ms: 1_000,
        backoff: { base_ms: 200, max_ms: 1_000 },
      },
      producer: { host: '127.0.0.1', port: 0, api_keys: [API_KEY] },
      log: { level: 'warn' },
    };
    config = writeConfig(raw);
    const env = childEnv(redis.url, 'info');
    [worker, producer] = await Promise.all([spawnWorker(config.path, env), spawnProducer(config.path, env)]);
    // The producer listens before its Redis connection is up (readiness says when).
    await until(
      () => healthStatus(`${producer!.url}/health/ready`),
      (r) => r.status === 200,
      15_000,
      'producer ready',
    );

    const tag = `rr-${Date.now()}`;
    const attempts: Attempt[] = [];
    let next = 0;
    let accepted = 0;
    let killedAt = 0;
    let restartedAt = 0;
    const lane = async (): Promise<void> => {
      while (next < COUNT) {
        const i = next++;
        const recipient = `${tag}-${i}@example.com`;
        const outcome = await postEmail(producer!.url, recipient, `message ${i}`);
        attempts.push({ ...outcome, recipient, at: Date.now() });
        if (outcome.status === 202) accepted++;
        // A client backs off on 503; this also keeps the outage from eating every POST.
        else await sleep(100);
      }
    };
    const outage = async (): Promise<void> => {
      while (accepted < KILL_AFTER_ACCEPTED) await sleep(2);
      killedAt = Date.now();
      await redis!.kill();
      await sleep(DOWN_FOR_MS);
      redis = await startRedisServer({ port, dir, appendOnly: true, args: AOF_ARGS });
      restartedAt = Date.now();
    };
    await Promise.all([...Array.from({ length: LANES }, lane), outage()]);
    // Lanes may finish while Redis is still down; the last ones then got 503.
    expect(restartedAt).toBeGreaterThan(0);

    const byStatus = new Map<string, number>();
    for (const a of attempts) byStatus.set(String(a.status), (byStatus.get(String(a.status)) ?? 0) + 1);
    // Redis down is a 503, never a 500 or a dropped connection.
    expect([...byStatus.keys()].sort()).toEqual(['202', '503']);
    expect(attempts.some((a) => a.status === 202 && a.at > restartedAt)).toBe(true);
    const acceptedAttempts = attempts.filter((a) => a.status === 202);
    const acceptedRecipients = new Set(acceptedAttempts.map((a) => a.recipient));
    const allRecipients = new Set(attempts.map((a) => a.recipient));

    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    const parsed = parseConfig(raw);
    const store = createMessageStore(client, PREFIX, { finishedTtlSeconds: parsed.retention.finished_ttl_seconds });
    const statusCounts = () => statusCountsAtomic(client!, store.keys);
    await until(
      () => Promise.resolve(deliveryCounts(smtp!.received, acceptedRecipients).size),
      (n) => n === acceptedRecipients.size,
      60_000,
      'all accepted delivered',
    );
    const queue = createCourierQueue(client, parsed);
    // Settled: nothing processing or waiting for a retry, and nothing queued that has a job.
    const queuedWithJob = async (): Promise<number> => {
      const ids = await client!.zrange(store.keys.statusIndex('queued'), '0', '-1');
      const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
      return jobs.filter((j) => j !== undefined).length;
    };
    await until(
      async () => ({ statuses: await statusCounts(), queuedWithJob: await queuedWithJob() }),
      (c) => c.statuses['processing'] === 0 && c.statuses['error'] === 0 && c.queuedWithJob === 0,
      30_000,
      'no message in flight',
    );
    const final = await statusCounts();

    // Every accepted message: delivered exactly once, recorded sent. Nothing was
    // sent twice: a send in flight when Redis died finished, and the worker's
    // connection queued the `sent` record until Redis was back (it waits, it does
    // not fail), so no job re-ran a send whose success was not yet recorded.
    const counts = deliveryCounts(smtp.received, allRecipients);
    const acceptedDupes = [...acceptedRecipients].filter((r) => (counts.get(r) ?? 0) !== 1);
    expect(acceptedDupes).toEqual([]);
    for (const a of acceptedAttempts) {
      const m = await store.get(a.id!);
      expect(m?.status, `message ${a.id} (${a.recipient})`).toBe('sent');
    }
    // A 503 whose enqueue did reach Redis (the job's reply was lost, not the
    // write) is a refused message that goes out all the same (503 means "outcome
    // unknown"); it is delivered once too.
    const refusedButDelivered = [...allRecipients].filter((r) => !acceptedRecipients.has(r) && (counts.get(r) ?? 0) > 0);
    expect(refusedButDelivered.every((r) => counts.get(r) === 1)).toBe(true);
    // What is still `queued` now has no job and never will: the half-done
    // enqueues of 503'd requests (the bug pinned in enqueue-rollback.test.ts,
    // which this run hits only when the kill lands between the two writes).
    // Anything else left queued would be a different bug, so pin that down.
    const stuckIds = await client.zrange(store.keys.statusIndex('queued'), '0', '-1');
    for (const id of stuckIds) {
      const m = await store.get(id);
      expect(m === undefined ? undefined : acceptedRecipients.has(m.recipient), `stuck ${id} is a refused message`).toBe(false);
      expect(counts.get(m!.recipient) ?? 0).toBe(0);
      expect(await queue.getJob(id)).toBeUndefined();
    }
    expect(final).toMatchObject({ sent: acceptedRecipients.size + refusedButDelivered.length, abandoned: 0, cancelled: 0 });
    expect(await waitForJobsSettled(queue, 15_000)).toEqual({ active: 0, wait: 0, delayed: 0, failed: 0 });
    await queue.close();
    expect(worker.child.exitCode).toBeNull();
    expect(producer.child.exitCode).toBeNull();

    const deliveredDuringRun = smtp.received.filter((m) => m.receivedAt <= killedAt).length;
    console.info(
      `[faults] Redis restart: ${attempts.length} POSTs -> ${JSON.stringify(Object.fromEntries(byStatus))}; ` +
        `${deliveredDuringRun} delivered before the kill, Redis down ${restartedAt - killedAt} ms; ` +
        `all ${acceptedRecipients.size} accepted delivered once; ${refusedButDelivered.length} refused but delivered; ` +
        `${stuckIds.length} refused left queued without a job`,
    );
  }, 120_000);
});
