/**
 * Experiment behind BENCHMARKS.md's enqueue analysis, store side only (no HTTP).
 *
 * 1. The CPU cost of one message through `enqueueMessages` (record and job in one
 *    MULTI per call) and through `createEnqueuer` (the producer's path: the calls
 *    of one event-loop turn share a MULTI), against the same two writes without a
 *    transaction (`store.create` + `queue.add`), a non-atomic reference that shows
 *    what the transaction costs.
 * 2. What creating a MULTI costs by itself: ioredis's Pipeline constructor copies
 *    every Lua script defined on the connection onto the new object, and the
 *    producer's connection carries BullMQ's scripts as well as Courier's;
 *    `createEnqueueMulti` builds one that carries only the scripts it runs.
 *
 * Run: `cd bench && node --conditions=source --import tsx src/experiments/enqueue-paths.ts`
 */
import { Redis } from 'ioredis';
import { parseConfig, type JobPayload } from '@courier/core';
import { createCourierQueue, createEnqueueMulti, createEnqueuer, createMessageStore, enqueueMessages, jobNameFor, jobOptionsFor } from '@courier/store';
import { startRedisServer } from '@courier/testkit';
import { emailMessage, payloadsFor } from '../workload.js';

const COUNT = 6_000;
const IN_FLIGHT = 64;
const CONSTRUCTIONS = 20_000;

const scriptCount = (r: Redis): number => Object.keys((r as unknown as { scriptsSet: Record<string, unknown> }).scriptsSet).length;

/** Microseconds per MULTI built by `make` (the object is dropped unsent). */
function multiCostUs(make: () => unknown): number {
  const t0 = performance.now();
  for (let i = 0; i < CONSTRUCTIONS; i++) make();
  return ((performance.now() - t0) * 1_000) / CONSTRUCTIONS;
}

const server = await startRedisServer();
try {
  const config = parseConfig({
    redis: { url: server.url, prefix: '{exp}' },
    courier: { smtp: { connection_uri: 'smtp://127.0.0.1:1/?disable_starttls=true' } },
  });
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const queue = createCourierQueue(redis, config);
  const store = createMessageStore(redis, '{exp}', { finishedTtlSeconds: 3_600 });
  await queue.waitUntilReady();
  // A first add makes the connection carry BullMQ's scripts, as in a running producer.
  await enqueueMessages(
    redis,
    queue,
    store,
    payloadsFor(1, (i) => emailMessage(`warm-${i}@bench.test`, i)).map((payload) => ({ payload })),
  );

  const enqueuer = createEnqueuer(redis, queue, store);
  const paths: Record<string, (p: JobPayload) => Promise<unknown>> = {
    'enqueueMessages (one MULTI per call: record + job)': (p) => enqueueMessages(redis, queue, store, [{ payload: p }]),
    'createEnqueuer (calls of one turn share a MULTI)': (p) => enqueuer.enqueue([{ payload: p }]),
    'store.create + queue.add (no MULTI, not atomic)': async (p) => {
      await store.create(p);
      await queue.add(jobNameFor(p), p, jobOptionsFor(p));
    },
  };
  for (let round = 0; round < 2; round++) {
    for (const [label, enqueue] of Object.entries(paths)) {
      const payloads = payloadsFor(COUNT, (i) => emailMessage(`exp-${round}-${label.length}-${i}@bench.test`, i));
      let next = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < COUNT) await enqueue(payloads[next++]!);
        }),
      );
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `round ${round + 1}, ${label}: ${Math.round((COUNT * 1_000) / ms)} msgs/s, ` + `${((cpu.user + cpu.system) / 1_000 / COUNT).toFixed(3)} CPU ms/msg in this process`,
      );
    }
  }

  const lean = new Redis(server.url, { maxRetriesPerRequest: null });
  createMessageStore(lean, '{exp}', { finishedTtlSeconds: 3_600 });
  for (const [label, r] of [
    ['producer-like connection', redis],
    ['connection with Courier scripts only', lean],
  ] as const) {
    multiCostUs(() => r.multi());
    console.log(`multi() on a ${label} (${scriptCount(r)} scripts): ${multiCostUs(() => r.multi()).toFixed(1)} us each`);
  }
  multiCostUs(() => createEnqueueMulti(redis));
  console.log(
    `createEnqueueMulti() on the producer-like connection (only the create and add-job scripts): ` + `${multiCostUs(() => createEnqueueMulti(redis)).toFixed(1)} us each`,
  );
  await queue.close();
  redis.disconnect();
  lean.disconnect();
} finally {
  await server.stop();
}
