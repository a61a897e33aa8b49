/**
 * API enqueue with the worker running: templated multipart e-mails (the
 * `verification_code_valid` template: subject, text and HTML) are POSTed one per
 * request to the producer's `POST /messages` while the worker drains them into the
 * SMTP sink, so the producer, the worker, Redis and the sink share the machine as
 * in production. Against the plain baseline: a Fastify route calling `queue.add`
 * (`baseline/http-producer.ts`, the same JSON body, no validation, no record) and
 * the baseline SMTP worker.
 *
 * Both processes are started and ready first; then autocannon sends `count`
 * requests (16 keep-alive connections) and the rate is counted at the sink from
 * the first request to the last acceptance. CPU per message is the producer's and
 * the worker's together (all their threads).
 */
import autocannon from 'autocannon';
import { freePort } from '@courier/testkit';
import type { BenchContext } from '../context.js';
import { createBaselineQueue } from '../env/baseline-queue.js';
import { BENCH_API_KEY, createDeployment } from '../env/deployment.js';
import { startAll, startBaseline, startCourier } from '../env/processes.js';
import { emailMessage, emailRecipient } from '../workload.js';
import { drainRun, waitForValue, type DrainResult } from './drain.js';
import { DEFAULT_POOL } from './email.js';

/** Client connections posting messages. */
const CONNECTIONS = 16;

/** One API-plus-worker run. */
export interface ApiRun extends DrainResult {
  readonly system: 'courier' | 'baseline';
  /** Requests answered 202. */
  readonly accepted: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Time to the API's answer, p50 and p99. */
  readonly answerP50Ms: number;
  readonly answerP99Ms: number;
  /** Courier only: messages recorded `sent` when the run ended. */
  readonly sentRecorded?: number;
}

function fire(port: number, tag: string, count: number, auth: boolean): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    pipelining: 1,
    amount: count,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/messages',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${BENCH_API_KEY}` } : {}) },
        setupRequest: (req) => {
          const i = n++;
          return { ...req, body: JSON.stringify(emailMessage(emailRecipient(tag, i), i)) };
        },
      },
    ],
  });
}

async function run(
  ctx: BenchContext,
  system: ApiRun['system'],
  count: number,
  start: () => Promise<{ procs: Awaited<ReturnType<typeof startAll>>; port: number }>,
  tag: string,
  beforeStop?: () => Promise<void>,
): Promise<Omit<ApiRun, 'sentRecorded'>> {
  let load: Promise<autocannon.Result> | undefined;
  let result: autocannon.Result | undefined;
  const drained = await drainRun(ctx, {
    sink: ctx.smtp,
    count,
    start: async () => {
      const { procs, port } = await start();
      // The requests start once both processes are ready: the drain's clock starts here.
      load = fire(port, tag, count, system === 'courier');
      return procs;
    },
    beforeStop: async () => {
      result = await load;
      await beforeStop?.();
    },
  });
  if (result === undefined) throw new Error('the load generator did not finish');
  if (result['2xx'] !== count) ctx.log(`  warning: ${system} API answered ${result['2xx']}/${count} requests 2xx (non-2xx ${result.non2xx}, errors ${result.errors})`);
  return {
    ...drained,
    system,
    accepted: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    answerP50Ms: result.latency.p50,
    answerP99Ms: result.latency.p99,
  };
}

/** Courier: producer and worker running, `count` messages through the API. */
export async function courierApiRun(ctx: BenchContext, count: number, rep: number): Promise<ApiRun> {
  await ctx.redis.flush();
  const tag = `apic${rep}`;
  const d = createDeployment(ctx.redis, { name: tag, smtpPort: ctx.smtp.port, concurrency: ctx.sizes.concurrency, logLevel: 'warn' });
  try {
    let sentRecorded = 0;
    const r = await run(
      ctx,
      'courier',
      count,
      async () => {
        const [worker, producer] = await Promise.all([
          startCourier('worker', d.configPath, { cpuProfileDir: ctx.cpuProfileDir }),
          startCourier('producer', d.configPath, { cpuProfileDir: ctx.cpuProfileDir }),
        ]);
        return { procs: [worker, producer], port: producer.port };
      },
      tag,
      async () => {
        sentRecorded = await waitForValue(() => d.sentCount(), count, 10_000);
      },
    );
    if (sentRecorded !== count) ctx.log(`  warning: ${sentRecorded}/${count} messages recorded as sent`);
    return { ...r, sentRecorded };
  } finally {
    await d.close();
  }
}

/** Baseline: Fastify + `queue.add`, and the baseline SMTP worker, with Courier's default pool. */
export async function baselineApiRun(ctx: BenchContext, count: number, rep: number): Promise<ApiRun> {
  await ctx.redis.flush();
  const tag = `apib${rep}`;
  const q = createBaselineQueue(ctx.redis, tag, ctx.sizes.concurrency, {
    SMTP_PORT: String(ctx.smtp.port),
    SMTP_MAX_CONNECTIONS: String(DEFAULT_POOL.maxConnections),
    SMTP_MAX_MESSAGES: String(DEFAULT_POOL.maxMessages),
  });
  try {
    return await run(
      ctx,
      'baseline',
      count,
      async () => {
        const port = await freePort();
        const procs = await startAll([
          startBaseline('smtp', q.env, { cpuProfileDir: ctx.cpuProfileDir }),
          startBaseline('producer', { ...q.env, PORT: String(port) }, { cpuProfileDir: ctx.cpuProfileDir }),
        ]);
        return { procs, port };
      },
      tag,
    );
  } finally {
    await q.close();
  }
}
