/**
 * One drain run: a backlog is already queued; start the processes under test,
 * wait until the sink has accepted every message, stop them. The rate is taken
 * from the moment every process is ready (or the first acceptance, if later) to
 * the last acceptance, so process start-up is not counted for either side, and
 * with several processes only the time they all run counts.
 */
import type { BenchContext } from '../context.js';
import { loadavg } from 'node:os';
import { cpuMsOf, sampleRss, type ProcessUnderTest } from '../env/processes.js';
import { commandStats, redisCpuSeconds, resetCommandStats } from '../env/redis.js';
import type { SinkHandle } from '../env/sinks.js';
import type { SinkStats } from '../env/sink-protocol.js';
import { rateOf, round } from '../report/stats.js';

/** What a drain run measured. */
export interface DrainResult {
  readonly rate: number;
  readonly stats: SinkStats;
  /** Peak RSS summed over the processes under test, in bytes. */
  readonly rssPeak: number;
  /** Average bytes per message as the sink received it. */
  readonly messageBytes: number;
  /** CPU time of the processes under test per message, over the measured window (all their threads). */
  readonly cpuMsPerMessage: number;
  /** Redis CPU time per message over the same window. */
  readonly redisCpuMsPerMessage: number;
  /** The sink process's CPU time per message, and its share of one core, over the same window (is it the bottleneck?). */
  readonly sinkCpuMsPerMessage: number;
  readonly sinkCoreShare: number;
  /** 1-minute load average when the run started (other work on the machine shows here). */
  readonly loadAvg: number;
  /**
   * Redis commands per message over the run (INFO commandstats, from the processes' start, so
   * it includes their start-up): calls and microseconds inside each command, per message.
   */
  readonly redisCommands: Record<string, { readonly callsPerMessage: number; readonly usecPerMessage: number }>;
}

/** Options of {@link drainRun}. */
export interface DrainOptions {
  readonly sink: SinkHandle;
  readonly count: number;
  /** Start the processes under test (resolves when they are ready). */
  readonly start: () => Promise<ProcessUnderTest[]>;
  /** Runs after the sink saw every message, before the processes are stopped. */
  readonly beforeStop?: () => Promise<void>;
}

/** Hard limit of one drain: generous, so only a hang trips it. */
function timeoutFor(count: number): number {
  return 60_000 + count * 5;
}

/** Run one drain (see module doc). */
export async function drainRun(ctx: BenchContext, options: DrainOptions): Promise<DrainResult> {
  const { sink, count } = options;
  await sink.reset();
  const procs: ProcessUnderTest[] = [];
  const rss = sampleRss(() => procs.map((p) => p.pid));
  try {
    const loadAvg = loadavg()[0] ?? 0;
    await resetCommandStats(ctx.redis);
    procs.push(...(await options.start()));
    const readyAt = Date.now();
    const cpuAtReady = procs.reduce((sum, p) => sum + cpuMsOf(p.pid), 0);
    const redisAtReady = await redisCpuSeconds(ctx.redis);
    const sinkAtReady = sink.pid === undefined ? 0 : cpuMsOf(sink.pid);
    const atReady = await sink.stats();
    const stats = await sink.waitFor(count, timeoutFor(count));
    const cpuMs = procs.reduce((sum, p) => sum + cpuMsOf(p.pid), 0) - cpuAtReady;
    const redisMs = ((await redisCpuSeconds(ctx.redis)) - redisAtReady) * 1_000;
    const sinkMs = sink.pid === undefined ? 0 : cpuMsOf(sink.pid) - sinkAtReady;
    const wallMs = Math.max(1, Date.now() - readyAt);
    const measured = Math.max(1, stats.count - atReady.count);
    const commands = await commandStats(ctx.redis);
    const redisCommands: Record<string, { callsPerMessage: number; usecPerMessage: number }> = {};
    for (const [name, c] of Object.entries(commands).sort((a, b) => b[1].usec - a[1].usec)) {
      if (name === 'info' || name === 'config') continue;
      redisCommands[name] = { callsPerMessage: round(c.calls / count, 3), usecPerMessage: round(c.usec / count, 2) };
    }
    await options.beforeStop?.();
    const peak = rss.stop().peak;
    if (stats.duplicates > 0) ctx.log(`  warning: ${stats.duplicates} duplicate deliveries`);
    const rate = atReady.count === 0 ? rateOf(stats.count, stats.firstAt, stats.lastAt) : ((stats.count - atReady.count) * 1_000) / Math.max(1, stats.lastAt - readyAt);
    return {
      rate,
      stats,
      rssPeak: peak,
      messageBytes: stats.bytes / Math.max(1, stats.count),
      cpuMsPerMessage: cpuMs / measured,
      redisCpuMsPerMessage: redisMs / measured,
      sinkCpuMsPerMessage: sinkMs / measured,
      sinkCoreShare: sinkMs / wallMs,
      loadAvg,
      redisCommands,
    };
  } finally {
    rss.stop();
    await Promise.all(procs.map((p) => p.stop()));
  }
}

/** Poll `read` until it returns `want` or `timeoutMs` passes; returns the last value read. */
export async function waitForValue(read: () => Promise<number>, want: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (value < want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}
