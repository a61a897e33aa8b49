/**
 * `pnpm bench` / `pnpm bench --quick`: Courier side by side with a plain BullMQ
 * worker, on a private Redis and loopback sinks started for this run alone.
 *
 * Options:
 *   --quick              smaller sizes, one repetition (under two minutes)
 *   --only=a,b           run only these scenarios: email, loopback, recovery, http, api, scaling, enqueue, latency, memory
 *   --pools=CxM,...      more SMTP pool settings for the e-mail comparison (both sides alike)
 *   --email-count=N      messages per e-mail run (default 20000)
 *   --reps=N             repetitions of the throughput runs
 *   --concurrency=N      worker concurrency of Courier and the baseline (default 50)
 *   --backlog=N          backlog of the memory scenario (default 100000, quick 3000)
 *   --node-options=...   NODE_OPTIONS for the processes under test (e.g. V8 heap flags), for experiments
 *   --markdown           also print the table as Markdown (for BENCHMARKS.md)
 *   --profile            run Courier's and the baseline's processes with --cpu-prof and summarise
 *                        the profiles (figures of such a run are slowed by the profiler: do not quote them)
 *
 * Writes bench/results/latest.json (and <mode>.json) and prints the table.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIZES, type BenchContext, type BenchSizes } from './context.js';
import { describeMachine } from './env/machine.js';
import { killAllUnderTest, scrubConfigEnvironment } from './env/processes.js';
import { startBenchRedis, type BenchRedis } from './env/redis.js';
import { ensureNginx, startNginxHttpSink } from './env/nginx-sink.js';
import { ensurePostfixSmtpSink, startPostfixSmtpSink, startSink, type SinkHandle } from './env/sinks.js';
import { buildFigures, type RawResults } from './report/figures.js';
import { round } from './report/stats.js';
import { markdownTable, textTable } from './report/table.js';
import { baselineApiRun, courierApiRun } from './scenarios/api.js';
import { baselineEmailRun, courierEmailRun, emailVariant, type EmailRunOptions } from './scenarios/email.js';
import { enqueueRun } from './scenarios/enqueue.js';
import { baselineHttpRun, courierHttpRun } from './scenarios/http.js';
import { latencyRun } from './scenarios/latency.js';
import { loopbackRun } from './scenarios/loopback.js';
import { recoveryRun } from './scenarios/recovery.js';
import { baselineMemoryRun, courierMemoryRun } from './scenarios/memory.js';
import { formatSummary, summarizeProfiles, type ProfileSummary } from './tools/profile-summary.js';

const SCENARIOS = ['email', 'loopback', 'recovery', 'http', 'api', 'scaling', 'enqueue', 'latency', 'memory'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** Hard limit of a whole run: everything stops by itself even if something hangs. */
const RUN_LIMIT_MS: Record<BenchSizes['mode'], number> = { full: 60 * 60_000, quick: 15 * 60_000 };

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

interface CliOptions {
  readonly sizes: BenchSizes;
  readonly only: ReadonlySet<Scenario>;
  readonly profile: boolean;
  readonly markdown: boolean;
  readonly argv: readonly string[];
}

