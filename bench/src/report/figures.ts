/**
 * Turning raw runs into the figures the report quotes: medians of repeated runs,
 * Courier/baseline ratios, and whether each goal of the benchmark issue is met.
 */
import { emailVariant, type EmailRun } from '../scenarios/email.js';
import type { ApiRun } from '../scenarios/api.js';
import type { EnqueueRun } from '../scenarios/enqueue.js';
import type { HttpRun } from '../scenarios/http.js';
import type { LatencyRun } from '../scenarios/latency.js';
import type { LoopbackRun } from '../scenarios/loopback.js';
import type { RecoveryRun } from '../scenarios/recovery.js';
import type { MemoryRun } from '../scenarios/memory.js';
import { median, round } from './stats.js';

/** One row of the table and one key of `latest.json`. */
export interface Figure {
  readonly label: string;
  readonly unit: string;
  readonly courier: number | null;
  readonly baseline: number | null;
  /** Courier / baseline (or the figure's own ratio, e.g. 2 workers / 1). */
  readonly ratio: number | null;
  /** The goal, as text, and whether it is met; null when the figure has no goal. */
  readonly goal: string | null;
  readonly met: boolean | null;
  /** Samples the medians were taken over. */
  readonly samples?: { readonly courier: readonly number[]; readonly baseline: readonly number[] };
  readonly note?: string | undefined;
}

/** Everything the scenarios measured. */
export interface RawResults {
  email: EmailRun[];
  emailInfo: EmailRun[];
  loopback: LoopbackRun[];
  recovery: RecoveryRun[];
  http: HttpRun[];
  api: ApiRun[];
  enqueue: EnqueueRun[];
  latency: LatencyRun[];
  memory: MemoryRun[];
  scaling: EmailRun[];
  errors: { scenario: string; error: string }[];
}

const rates = (runs: readonly { rate: number }[]): number[] => runs.map((r) => round(r.rate));
const med = (values: readonly number[]): number | null => (values.length === 0 ? null : median(values));
const ratio = (a: number | null, b: number | null, digits = 2): number | null => (a === null || b === null || b === 0 || !Number.isFinite(a / b) ? null : round(a / b, digits));
const r0 = (v: number | null): number | null => (v === null ? null : round(v));
const mb = (bytes: number | undefined): number | null => (bytes === undefined ? null : round(bytes / 1024 ** 2, 1));

function atLeast(value: number | null, goal: number): boolean | null {
  return value === null ? null : value >= goal;
}

