/**
 * Experiment behind BENCHMARKS.md's batched-enqueue figures, store side only (no
 * HTTP): the CPU cost per message of a batch call (100 messages, 4 calls in
 * flight, as `POST /messages/batch` with 4 connections), before and after the
 * records of a call went to Redis as one script call (`create-many.lua`) instead
 * of one `create.lua` call per message. Both ways run alternately in one process
 * against one private Redis, so their ratio is measured under the same load.
 *
 * "per-message create" rebuilds the earlier transaction (one `courierCreate` per
 * message, then its job) from the store's public pieces; "create-many" is
 * `enqueueMessages` as the producer runs it now. Printed per round: msgs/s, this
 * process's CPU and Redis's CPU (INFO cpu) per message, and Redis's per-command
 * microseconds per message (INFO commandstats).
 *
 * Run: `cd bench && node --conditions=source --import tsx src/experiments/enqueue-batch.ts [rounds]`
 */
import { Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { parseConfig, type JobPayload } from '@courier/core';
import { createCourierQueue, createEnqueueMulti, createMessageStore, enqueueMessages, jobNameFor, jobOptionsFor } from '@courier/store';
import { startRedisServer } from '@courier/testkit';
import { median } from '../report/stats.js';
import { emailMessage, payloadsFor } from '../workload.js';

const BATCH = 100;
const IN_FLIGHT = 4;
const COUNT = 20_000;
const ROUNDS = Number(process.argv[2] ?? 3);

const server = await startRedisServer();
const admin = new Redis(server.url);
const redisCpuMs = async (): Promise<number> => {
  const text = await admin.info('cpu');
  return (Number(/used_cpu_user:([\d.]+)/.exec(text)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(text)?.[1])) * 1_000;
};
try {
  const config = parseConfig({
    redis: { url: server.url, prefix: '{exp}' },
    courier: { smtp: { connection_uri: 'smtp://127.0.0.1:1/?disable_starttls=true' } },
  });
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const queue = createCourierQueue(redis, config);
  const store = createMessageStore(redis, '{exp}', { finishedTtlSeconds: 3_600 });
  await queue.waitUntilReady();

  /** The transaction as it was: one record script call per message, then its job. */
  const perMessage = async (payloads: readonly JobPayload[]): Promise<void> => {
    const multi = createEnqueueMulti(redis);
    const defaults = queue.defaultJobOptions;
    for (const payload of payloads) {
      store.createIn(multi, payload);
      const opts: JobsOptions = { ...defaults, ...jobOptionsFor(payload) };
      const job = new Job<JobPayload>(queue, jobNameFor(payload), payload, opts, opts.jobId);
      job.addJob(multi as unknown as Parameters<typeof job.addJob>[0]).catch(() => undefined);
    }
    const results = (await multi.exec()) ?? [];
    const failed = results.find(([err]) => err !== null);
    if (failed?.[0]) throw failed[0];
  };
  const ways: Record<string, (payloads: readonly JobPayload[]) => Promise<void>> = {
    'per-message create': perMessage,
    'create-many': (payloads) =>
      enqueueMessages(
        redis,
        queue,
        store,
        payloads.map((payload) => ({ payload })),
      ),
  };
  // Warm both ways up (JIT, script loading).
  for (const [label, way] of Object.entries(ways)) await way(payloadsFor(BATCH * 4, (i) => emailMessage(`warm-${label.length}-${i}@bench.test`, i)));

  const figures: Record<string, { rate: number[]; cpu: number[]; redis: number[] }> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, way] of Object.entries(ways)) {
      const payloads = payloadsFor(COUNT, (i) => emailMessage(`exp-${round}-${label.length}-${i}@bench.test`, i));
      await admin.config('RESETSTAT');
      let next = 0;
      const redis0 = await redisCpuMs();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < COUNT) {
            const batch = payloads.slice(next, next + BATCH);
            next += BATCH;
            await way(batch);
          }
        }),
      );
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const redisMs = (await redisCpuMs()) - redis0;
      const stats = await admin.info('commandstats');
      const perCmd = [...stats.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)]
        .filter((m) => Number(m[2]) >= COUNT / BATCH)
        .map((m) => `${m[1]} ${(Number(m[2]) / COUNT).toFixed(2)} calls ${(Number(m[3]) / COUNT).toFixed(1)} us`);
      const f = (figures[label] ??= { rate: [], cpu: [], redis: [] });
      f.rate.push((COUNT * 1_000) / ms);
      f.cpu.push((cpu.user + cpu.system) / 1_000 / COUNT);
      f.redis.push(redisMs / COUNT);
      console.log(
        `round ${round + 1}, ${label}: ${Math.round((COUNT * 1_000) / ms)} msgs/s, ${f.cpu.at(-1)!.toFixed(4)} CPU ms/msg here, ` +
          `Redis ${f.redis.at(-1)!.toFixed(4)} CPU ms/msg; Redis per msg: ${perCmd.join(', ')}`,
      );
      await redis.flushdb();
      await queue.waitUntilReady();
    }
  }
  const [before, after] = [figures['per-message create']!, figures['create-many']!];
  console.log(
    `medians over ${ROUNDS} rounds, create-many / per-message create: msgs/s ${(median(after.rate) / median(before.rate)).toFixed(2)}, ` +
      `producer-side CPU ${(median(after.cpu) / median(before.cpu)).toFixed(2)} (${median(after.cpu).toFixed(4)} / ${median(before.cpu).toFixed(4)} ms), ` +
      `Redis CPU ${(median(after.redis) / median(before.redis)).toFixed(2)} (${median(after.redis).toFixed(4)} / ${median(before.redis).toFixed(4)} ms)`,
  );
  await queue.close();
  redis.disconnect();
} finally {
  admin.disconnect();
  await server.stop();
}
