/**
 * What every scenario gets: the run's sizes, its Redis and sinks, where to put
 * profiles, and how to report progress.
 */
import type { BenchRedis } from './env/redis.js';
import type { SinkHandle } from './env/sinks.js';

/** Sizes of one run; `--quick` shrinks them to fit in under two minutes. */
export interface BenchSizes {
  readonly mode: 'full' | 'quick';
  /** Repetitions of the throughput runs (medians are quoted). */
  readonly reps: number;
  readonly emailCount: number;
  readonly httpCount: number;
  /** Messages of the API-plus-worker scenario (`api`). */
  readonly apiCount: number;
  readonly concurrency: number;
  readonly enqueueSeconds: number;
  readonly enqueueConnections: number;
  readonly batchSizes: readonly number[];
  readonly batchConnections: number;
  readonly latencyRate: number;
  readonly latencySeconds: number;
  /** Seconds sent at the same rate before the measured ones, not counted. */
  readonly latencyWarmupSeconds: number;
  /** Which ways into the system the latency scenario measures. */
  readonly latencyPaths: readonly ('courier-api' | 'courier-direct' | 'baseline-direct')[];
  readonly backlog: number;
  /** Backlog of the baseline's memory run (it only serves as a comparison). */
  readonly baselineBacklog: number;
  readonly scalingCount: number;
  readonly scalingReps: number;
  /** Also measure Courier at the default log level (`info`). */
  readonly infoLogRuns: boolean;
  /** More SMTP pool settings for the e-mail comparison (`--pools=CxM,...`), both sides alike. */
  readonly extraPools: readonly { readonly maxConnections: number; readonly maxMessages: number }[];
  /** Recovery scenario: backlog, acceptances before the SIGKILL, repetitions. */
  readonly recoveryCount: number;
  readonly recoveryKillAfter: number;
  readonly recoveryReps: number;
}

/** The sizes of `pnpm bench` and `pnpm bench --quick`. */
export const SIZES: Readonly<Record<'full' | 'quick', BenchSizes>> = {
  full: {
    mode: 'full',
    reps: 3,
    emailCount: 20_000,
    httpCount: 5_000,
    apiCount: 10_000,
    concurrency: 50,
    enqueueSeconds: 8,
    enqueueConnections: 64,
    batchSizes: [100, 1_000],
    batchConnections: 4,
    latencyRate: 200,
    latencySeconds: 15,
    latencyWarmupSeconds: 5,
    latencyPaths: ['courier-api', 'courier-direct', 'baseline-direct'],
    backlog: 100_000,
    baselineBacklog: 20_000,
    scalingCount: 10_000,
    scalingReps: 2,
    infoLogRuns: true,
    extraPools: [],
    recoveryCount: 1_000,
    recoveryKillAfter: 300,
    recoveryReps: 3,
  },
  quick: {
    mode: 'quick',
    reps: 1,
    emailCount: 1_500,
    httpCount: 1_000,
    apiCount: 1_500,
    concurrency: 50,
    enqueueSeconds: 3,
    enqueueConnections: 64,
    batchSizes: [100],
    batchConnections: 4,
    latencyRate: 200,
    latencySeconds: 3,
    latencyWarmupSeconds: 2,
    latencyPaths: ['courier-api', 'baseline-direct'],
    backlog: 3_000,
    baselineBacklog: 3_000,
    scalingCount: 1_500,
    scalingReps: 1,
    infoLogRuns: false,
    extraPools: [],
    recoveryCount: 1_000,
    recoveryKillAfter: 300,
    recoveryReps: 1,
  },
};

/** Shared state of a run. */
export interface BenchContext {
  readonly sizes: BenchSizes;
  readonly redis: BenchRedis;
  /** The throughput scenarios' SMTP sink: Postfix's smtp-sink where installable, else the testkit's. */
  readonly smtp: SinkHandle;
  /** The testkit's SMTP sink (in its own process): keeps per-recipient acceptance times, for latency. */
  readonly smtpTracked: SinkHandle;
  readonly http: SinkHandle;
  /** Directory for `--cpu-prof` output of Courier's and the baseline's processes; none when not profiling. */
  readonly cpuProfileDir: string | undefined;
  /** Progress line on stderr (the table goes to stdout). */
  log(message: string): void;
}
