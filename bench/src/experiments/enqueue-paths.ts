/**
 * Experiment behind BENCHMARKS.md's enqueue analysis: the CPU cost of one
 * message through `enqueueMessages` (a records pipeline plus `addBulk`, i.e. two
 * ioredis Pipeline objects per call) against the same two writes without
 * pipelines (`store.create` + `queue.add`), on a connection that carries
 * BullMQ's Lua scripts, as the producer's does. No HTTP: only the store side.
 *
 * Run: `cd bench && node --import tsx src/experiments/enqueue-paths.ts`
 */
import { Redis } from 'ioredis';
import { parseConfig, type JobPayload } from '@courier/core';
import { createCourierQueue, createMessageStore, enqueueMessages, jobNameFor, jobOptionsFor } from '@courier/store';
import { startRedisServer } from '@courier/testkit';
import { emailMessage, payloadsFor } from '../workload.js';

const COUNT = 6_000;
const IN_FLIGHT = 64;

const server = await startRedisServer();
try {
  const config = parseConfig({ redis: { url: server.url, prefix: '{exp}' }, courier: { smtp: { connection_uri: 'smtp://127.0.0.1:1/?disable_starttls=true' } } });
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const queue = createCourierQueue(redis, config);
  const store = createMessageStore(redis, '{exp}', { finishedTtlSeconds: 3_600 });
  await queue.waitUntilReady();
  // BullMQ loads its scripts onto the connection lazily; one add makes them present, as in a running producer.
  await queue.add('warm', payloadsFor(1, (i) => emailMessage(`warm-${i}@bench.test`, i))[0]!);
  const scripts = Object.keys((redis as unknown as { scriptsSet: Record<string, unknown> }).scriptsSet).length;

  const paths: Record<string, (p: JobPayload) => Promise<unknown>> = {
    'enqueueMessages (pipeline + addBulk)': (p) => enqueueMessages(redis, queue, store, [{ payload: p }]),
    'store.create + queue.add (no pipelines)': async (p) => {
      await store.create(p);
      await queue.add(jobNameFor(p), p, jobOptionsFor(p));
    },
  };
  console.log(`connection carries ${scripts} Lua scripts (each copied onto every Pipeline/multi it creates)`);
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
        `round ${round + 1}, ${label}: ${Math.round((COUNT * 1_000) / ms)} msgs/s, ` +
          `${((cpu.user + cpu.system) / 1_000 / COUNT).toFixed(3)} CPU ms/msg in this process`,
      );
    }
  }
  await queue.close();
  redis.disconnect();
} finally {
  await server.stop();
}