function parseArgs(argv: readonly string[]): CliOptions {
  const args = argv.filter((a) => a !== '--');
  let sizes: BenchSizes = SIZES.full;
  let only = new Set<Scenario>(SCENARIOS);
  let profile = false;
  let markdown = false;
  let reps: number | undefined;
  let concurrency: number | undefined;
  let backlog: number | undefined;
  let nodeOptions: string | undefined;
  let extraPools: { maxConnections: number; maxMessages: number }[] = [];
  let emailCount: number | undefined;
  for (const arg of args) {
    if (arg === '--quick') sizes = SIZES.quick;
    else if (arg === '--profile') profile = true;
    else if (arg === '--markdown') markdown = true;
    else if (arg.startsWith('--only=')) {
      const names = arg
        .slice('--only='.length)
        .split(',')
        .filter((s) => s !== '');
      const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
      if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; valid: ${SCENARIOS.join(', ')}`);
      only = new Set(names as Scenario[]);
    } else if (arg.startsWith('--reps=')) {
      reps = Number(arg.slice('--reps='.length));
      if (!Number.isInteger(reps) || reps < 1 || reps > 10) throw new Error('--reps must be an integer from 1 to 10');
    } else if (arg.startsWith('--backlog=')) {
      backlog = Number(arg.slice('--backlog='.length));
      if (!Number.isInteger(backlog) || backlog < 100 || backlog > 1_000_000) throw new Error('--backlog must be an integer from 100 to 1000000');
    } else if (arg.startsWith('--pools=')) {
      // Extra pool settings to compare, e.g. --pools=5x100,20x1000 (connections x messages per connection).
      extraPools = arg
        .slice('--pools='.length)
        .split(',')
        .filter((p) => p !== '')
        .map((p) => {
          const [c, m] = p.split('x').map(Number);
          if (!Number.isInteger(c) || !Number.isInteger(m) || c! < 1 || m! < 1) throw new Error(`--pools: "${p}" is not CONNSxMSGS`);
          return { maxConnections: c!, maxMessages: m! };
        });
    } else if (arg.startsWith('--email-count=')) {
      emailCount = Number(arg.slice('--email-count='.length));
      if (!Number.isInteger(emailCount) || emailCount < 100 || emailCount > 1_000_000) throw new Error('--email-count must be an integer from 100 to 1000000');
    } else if (arg.startsWith('--node-options=')) {
      nodeOptions = arg.slice('--node-options='.length);
    } else if (arg.startsWith('--concurrency=')) {
      concurrency = Number(arg.slice('--concurrency='.length));
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 2_000) throw new Error('--concurrency must be an integer from 1 to 2000');
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        `usage: pnpm bench [--quick] [--only=${SCENARIOS.join(',')}] [--reps=N] [--email-count=N] [--pools=CxM,...] ` +
          '[--concurrency=N] [--backlog=N] [--node-options=...] [--profile] [--markdown]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (see --help)`);
  }
  if (reps !== undefined) sizes = { ...sizes, reps };
  if (extraPools.length > 0) sizes = { ...sizes, extraPools };
  if (emailCount !== undefined) sizes = { ...sizes, emailCount };
  if (concurrency !== undefined) sizes = { ...sizes, concurrency };
  if (backlog !== undefined) sizes = { ...sizes, backlog, baselineBacklog: Math.min(sizes.baselineBacklog, backlog) };
  // Courier's processes inherit the environment: this is how V8 flags reach them (experiments only).
  if (nodeOptions !== undefined) process.env['NODE_OPTIONS'] = nodeOptions;
  return { sizes, only, profile, markdown, argv: args };
}

const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

const fmtRate = (r: number): string => `${Math.round(r).toLocaleString('en-US')} msgs/s`;
const perMsg = (r: {
  cpuMsPerMessage: number;
  redisCpuMsPerMessage: number;
  loadAvg: number;
  redisCommands?: Record<string, { callsPerMessage: number; usecPerMessage: number }>;
  sinkCpuMsPerMessage?: number;
  sinkCoreShare?: number;
}): string =>
  `${r.cpuMsPerMessage.toFixed(3)} CPU ms/msg (+ Redis ${r.redisCpuMsPerMessage.toFixed(3)}` +
  (r.sinkCpuMsPerMessage === undefined ? '' : `, sink ${r.sinkCpuMsPerMessage.toFixed(3)} at ${Math.round((r.sinkCoreShare ?? 0) * 100)}% of a core`) +
  `), load ${r.loadAvg.toFixed(1)}` +
  (r.redisCommands === undefined
    ? ''
    : `; Redis per msg: ${Object.entries(r.redisCommands)
        .slice(0, 4)
        .map(([name, c]) => `${name} ${c.callsPerMessage} calls ${c.usecPerMessage} us`)
        .join(', ')}`);

