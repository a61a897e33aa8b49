/**
 * Enqueue throughput through the producer's API: `POST /messages` from 64
 * keep-alive connections, and `POST /messages/batch`, driven by autocannon for a
 * fixed time after a short warm-up. No worker runs, so only enqueueing is measured.
 * Every message has its own recipient, as in real traffic (a per-recipient
 * index is written for each).
 */
import autocannon from 'autocannon';
import type { BenchContext } from '../context.js';
import { BENCH_API_KEY, createDeployment } from '../env/deployment.js';
import { cpuMsOf, startCourier } from '../env/processes.js';
import { redisCpuSeconds } from '../env/redis.js';
import { emailMessage } from '../workload.js';

const WARMUP_SECONDS = 1;

/** One enqueue measurement. */
export interface EnqueueRun {
  readonly route: '/messages' | '/messages/batch';
  readonly batchSize: number;
  readonly connections: number;
  readonly logLevel: string;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly messagesPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Messages the store lists as queued afterwards (checks that every 2xx was real). */
  readonly queuedRecorded: number;
  readonly producerRssPeak: number;
  /** Producer CPU time per message (all its threads). */
  readonly producerCpuMsPerMessage: number;
  /** Redis CPU time per message. */
  readonly redisCpuMsPerMessage: number;
  /** Redis CPU use during the run, in percent of one core. */
  readonly redisCpuPercent: number;
}

/** Options of one run. */
export interface EnqueueOptions {
  readonly batchSize: number;
  readonly connections: number;
  readonly seconds: number;
  readonly logLevel: 'info' | 'warn';
  readonly tag: string;
}

async function fire(port: number, o: EnqueueOptions, seconds: number, startAt: number): Promise<autocannon.Result> {
  let n = startAt;
  const route = o.batchSize === 1 ? '/messages' : '/messages/batch';
  const body = (): string => {
    if (o.batchSize === 1) {
      n++;
      return JSON.stringify(emailMessage(`${o.tag}-${n}@bench.test`, n));
    }
    const messages = Array.from({ length: o.batchSize }, () => {
      n++;
      return emailMessage(`${o.tag}-${n}@bench.test`, n);
    });
    return JSON.stringify({ messages });
  };
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: o.connections,
    pipelining: 1,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: route,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_API_KEY}` },
        setupRequest: (req) => ({ ...req, body: body() }),
      },
    ],
  });
}

/** Start a producer, warm it up, measure, stop it. */
export async function enqueueRun(ctx: BenchContext, o: EnqueueOptions): Promise<EnqueueRun> {
  await ctx.redis.flush();
  const d = createDeployment(ctx.redis, { name: o.tag, smtpPort: ctx.smtp.port, concurrency: ctx.sizes.concurrency, logLevel: o.logLevel });
  const producer = await startCourier('producer', d.configPath, { cpuProfileDir: ctx.cpuProfileDir });
  try {
    const port = producer.port;
    const warm = await fire(port, o, WARMUP_SECONDS, 1_000_000_000);
    const warmMessages = warm['2xx'] * o.batchSize;
    let rssPeak = 0;
    const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, producer.rss())), 200);
    const cpu0 = cpuMsOf(producer.pid);
    const redis0 = await redisCpuSeconds(ctx.redis);
    let result: autocannon.Result;
    try {
      result = await fire(port, o, o.seconds, 0);
    } finally {
      clearInterval(rssTimer);
    }
    const cpuMs = cpuMsOf(producer.pid) - cpu0;
    const redisMs = ((await redisCpuSeconds(ctx.redis)) - redis0) * 1_000;
    const queued = (await ctx.redis.admin.zcard(d.store.keys.statusIndex('queued'))) - warmMessages;
    const seconds = result.duration;
    const messages = Math.max(1, result['2xx'] * o.batchSize);
    return {
      route: o.batchSize === 1 ? '/messages' : '/messages/batch',
      batchSize: o.batchSize,
      connections: o.connections,
      logLevel: o.logLevel,
      seconds,
      requestsPerSecond: result['2xx'] / seconds,
      messagesPerSecond: (result['2xx'] * o.batchSize) / seconds,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      queuedRecorded: queued,
      producerRssPeak: rssPeak,
      producerCpuMsPerMessage: cpuMs / messages,
      redisCpuMsPerMessage: redisMs / messages,
      redisCpuPercent: redisMs / (seconds * 10),
    };
  } finally {
    await producer.stop();
    await d.close();
  }
}
