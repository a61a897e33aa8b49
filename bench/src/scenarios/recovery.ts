/**
 * Crash recovery: two Courier workers with the default lock settings drain a
 * backlog; once the sink has accepted `killAfter` messages one worker is
 * SIGKILLed (its in-flight jobs keep their locks until they expire) and the
 * survivor goes on alone. Time-to-recover is the time from the kill to the last
 * acceptance at the sink, once every message is recorded `sent`; duplicates are
 * the acceptances beyond the message count (the bound is the victim's jobs in
 * flight: at most its concurrency).
 */
import type { BenchContext } from '../context.js';
import { createDeployment } from '../env/deployment.js';
import { startAll, startCourier, type ProcessUnderTest } from '../env/processes.js';
import { emailMessage, emailRecipient, payloadsFor } from '../workload.js';
import { waitForValue } from './drain.js';

/** What one recovery run measured. */
export interface RecoveryRun {
  readonly count: number;
  readonly killAfter: number;
  /** Jobs active (both workers) just before the kill. */
  readonly activeAtKill: number;
  /** From the SIGKILL to the sink's last acceptance, ms. */
  readonly recoverMs: number;
  readonly duplicates: number;
  readonly sentRecorded: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
}

/** One run (see module doc). */
export async function recoveryRun(ctx: BenchContext, count: number, killAfter: number): Promise<RecoveryRun> {
  await ctx.redis.flush();
  const d = createDeployment(ctx.redis, { name: 'recovery', smtpPort: ctx.smtp.port, concurrency: ctx.sizes.concurrency, logLevel: 'warn' });
  const procs: ProcessUnderTest[] = [];
  try {
    await d.enqueue(payloadsFor(count, (i) => emailMessage(emailRecipient('rec', i), i)));
    await ctx.smtp.reset();
    procs.push(...(await startAll([startCourier('worker', d.configPath), startCourier('worker', d.configPath)])));
    await ctx.smtp.waitFor(killAfter, 60_000);
    const activeAtKill = await d.queue.getActiveCount();
    const victim = procs[0]!;
    const exited = new Promise<void>((resolve) => victim.child.once('exit', () => resolve()));
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    await exited;
    const sentRecorded = await waitForValue(() => d.sentCount(), count, 120_000);
    // Acceptances still on their way to the counter: give the sink a moment.
    await new Promise((r) => setTimeout(r, 500));
    const stats = await ctx.smtp.stats();
    return {
      count,
      killAfter,
      activeAtKill,
      recoverMs: stats.lastAt - killedAt,
      duplicates: Math.max(0, stats.count - count),
      sentRecorded,
      lockDurationMs: d.config.worker.lock_duration_ms,
      stalledIntervalMs: d.config.worker.stalled_interval_ms,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop().catch(() => undefined)));
    await d.close();
  }
}