async function runScenarios(ctx: BenchContext, only: ReadonlySet<Scenario>, raw: RawResults): Promise<void> {
  const { sizes } = ctx;
  const attempt = async (scenario: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`${scenario} FAILED: ${message}`);
      raw.errors.push({ scenario, error: message.slice(0, 2_000) });
    }
  };

  if (only.has('email')) {
    // Both sides always get the same pool: Courier's defaults (the headline), nodemailer's own
    // defaults (5 x 100), and a tuned pool (10 connections, never replaced); plus raw text.
    const variants: readonly Pick<EmailRunOptions, 'pool' | 'content'>[] = [
      {},
      { content: 'raw' },
      ...(sizes.mode === 'full' ? [{ pool: { maxConnections: 5, maxMessages: 100 } }, { pool: { maxConnections: 10, maxMessages: 10_000_000 } }] : []),
      ...sizes.extraPools.map((pool) => ({ pool })),
    ];
    for (let rep = 0; rep < sizes.reps; rep++) {
      for (const [vi, v] of variants.entries()) {
        const name = emailVariant(v);
        await attempt(`email ${name} rep ${rep + 1}`, async () => {
          const c = await courierEmailRun(ctx, { count: sizes.emailCount, workers: 1, tag: `ce${vi}r${rep}`, ...v });
          raw.email.push(c);
          log(`email ${name} rep ${rep + 1}/${sizes.reps}: Courier ${fmtRate(c.rate)}, ${perMsg(c)} (${c.sentRecorded} recorded sent)`);
          const b = await baselineEmailRun(ctx, { count: sizes.emailCount, workers: 1, tag: `be${vi}r${rep}`, ...v });
          raw.email.push(b);
          log(`email ${name} rep ${rep + 1}/${sizes.reps}: baseline ${fmtRate(b.rate)}, ${perMsg(b)}`);
        });
      }
    }
    if (sizes.infoLogRuns) {
      await attempt('email at log level info', async () => {
        const c = await courierEmailRun(ctx, { count: sizes.emailCount, workers: 1, logLevel: 'info', tag: 'cei' });
        raw.emailInfo.push(c);
        log(`email, worker at log level info: Courier ${fmtRate(c.rate)}, ${c.cpuMsPerMessage.toFixed(2)} CPU ms/msg`);
      });
    }
  }

  if (only.has('loopback')) {
    for (let rep = 0; rep < sizes.reps; rep++) {
      await attempt(`loopback rep ${rep + 1}`, async () => {
        await ctx.smtp.reset();
        const run = await loopbackRun(ctx, sizes.emailCount);
        raw.loopback.push(run);
        log(`loopback (nodemailer straight into the sink, no queue) rep ${rep + 1}/${sizes.reps}: ${fmtRate(run.rate)}, ${run.cpuMsPerMessage.toFixed(3)} CPU ms/msg`);
      });
    }
  }

  if (only.has('recovery')) {
    for (let rep = 0; rep < sizes.recoveryReps; rep++) {
      await attempt(`recovery rep ${rep + 1}`, async () => {
        const run = await recoveryRun(ctx, sizes.recoveryCount, sizes.recoveryKillAfter);
        raw.recovery.push(run);
        log(
          `recovery rep ${rep + 1}/${sizes.recoveryReps}: one of 2 workers SIGKILLed after ${run.killAfter} of ${run.count} with ${run.activeAtKill} jobs active; ` +
            `last delivery ${run.recoverMs} ms after the kill, ${run.duplicates} duplicates, ${run.sentRecorded} recorded sent ` +
            `(lock ${run.lockDurationMs} ms, stalled check ${run.stalledIntervalMs} ms)`,
        );
      });
    }
  }

  if (only.has('http')) {
    for (let rep = 0; rep < sizes.reps; rep++) {
      await attempt(`http rep ${rep + 1}`, async () => {
        const c = await courierHttpRun(ctx, sizes.httpCount, rep);
        raw.http.push(c);
        log(`http rep ${rep + 1}/${sizes.reps}: Courier ${fmtRate(c.rate)}, ${perMsg(c)} (${c.sentRecorded} recorded sent)`);
        const b = await baselineHttpRun(ctx, sizes.httpCount, rep);
        raw.http.push(b);
        log(`http rep ${rep + 1}/${sizes.reps}: baseline ${fmtRate(b.rate)}, ${perMsg(b)}`);
      });
    }
  }

  if (only.has('api')) {
    for (let rep = 0; rep < sizes.reps; rep++) {
      await attempt(`api rep ${rep + 1}`, async () => {
        const c = await courierApiRun(ctx, sizes.apiCount, rep);
        raw.api.push(c);
        log(
          `api+worker rep ${rep + 1}/${sizes.reps}: Courier ${fmtRate(c.rate)}, ${perMsg(c)} (${c.accepted} answered 202, p99 ${c.answerP99Ms} ms; ${c.sentRecorded} recorded sent)`,
        );
        const b = await baselineApiRun(ctx, sizes.apiCount, rep);
        raw.api.push(b);
        log(`api+worker rep ${rep + 1}/${sizes.reps}: baseline ${fmtRate(b.rate)}, ${perMsg(b)} (${b.accepted} answered 202, p99 ${b.answerP99Ms} ms)`);
      });
    }
  }

  if (only.has('scaling')) {
    // One-worker figures come from the e-mail scenario; run them here when it was skipped.
    const needOne = !only.has('email');
    const reps = Math.min(sizes.reps, sizes.scalingReps);
    for (let rep = 0; rep < reps; rep++) {
      await attempt(`scaling rep ${rep + 1}`, async () => {
        if (needOne) {
          raw.email.push(await courierEmailRun(ctx, { count: sizes.scalingCount, workers: 1, tag: `s1c${rep}` }));
          raw.email.push(await baselineEmailRun(ctx, { count: sizes.scalingCount, workers: 1, tag: `s1b${rep}` }));
        }
        const c = await courierEmailRun(ctx, { count: sizes.scalingCount, workers: 2, tag: `s2c${rep}` });
        raw.scaling.push(c);
        const b = await baselineEmailRun(ctx, { count: sizes.scalingCount, workers: 2, tag: `s2b${rep}` });
        raw.scaling.push(b);
        log(`scaling rep ${rep + 1}/${reps}: 2 workers: Courier ${fmtRate(c.rate)} (${perMsg(c)}), baseline ${fmtRate(b.rate)} (${perMsg(b)})`);
      });
    }
  }

  if (only.has('enqueue')) {
    const runs = [
      { batchSize: 1, connections: sizes.enqueueConnections, logLevel: 'warn' as const },
      ...(sizes.infoLogRuns ? [{ batchSize: 1, connections: sizes.enqueueConnections, logLevel: 'info' as const }] : []),
      ...sizes.batchSizes.map((b) => ({ batchSize: b, connections: sizes.batchConnections, logLevel: 'warn' as const })),
    ];
    for (const r of runs) {
      await attempt(`enqueue batch=${r.batchSize} log=${r.logLevel}`, async () => {
        const run = await enqueueRun(ctx, { ...r, seconds: sizes.enqueueSeconds, tag: `enq${r.batchSize}${r.logLevel}` });
        raw.enqueue.push(run);
        log(
          `enqueue ${run.route} batch=${run.batchSize} conns=${run.connections} log=${run.logLevel}: ${fmtRate(run.messagesPerSecond)} ` +
            `(${Math.round(run.requestsPerSecond)} req/s, p99 ${run.latencyP99Ms} ms, non-2xx ${run.non2xx}, errors ${run.errors}, ${run.queuedRecorded} recorded; ` +
            `producer ${run.producerCpuMsPerMessage.toFixed(3)} CPU ms/msg, Redis ${run.redisCpuMsPerMessage.toFixed(3)} CPU ms/msg at ${Math.round(run.redisCpuPercent)}% of a core)`,
        );
      });
    }
  }

  if (only.has('latency')) {
    for (const path of sizes.latencyPaths) {
      await attempt(`latency ${path}`, async () => {
        const run = await latencyRun(ctx, path);
        raw.latency.push(run);
        log(
          `latency ${path} @ ${run.rate}/s (achieved ${run.achievedRate.toFixed(1)}/s): p50 ${run.p50Ms} ms, p90 ${run.p90Ms} ms, ` +
            `p99 ${run.p99Ms} ms, max ${run.maxMs} ms over ${run.measured} msgs, ${run.failedSends} failed sends; ` +
            `enqueue answered p50 ${run.enqueueP50Ms} ms, p99 ${run.enqueueP99Ms} ms; CPU ms/msg ${JSON.stringify(run.cpuMsPerMessage)}`,
        );
      });
    }
  }

  if (only.has('memory')) {
    await attempt('memory courier', async () => {
      const run = await courierMemoryRun(ctx);
      raw.memory.push(run);
      log(
        `memory Courier, ${run.backlog} backlog: peak RSS ${round(run.rssPeak / 1024 ** 2, 1)} MB, Redis ${Math.round(run.queuedBytesPerMessage)} B/msg queued, ` +
          `${Math.round(run.retainedBytesPerMessage)} B/msg retained (BullMQ jobs ${Math.round(run.retainedQueueBytesPerMessage)} B/msg; ` +
          `Courier keys by MEMORY USAGE: ${JSON.stringify(run.trackingBreakdown)}), ${fmtRate(run.rate)}`,
      );
    });
    await attempt('memory baseline', async () => {
      const run = await baselineMemoryRun(ctx);
      raw.memory.push(run);
      log(
        `memory baseline, ${run.backlog} backlog: peak RSS ${round(run.rssPeak / 1024 ** 2, 1)} MB, Redis ${Math.round(run.queuedBytesPerMessage)} B/msg queued, ` +
          `${Math.round(run.retainedBytesPerMessage)} B/msg retained, ${fmtRate(run.rate)}`,
      );
    });
  }
}

