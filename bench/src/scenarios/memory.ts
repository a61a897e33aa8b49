/**
 * Memory: worker RSS while it works through a large backlog, and the Redis
 * memory each message costs while queued and after it was sent (its status
 * record, indexes, and the BullMQ job BullMQ keeps until `retention` trims it).
 * Redis memory is `INFO memory` `used_memory`, taken on an emptied Redis before
 * and after. The baseline does the same backlog for comparison.
 */
import type { BenchContext } from '../context.js';
import { createBaselineQueue } from '../env/baseline-queue.js';
import { createDeployment } from '../env/deployment.js';
import { startBaseline, startCourier } from '../env/processes.js';
import { baselineJobs, emailMessage, emailRecipient, payloadsFor } from '../workload.js';
import { drainRun, waitForValue } from './drain.js';

/** What the memory scenario measured. */
export interface MemoryRun {
  readonly system: 'courier' | 'baseline';
  readonly backlog: number;
  readonly rssPeak: number;
  /** Redis bytes per message while the whole backlog is queued. */
  readonly queuedBytesPerMessage: number;
  /** Redis bytes per message after every message was sent and finished, with default retention. */
  readonly retainedBytesPerMessage: number;
  /** Of those, what the queue library's kept jobs take (the rest is Courier's status records and indexes). */
  readonly retainedQueueBytesPerMessage: number;
  /** BullMQ jobs kept after the run (retention trims them to `jobs_max_count`). */
  readonly jobsKept: number;
  readonly rate: number;
  readonly sentRecorded?: number;
  /** Courier only: `MEMORY USAGE` of its own keys after the run, per message, by kind of key. */
  readonly trackingBreakdown?: Record<string, number>;
}

/** Kinds of Courier keys, by the part of the name after `<prefix>:tracking:`. */
function kindOf(key: string): string {
  const rest = key.slice(key.indexOf(':tracking:') + ':tracking:'.length);
  if (rest.startsWith('msg:')) return 'message hashes';
  if (rest.startsWith('idx:rcpt:')) return 'recipient indexes';
  if (rest.startsWith('idx:status:')) return 'status indexes';
  if (rest.startsWith('idx:tt:')) return 'template-type indexes';
  if (rest.startsWith('idx:all')) return 'all-messages index';
  return 'other';
}

/** Sum `MEMORY USAGE` of every Courier key under `prefix`, by kind, divided by `messages`. */
async function trackingBreakdown(ctx: BenchContext, prefix: string, messages: number): Promise<Record<string, number>> {
  const sums = new Map<string, number>();
  let cursor = '0';
  let rounds = 0;
  do {
    const [next, keys] = await ctx.redis.admin.scan(cursor, 'MATCH', `${prefix}:tracking:*`, 'COUNT', 2_000);
    cursor = next;
    if (keys.length > 0) {
      const pipeline = ctx.redis.admin.pipeline();
      for (const key of keys) pipeline.memory('USAGE', key);
      const results = (await pipeline.exec()) ?? [];
      keys.forEach((key, i) => {
        const bytes = Number(results[i]?.[1] ?? 0);
        sums.set(kindOf(key), (sums.get(kindOf(key)) ?? 0) + bytes);
      });
    }
    // Bounded: a scan of a few hundred thousand keys ends long before this.
  } while (cursor !== '0' && ++rounds < 100_000);
  return Object.fromEntries([...sums.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v / messages)]));
}

/** Courier's worker on the backlog. */
export async function courierMemoryRun(ctx: BenchContext): Promise<MemoryRun> {
  const backlog = ctx.sizes.backlog;
  await ctx.redis.flush();
  const d = createDeployment(ctx.redis, { name: 'mem', smtpPort: ctx.smtp.port, concurrency: ctx.sizes.concurrency, logLevel: 'warn' });
  try {
    const before = await ctx.redis.usedMemory();
    // Payloads are built and enqueued in slices so the benchmark itself stays small.
    for (let i = 0; i < backlog; i += 10_000) {
      const n = Math.min(10_000, backlog - i);
      await d.enqueue(payloadsFor(n, (k) => emailMessage(emailRecipient('mem', i + k), i + k)));
    }
    const queued = await ctx.redis.usedMemory();
    let sentRecorded = 0;
    const run = await drainRun(ctx, {
      sink: ctx.smtp,
      count: backlog,
      start: async () => [await startCourier('worker', d.configPath)],
      beforeStop: async () => {
        sentRecorded = await waitForValue(() => d.sentCount(), backlog, 15_000);
      },
    });
    const after = await ctx.redis.usedMemory();
    const breakdown = await trackingBreakdown(ctx, d.config.redis.prefix, backlog);
    const counts = await d.queue.getJobCounts('completed', 'failed', 'wait', 'active');
    const jobsKept = (counts['completed'] ?? 0) + (counts['failed'] ?? 0);
    await d.queue.obliterate({ force: true });
    const trackingOnly = await ctx.redis.usedMemory();
    return {
      system: 'courier',
      backlog,
      rssPeak: run.rssPeak,
      queuedBytesPerMessage: (queued - before) / backlog,
      retainedBytesPerMessage: (after - before) / backlog,
      retainedQueueBytesPerMessage: (after - trackingOnly) / backlog,
      jobsKept,
      rate: run.rate,
      sentRecorded,
      trackingBreakdown: breakdown,
    };
  } finally {
    await d.close();
  }
}

/** The baseline worker on the same backlog. */
export async function baselineMemoryRun(ctx: BenchContext): Promise<MemoryRun> {
  const backlog = ctx.sizes.baselineBacklog;
  await ctx.redis.flush();
  const q = createBaselineQueue(ctx.redis, 'mem', ctx.sizes.concurrency, { SMTP_PORT: String(ctx.smtp.port) });
  try {
    const before = await ctx.redis.usedMemory();
    await q.fill(baselineJobs(backlog, (i) => emailRecipient('memb', i)));
    const queued = await ctx.redis.usedMemory();
    const run = await drainRun(ctx, {
      sink: ctx.smtp,
      count: backlog,
      start: async () => [await startBaseline('smtp', q.env)],
    });
    const after = await ctx.redis.usedMemory();
    const counts = await q.queue.getJobCounts('completed', 'failed');
    return {
      system: 'baseline',
      backlog,
      rssPeak: run.rssPeak,
      queuedBytesPerMessage: (queued - before) / backlog,
      retainedBytesPerMessage: (after - before) / backlog,
      retainedQueueBytesPerMessage: (after - before) / backlog,
      jobsKept: (counts['completed'] ?? 0) + (counts['failed'] ?? 0),
      rate: run.rate,
    };
  } finally {
    await q.close();
  }
}
