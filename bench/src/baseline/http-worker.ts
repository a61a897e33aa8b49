/**
 * The plain baseline for HTTP delivery: a BullMQ worker that builds the JSON body
 * in plain JavaScript and POSTs it with fetch. Same Redis, same sink, same
 * concurrency and job retention as Courier.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const env = (name: string): string => process.env[name] ?? '';
const url = env('HTTP_URL');

const worker = new Worker<{ to: string; code: string }>(
  env('BENCH_QUEUE'),
  async (job) => {
    const body = JSON.stringify({ to: job.data.to, body: `Your verification code is: ${job.data.code}`, template_type: 'verification_code_valid' });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.status;
  },
  {
    connection: new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null }),
    prefix: env('BENCH_PREFIX'),
    concurrency: Number(env('CONCURRENCY')),
    removeOnComplete: { age: 86_400, count: 10_000 },
    removeOnFail: { age: 86_400, count: 10_000 },
  },
);

await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ msg: 'baseline worker started', pid: process.pid })}\n`);
process.once('SIGTERM', () => {
  void worker.close().then(() => process.exit(0));
});
