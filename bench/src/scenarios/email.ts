/**
 * E-mail throughput, templated, over SMTP: Courier's worker (status tracking on)
 * against the baseline worker, same backlog size, sink, Redis and concurrency.
 * Runs alternate between the two so drift on a noisy machine hits both alike.
 * Also measures Courier once at the default log level (`info`, one line per
 * message) and, for scaling, with two worker processes.
 */
import type { BenchContext } from '../context.js';
import { createBaselineQueue } from '../env/baseline-queue.js';
import { createDeployment } from '../env/deployment.js';
import { startAll, startBaseline, startCourier } from '../env/processes.js';
import { baselineJobs, emailMessage, emailRecipient, payloadsFor } from '../workload.js';
import { drainRun, waitForValue, type DrainResult } from './drain.js';

/** One measured run. */
export interface EmailRun extends DrainResult {
  readonly system: 'courier' | 'baseline';
  readonly workers: number;
  readonly logLevel: string;
  /** Courier only: messages recorded `sent` when the run ended. */
  readonly sentRecorded?: number;
}

/** Options of one run. */
export interface EmailRunOptions {
  readonly count: number;
  readonly workers: number;
  readonly logLevel?: 'info' | 'warn';
  readonly tag: string;
}

/** Courier: enqueue `count` templated e-mails, start `workers` worker processes, drain. */
export async function courierEmailRun(ctx: BenchContext, o: EmailRunOptions): Promise<EmailRun> {
  await ctx.redis.flush();
  const logLevel = o.logLevel ?? 'warn';
  const d = createDeployment(ctx.redis, { name: o.tag, smtpPort: ctx.smtp.port, concurrency: ctx.sizes.concurrency, logLevel });
  try {
    await d.enqueue(payloadsFor(o.count, (i) => emailMessage(emailRecipient(o.tag, i), i)));
    let sentRecorded = 0;
    const run = await drainRun(ctx, {
      sink: ctx.smtp,
      count: o.count,
      start: async () => {
        const starts = Array.from({ length: o.workers }, () => startCourier('worker', d.configPath, { cpuProfileDir: ctx.cpuProfileDir }));
        return startAll(starts);
      },
      // "sent" is recorded right after the sink accepted: give it a moment.
      beforeStop: async () => {
        sentRecorded = await waitForValue(() => d.sentCount(), o.count, 10_000);
      },
    });
    if (sentRecorded !== o.count) ctx.log(`  warning: ${sentRecorded}/${o.count} messages recorded as sent`);
    return { ...run, system: 'courier', workers: o.workers, logLevel, sentRecorded };
  } finally {
    await d.close();
  }
}

/** Baseline: the same number of jobs, `workers` baseline processes, drain. */
export async function baselineEmailRun(ctx: BenchContext, o: EmailRunOptions): Promise<EmailRun> {
  await ctx.redis.flush();
  const q = createBaselineQueue(ctx.redis, o.tag, ctx.sizes.concurrency, { SMTP_PORT: String(ctx.smtp.port) });
  try {
    await q.fill(baselineJobs(o.count, (i) => emailRecipient(o.tag, i)));
    const run = await drainRun(ctx, {
      sink: ctx.smtp,
      count: o.count,
      start: async () => {
        const starts = Array.from({ length: o.workers }, () => startBaseline('smtp', q.env, { cpuProfileDir: ctx.cpuProfileDir }));
        return startAll(starts);
      },
    });
    return { ...run, system: 'baseline', workers: o.workers, logLevel: 'none' };
  } finally {
    await q.close();
  }
}