/** Build the figures from raw results. */
export function buildFigures(raw: RawResults): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  const cpu = (runs: readonly { cpuMsPerMessage: number }[]): number[] => runs.map((r) => round(r.cpuMsPerMessage, 3));
  const redisCpu = (runs: readonly { redisCpuMsPerMessage: number }[]): number[] => runs.map((r) => round(r.redisCpuMsPerMessage, 3));
  const oneWorker = raw.email.filter((r) => r.workers === 1);
  const variants = [...new Set(oneWorker.map((r) => r.variant))];
  // The headline comparison: templated, both sides on Courier's default pool.
  const main = variants.includes(emailVariant({})) ? emailVariant({}) : variants[0];
  let ce: number | null = null;
  let be: number | null = null;
  for (const variant of variants) {
    const runs = oneWorker.filter((r) => r.variant === variant);
    const c = rates(runs.filter((r) => r.system === 'courier'));
    const b = rates(runs.filter((r) => r.system === 'baseline'));
    const cm = med(c);
    const bm = med(b);
    const rr = ratio(cm, bm);
    const isMain = variant === main;
    if (isMain) {
      ce = cm;
      be = bm;
    }
    const [content, pool] = variant.split(' ');
    const [conns, perConn] = (pool ?? '').split('x');
    const goal = isMain ? 1.1 : content === 'raw' ? 1.0 : null;
    const key = isMain ? 'email_smtp' : `email_smtp_${content}_${pool}`;
    figures[`${key}_throughput`] = {
      label: `E-mail, ${content}, SMTP, pool ${conns} conns x ${Number(perConn).toLocaleString('en-US')} msgs (both sides)${isMain ? ', default pool' : ''}`,
      unit: 'msgs/s',
      courier: r0(cm),
      baseline: r0(bm),
      ratio: rr,
      goal: goal === null ? null : `ratio >= ${goal.toFixed(1)}`,
      met: goal === null ? null : atLeast(rr, goal),
      samples: { courier: c, baseline: b },
      note: 'drain only: backlog enqueued first, status tracking on',
    };
    const cc = med(cpu(runs.filter((r) => r.system === 'courier')));
    const bc = med(cpu(runs.filter((r) => r.system === 'baseline')));
    figures[`${key}_cpu_ms_per_message`] = {
      label: `  same, worker CPU ms per message (all threads)`,
      unit: 'ms',
      courier: cc === null ? null : round(cc, 3),
      baseline: bc === null ? null : round(bc, 3),
      ratio: ratio(cc, bc),
      goal: null,
      met: null,
      note: 'less sensitive to other load on the machine than msgs/s',
    };
    const cr = med(redisCpu(runs.filter((r) => r.system === 'courier')));
    const br = med(redisCpu(runs.filter((r) => r.system === 'baseline')));
    figures[`${key}_redis_cpu_ms_per_message`] = {
      label: `  same, Redis CPU ms per message`,
      unit: 'ms',
      courier: cr === null ? null : round(cr, 3),
      baseline: br === null ? null : round(br, 3),
      ratio: ratio(cr, br),
      goal: null,
      met: null,
    };
  }

  if (raw.loopback.length > 0) {
    const lr = rates(raw.loopback);
    const lm = med(lr);
    figures['email_loopback_ceiling'] = {
      label: 'Loopback ceiling: nodemailer straight into the sink, no queue (default pool)',
      unit: 'msgs/s',
      courier: null,
      baseline: r0(lm),
      ratio: ratio(ce, lm),
      goal: null,
      met: null,
      samples: { courier: [], baseline: lr },
      note: `ratio: Courier's templated drain / this; ${round(med(raw.loopback.map((r) => r.cpuMsPerMessage)) ?? 0, 3)} CPU ms/msg`,
    };
  }

  if (raw.recovery.length > 0) {
    const rec = raw.recovery.map((r) => r.recoverMs);
    const rm = med(rec);
    const maxDup = Math.max(...raw.recovery.map((r) => r.duplicates));
    const allSent = raw.recovery.every((r) => r.sentRecorded === r.count);
    figures['recovery_time_to_recover_ms'] = {
      label: 'Recovery: SIGKILL 1 of 2 workers, kill -> last delivery (defaults)',
      unit: 'ms',
      courier: r0(rm),
      baseline: null,
      ratio: null,
      goal: '< 10,000 ms, all sent',
      met: rm === null ? null : rm < 10_000 && allSent,
      samples: { courier: rec, baseline: [] },
      note: `duplicates max ${maxDup} (bound: the victim's concurrency); every message recorded sent: ${allSent}`,
    };
  }

  const info = med(rates(raw.emailInfo));
  if (raw.emailInfo.length > 0) {
    figures['email_smtp_throughput_info_log'] = {
      label: 'E-mail, same, worker at log level info',
      unit: 'msgs/s',
      courier: r0(info),
      baseline: r0(be),
      ratio: ratio(info, be),
      goal: null,
      met: null,
      note: 'default log level: one JSON line per message',
    };
  }

  if (raw.api.length > 0) {
    const courierApi = rates(raw.api.filter((r) => r.system === 'courier'));
    const baselineApi = rates(raw.api.filter((r) => r.system === 'baseline'));
    const ca = med(courierApi);
    const ba = med(baselineApi);
    figures['api_enqueue_and_drain'] = {
      label: 'E-mail, templated, POST /messages with the worker running (baseline: Fastify + queue.add)',
      unit: 'msgs/s',
      courier: r0(ca),
      baseline: r0(ba),
      ratio: ratio(ca, ba),
      goal: null,
      met: null,
      samples: { courier: courierApi, baseline: baselineApi },
    };
    const ac = med(cpu(raw.api.filter((r) => r.system === 'courier')));
    const bc = med(cpu(raw.api.filter((r) => r.system === 'baseline')));
    const ar = med(redisCpu(raw.api.filter((r) => r.system === 'courier')));
    const br = med(redisCpu(raw.api.filter((r) => r.system === 'baseline')));
    figures['api_cpu_ms_per_message'] = {
      label: 'API + worker, producer and worker CPU per message (all threads)',
      unit: 'ms',
      courier: ac === null ? null : round(ac, 3),
      baseline: bc === null ? null : round(bc, 3),
      ratio: ratio(ac, bc),
      goal: null,
      met: null,
      note: `Redis CPU ms/msg ${ar ?? '-'} (Courier) vs ${br ?? '-'} (baseline)`,
    };
  }

  const courierHttp = rates(raw.http.filter((r) => r.system === 'courier'));
  const baselineHttp = rates(raw.http.filter((r) => r.system === 'baseline'));
  const ch = med(courierHttp);
  const bh = med(baselineHttp);
  const httpRatio = ratio(ch, bh);
  figures['http_jsonnet_throughput'] = {
    label: 'HTTP, Jsonnet body (baseline: plain JS JSON)',
    unit: 'msgs/s',
    courier: r0(ch),
    baseline: r0(bh),
    ratio: httpRatio,
    goal: 'ratio >= 1.0',
    met: atLeast(httpRatio, 1.0),
    samples: { courier: courierHttp, baseline: baselineHttp },
    note: `HTTP sink process at ${Math.round(100 * (med(raw.http.map((r) => r.sinkCoreShare)) ?? 0))}% of a core (median; not the bottleneck while well below 100%)`,
  };

  const courierHttpCpu = med(cpu(raw.http.filter((r) => r.system === 'courier')));
  const baselineHttpCpu = med(cpu(raw.http.filter((r) => r.system === 'baseline')));
  figures['http_cpu_ms_per_message'] = {
    label: 'HTTP, worker CPU per message (all threads)',
    unit: 'ms',
    courier: courierHttpCpu === null ? null : round(courierHttpCpu, 2),
    baseline: baselineHttpCpu === null ? null : round(baselineHttpCpu, 2),
    ratio: ratio(courierHttpCpu, baselineHttpCpu),
    goal: null,
    met: null,
  };

  const rssMax = (runs: readonly { rssPeak: number }[]): number | null => (runs.length === 0 ? null : Math.max(...runs.map((r) => r.rssPeak)));
  const httpRss = mb(rssMax(raw.http.filter((r) => r.system === 'courier')) ?? undefined);
  const httpBaseRss = mb(rssMax(raw.http.filter((r) => r.system === 'baseline')) ?? undefined);
  figures['http_worker_rss_peak_mb'] = {
    label: 'HTTP, worker peak RSS',
    unit: 'MB',
    courier: httpRss,
    baseline: httpBaseRss,
    ratio: ratio(httpRss, httpBaseRss),
    goal: null,
    met: null,
  };
  const emailRss = mb(rssMax(raw.email.filter((r) => r.system === 'courier' && r.workers === 1)) ?? undefined);
  const emailBaseRss = mb(rssMax(raw.email.filter((r) => r.system === 'baseline' && r.workers === 1)) ?? undefined);
  figures['email_worker_rss_peak_mb'] = {
    label: 'E-mail, worker peak RSS',
    unit: 'MB',
    courier: emailRss,
    baseline: emailBaseRss,
    ratio: ratio(emailRss, emailBaseRss),
    goal: null,
    met: null,
  };

  for (const run of raw.enqueue) {
    const key = run.batchSize === 1 ? (run.logLevel === 'info' ? 'enqueue_single_info_log' : 'enqueue_single') : `enqueue_batch_${run.batchSize}`;
    const goalValue = run.batchSize === 1 ? 5_000 : 25_000;
    const isGoal = !(run.batchSize === 1 && run.logLevel === 'info');
    figures[key] = {
      label:
        run.batchSize === 1
          ? `Enqueue POST /messages, ${run.connections} conns${run.logLevel === 'info' ? ', log level info' : ''}`
          : `Enqueue POST /messages/batch (${run.batchSize}/req), ${run.connections} conns`,
      unit: 'msgs/s',
      courier: round(run.messagesPerSecond),
      baseline: null,
      ratio: null,
      goal: isGoal ? `>= ${goalValue.toLocaleString('en-US')}` : null,
      met: isGoal ? run.messagesPerSecond >= goalValue && run.non2xx === 0 && run.errors === 0 : null,
      note: `req p50 ${run.latencyP50Ms} ms, p99 ${run.latencyP99Ms} ms; non-2xx ${run.non2xx}, errors ${run.errors}`,
    };
  }

  const api = raw.latency.find((r) => r.path === 'courier-api');
  const direct = raw.latency.find((r) => r.path === 'courier-direct');
  const base = raw.latency.find((r) => r.path === 'baseline-direct');
  if (api !== undefined || base !== undefined) {
    const rate = api?.rate ?? base?.rate ?? 0;
    figures['latency_p50_ms'] = {
      label: `Enqueue->sink latency p50 @ ${rate}/s (Courier via API)`,
      unit: 'ms',
      courier: api?.p50Ms ?? null,
      baseline: base?.p50Ms ?? null,
      ratio: null,
      goal: null,
      met: null,
      note: direct === undefined ? undefined : `Courier enqueued directly through the store: p50 ${direct.p50Ms} ms`,
    };
    figures['latency_p99_ms'] = {
      label: `Enqueue->sink latency p99 @ ${rate}/s (Courier via API)`,
      unit: 'ms',
      courier: api?.p99Ms ?? null,
      baseline: base?.p99Ms ?? null,
      ratio: null,
      goal: '< 50 ms',
      met: api === undefined ? null : api.p99Ms < 50,
      note: direct === undefined ? undefined : `Courier enqueued directly through the store: p99 ${direct.p99Ms} ms`,
    };
  }

  const cm = raw.memory.find((r) => r.system === 'courier');
  const bm = raw.memory.find((r) => r.system === 'baseline');
  if (cm !== undefined || bm !== undefined) {
    const backlog = (cm ?? bm)!.backlog.toLocaleString('en-US');
    const baseNote = bm !== undefined && cm !== undefined && bm.backlog !== cm.backlog ? `baseline on a ${bm.backlog.toLocaleString('en-US')}-message backlog` : undefined;
    const rss = mb(cm?.rssPeak);
    figures['worker_rss_peak_mb'] = {
      label: `Worker peak RSS, ${backlog}-message backlog`,
      unit: 'MB',
      courier: rss,
      baseline: mb(bm?.rssPeak),
      ratio: ratio(rss, mb(bm?.rssPeak)),
      goal: '< 200 MB',
      met: rss === null ? null : rss < 200,
      note: baseNote,
    };
    const retained = cm === undefined ? null : round(cm.retainedBytesPerMessage);
    figures['redis_bytes_per_message_retained'] = {
      label: 'Redis bytes per message retained (after sent)',
      unit: 'B',
      courier: retained,
      baseline: bm === undefined ? null : round(bm.retainedBytesPerMessage),
      ratio: null,
      goal: '< 2 KB',
      met: retained === null ? null : retained < 2_048,
      note:
        cm === undefined
          ? undefined
          : `of which BullMQ's kept jobs ${round(cm.retainedQueueBytesPerMessage)} B/msg (${cm.jobsKept.toLocaleString('en-US')} jobs kept by retention)`,
    };
    figures['redis_bytes_per_message_queued'] = {
      label: 'Redis bytes per message while queued',
      unit: 'B',
      courier: cm === undefined ? null : round(cm.queuedBytesPerMessage),
      baseline: bm === undefined ? null : round(bm.queuedBytesPerMessage),
      ratio: null,
      goal: null,
      met: null,
    };
  }

  const c2 = rates(raw.scaling.filter((r) => r.system === 'courier' && r.workers === 2));
  const b2 = rates(raw.scaling.filter((r) => r.system === 'baseline' && r.workers === 2));
  if (c2.length > 0 || b2.length > 0) {
    const c2m = med(c2);
    const b2m = med(b2);
    figures['scaling_2_workers'] = {
      label: 'E-mail with 2 worker processes',
      unit: 'msgs/s',
      courier: r0(c2m),
      baseline: r0(b2m),
      ratio: ratio(c2m, b2m),
      goal: null,
      met: null,
      samples: { courier: c2, baseline: b2 },
    };
    figures['scaling_factor_2_vs_1'] = {
      label: 'Scaling, 2 workers / 1 worker',
      unit: 'x',
      courier: ratio(c2m, ce),
      baseline: ratio(b2m, be),
      ratio: null,
      goal: null,
      met: null,
    };
  }
  return figures;
}
