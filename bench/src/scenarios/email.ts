/**
 * E-mail throughput, templated, over SMTP: Courier's worker (status tracking on)
 * against the baseline worker, same backlog size, sink, Redis and concurrency.
 * Runs alternate between the two so drift on a noisy machine hits both alike.
 * Also measures Courier once at the default log level (`info`, one line per
 * message) and, for scaling, with two worker processes.
 */
import { parseConfig } from '@courier/core';
import type { BenchContext } from '../context.js';
import { createBaselineQueue } from '../env/baseline-queue.js';
import { createDeployment, type SmtpPool } from '../env/deployment.js';
import { startAll, startBaseline, startCourier } from '../env/processes.js';
import { baselineJobs, baselineRawJobs, emailMessage, emailRecipient, payloadsFor, rawEmailMessage } from '../workload.js';
import { drainRun, waitForValue, type DrainResult } from './drain.js';

/** One measured run. */
export interface EmailRun extends DrainResult {
  readonly system: 'courier' | 'baseline';
  readonly workers: number;
  readonly logLevel: string;
  /** Which comparison the run belongs to (see {@link emailVariant}). */
  readonly variant: string;
  /** The SMTP pool both sides used. */
  readonly pool: SmtpPool;
  /** Courier only: messages recorded `sent` when the run ended. */
  readonly sentRecorded?: number;
}

/** Options of one run. */
export interface EmailRunOptions {
  readonly count: number;
  readonly workers: number;
  readonly logLevel?: 'info' | 'warn';
  readonly tag: string;
  /** The SMTP pool of both sides; Courier's config defaults when omitted. */
  readonly pool?: SmtpPool;
  /** Templated (the default) or a raw text message. */
  readonly content?: 'templated' | 'raw';
}

/** Courier's default pool (the config schema's), which the baseline gets when a run names none. */
export const DEFAULT_POOL: SmtpPool = (() => {
  const { pool } = parseConfig({}, 'defaults').courier.smtp;
  return { maxConnections: pool.max_connections, maxMessages: pool.max_messages };
})();

/** The comparison a run belongs to: content and pool, e.g. `templated 10x1000`. */
export function emailVariant(o: Pick<EmailRunOptions, 'pool' | 'content'>): string {
  const pool = o.pool ?? DEFAULT_POOL;
  return `${o.content ?? 'templated'} ${pool.maxConnections}x${pool.maxMessages}`;
}

const poolEnv = (pool: SmtpPool): Record<string, string> => ({
  SMTP_MAX_CONNECTIONS: String(pool.maxConnections),
  SMTP_MAX_MESSAGES: String(pool.maxMessages),
});

/** Courier: enqueue `count` templated e-mails, start `workers` worker processes, drain. */
export async function courierEmailRun(ctx: BenchContext, o: EmailRunOptions): Promise<EmailRun> {
  await ctx.redis.flush();
  const logLevel = o.logLevel ?? 'warn';
  const d = createDeployment(ctx.redis, {
    name: o.tag,
    smtpPort: ctx.smtp.port,
    concurrency: ctx.sizes.concurrency,
    logLevel,
    ...(o.pool === undefined ? {} : { pool: o.pool }),
  });
  try {
    const make = o.content === 'raw' ? rawEmailMessage : emailMessage;
    await d.enqueue(payloadsFor(o.count, (i) => make(emailRecipient(o.tag, i), i)));
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
    return { ...run, system: 'courier', workers: o.workers, logLevel, sentRecorded, variant: emailVariant(o), pool: d.pool };
  } finally {
    await d.close();
  }
}

/** Baseline: the same number of jobs, `workers` baseline processes, drain. */
export async function baselineEmailRun(ctx: BenchContext, o: EmailRunOptions): Promise<EmailRun> {
  await ctx.redis.flush();
  const pool = o.pool ?? DEFAULT_POOL;
  const q = createBaselineQueue(ctx.redis, o.tag, ctx.sizes.concurrency, { SMTP_PORT: String(ctx.smtp.port), ...poolEnv(pool) });
  try {
    const jobs = o.content === 'raw' ? baselineRawJobs : baselineJobs;
    await q.fill(jobs(o.count, (i) => emailRecipient(o.tag, i)));
    const run = await drainRun(ctx, {
      sink: ctx.smtp,
      count: o.count,
      start: async () => {
        const starts = Array.from({ length: o.workers }, () => startBaseline('smtp', q.env, { cpuProfileDir: ctx.cpuProfileDir }));
        return startAll(starts);
      },
    });
    return { ...run, system: 'baseline', workers: o.workers, logLevel: 'none', variant: emailVariant(o), pool };
  } finally {
    await q.close();
  }
}