/** Profiles written under `dir`, grouped by process kind (one sub-directory each). */
function profileGroups(dir: string): { label: string; files: string[] }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({
      label: d.name,
      files: readdirSync(join(dir, d.name))
        // Main threads only (thread id 0): tsx's loader thread is idle once the app has started.
        .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
        .map((f) => join(dir, d.name, f)),
    }))
    .filter((g) => g.files.length > 0);
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const removed = scrubConfigEnvironment();
  if (removed.length > 0) log(`ignoring config overrides from the environment: ${removed.join(', ')}`);
  const machine = describeMachine();
  log(`mode ${cli.sizes.mode}; ${machine.nproc} cores, ${machine.memoryGiB} GiB, node ${machine.node}`);

  let redis: BenchRedis | undefined;
  const sinks: SinkHandle[] = [];
  const cleanup = async (): Promise<void> => {
    killAllUnderTest();
    await Promise.allSettled(sinks.map((s) => s.close()));
    await redis?.stop().catch(() => undefined);
  };
  const limit = setTimeout(() => {
    log(`run exceeded ${RUN_LIMIT_MS[cli.sizes.mode] / 60_000} minutes; stopping everything`);
    void cleanup().finally(() => process.exit(1));
  }, RUN_LIMIT_MS[cli.sizes.mode]);
  limit.unref();
  process.once('SIGINT', () => {
    log('interrupted; stopping everything');
    void cleanup().finally(() => process.exit(130));
  });

  const raw: RawResults = { email: [], emailInfo: [], loopback: [], recovery: [], http: [], api: [], enqueue: [], latency: [], memory: [], scaling: [], errors: [] };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  // Profiles are large and not results to keep: they go to the temp dir (the path is printed).
  const cpuProfileDir = cli.profile ? join(tmpdir(), 'courier-bench-profiles', stamp) : undefined;
  try {
    redis = await startBenchRedis();
    const noNginx = ensureNginx(log);
    if (noNginx !== undefined) log(`nginx unavailable (${noNginx}); the testkit's node:http sink serves the HTTP scenario`);
    const [smtpTracked, http] = await Promise.all([startSink('smtp'), noNginx === undefined ? startNginxHttpSink() : startSink('http')]);
    sinks.push(smtpTracked, http);
    const noPostfix = ensurePostfixSmtpSink(log);
    if (noPostfix !== undefined) log(`Postfix smtp-sink unavailable (${noPostfix}); the testkit's sink serves every scenario`);
    const smtp = noPostfix === undefined ? await startPostfixSmtpSink() : smtpTracked;
    if (smtp !== smtpTracked) sinks.push(smtp);
    log(
      `redis ${redis.version} at ${redis.url}; smtp sink :${smtp.port} (${smtp.impl}); latency smtp sink :${smtpTracked.port} (${smtpTracked.impl}); ` +
        `http sink :${http.port} (${http.impl})`,
    );
    const ctx: BenchContext = { sizes: cli.sizes, redis, smtp, smtpTracked, http, cpuProfileDir, log };
    await runScenarios(ctx, cli.only, raw);
  } finally {
    await cleanup();
    clearTimeout(limit);
  }

  const figures = buildFigures(raw);
  let profiles: ProfileSummary[] = [];
  if (cpuProfileDir !== undefined) {
    profiles = profileGroups(cpuProfileDir).map((g) => summarizeProfiles(g.label, g.files));
    for (const p of profiles) process.stdout.write(`${formatSummary(p)}\n\n`);
    process.stdout.write(`CPU profiles: ${cpuProfileDir}\n`);
  }
  const result = {
    meta: {
      date: new Date().toISOString(),
      mode: cli.sizes.mode,
      command: `pnpm bench${cli.argv.length > 0 ? ` ${cli.argv.join(' ')}` : ''}`,
      durationSeconds: Math.round((Date.now() - started) / 1_000),
      machine,
      redis: redis.version,
      sinks: sinks.map((s) => ({ kind: s.kind, impl: s.impl })),
      sizes: cli.sizes,
      profiled: cli.profile,
      nodeOptions: process.env['NODE_OPTIONS'] ?? '',
    },
    figures,
    runs: raw,
    errors: raw.errors,
    profiles,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
  writeFileSync(join(RESULTS_DIR, 'latest.json'), json);
  writeFileSync(join(RESULTS_DIR, `${cli.sizes.mode}${cli.profile ? '-profiled' : ''}.json`), json);

  process.stdout.write(`\nCourier benchmark, ${cli.sizes.mode} run, ${machine.nproc} cores, node ${machine.node}${cli.profile ? ' (PROFILED: figures slowed)' : ''}\n\n`);
  process.stdout.write(`${textTable(figures)}\n\n`);
  if (cli.markdown) process.stdout.write(`${markdownTable(figures)}\n\n`);
  process.stdout.write(`results: ${join(RESULTS_DIR, 'latest.json')} (${result.meta.durationSeconds} s)\n`);
  if (raw.errors.length > 0) {
    process.stdout.write(`${raw.errors.length} scenario(s) failed:\n${raw.errors.map((e) => `  ${e.scenario}: ${e.error}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  killAllUnderTest();
  process.exit(1);
});
