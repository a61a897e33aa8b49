/**
 * HTTP throughput with a Jsonnet body: Courier's `sms` HTTP channel renders the
 * built-in SMS template and then the request body from a Jsonnet template; the
 * baseline builds the same JSON in plain JavaScript and POSTs it with fetch.
 */
import type { BenchContext } from '../context.js';
import { createBaselineQueue } from '../env/baseline-queue.js';
import { createDeployment } from '../env/deployment.js';
import { startBaseline, startCourier } from '../env/processes.js';
import { baselineJobs, payloadsFor, smsMessage, SMS_BODY_JSONNET } from '../workload.js';
import { drainRun, waitForValue, type DrainResult } from './drain.js';

/** One measured run. */
export interface HttpRun extends DrainResult {
  readonly system: 'courier' | 'baseline';
  readonly sentRecorded?: number;
}

/** Recipient `i` of a run: distinct per message, so the sink can spot duplicates. */
function smsRecipient(rep: number, i: number): string {
  return `+1555${String(rep).padStart(2, '0')}${String(i).padStart(7, '0')}`;
}

/** Courier over the `sms` HTTP channel. */
export async function courierHttpRun(ctx: BenchContext, count: number, rep: number): Promise<HttpRun> {
  await ctx.redis.flush();
  const d = createDeployment(ctx.redis, {
    name: `http-${rep}`,
    smtpPort: ctx.smtp.port,
    concurrency: ctx.sizes.concurrency,
    logLevel: 'warn',
    channels: [
      {
        id: 'sms',
        type: 'http',
        request_config: {
          url: `http://127.0.0.1:${ctx.http.port}/sms`,
          body: `base64://${Buffer.from(SMS_BODY_JSONNET, 'utf8').toString('base64')}`,
        },
      },
    ],
  });
  try {
    await d.enqueue(payloadsFor(count, (i) => smsMessage(smsRecipient(rep, i), i)));
    let sentRecorded = 0;
    const run = await drainRun(ctx, {
      sink: ctx.http,
      count,
      start: async () => [await startCourier('worker', d.configPath, { cpuProfileDir: ctx.cpuProfileDir })],
      beforeStop: async () => {
        sentRecorded = await waitForValue(() => d.sentCount(), count, 10_000);
      },
    });
    if (sentRecorded !== count) ctx.log(`  warning: ${sentRecorded}/${count} messages recorded as sent`);
    return { ...run, system: 'courier', sentRecorded };
  } finally {
    await d.close();
  }
}

/** The baseline HTTP worker on the same number of jobs. */
export async function baselineHttpRun(ctx: BenchContext, count: number, rep: number): Promise<HttpRun> {
  await ctx.redis.flush();
  const q = createBaselineQueue(ctx.redis, `http-${rep}`, ctx.sizes.concurrency, { HTTP_URL: `http://127.0.0.1:${ctx.http.port}/sms` });
  try {
    await q.fill(baselineJobs(count, (i) => smsRecipient(rep, i)));
    const run = await drainRun(ctx, {
      sink: ctx.http,
      count,
      start: async () => [await startBaseline('http', q.env, { cpuProfileDir: ctx.cpuProfileDir })],
    });
    return { ...run, system: 'baseline' };
  } finally {
    await q.close();
  }
}
