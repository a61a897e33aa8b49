/**
 * Enqueue-to-accepted-by-sink latency at a steady rate (open loop: messages are
 * sent on a fixed schedule whatever the answers, so a slow system cannot slow
 * the load down). For Courier the clock starts just before `POST /messages` is
 * sent and stops when the SMTP sink accepts the message; for comparison also
 * with Courier enqueued directly through the store, and for the baseline with
 * `queue.add`. Both clocks are this machine's `Date.now()`.
 *
 * The API client is `node:http` with a keep-alive pool of 16 sockets: Node 20's
 * `fetch` was measured to add hundreds of milliseconds at this rate (its answers
 * took p50 ~400 ms where `node:http` saw 4 ms against the same producer).
 */
import { Agent, request } from 'node:http';
import type { BenchContext } from '../context.js';
import { createBaselineQueue } from '../env/baseline-queue.js';
import { BENCH_API_KEY, createDeployment } from '../env/deployment.js';
import { cpuMsOf, startBaseline, startCourier, type ProcessUnderTest } from '../env/processes.js';
import { percentile } from '../report/stats.js';
import { codeFor, emailMessage, payloadsFor } from '../workload.js';

/** How messages enter the system in a latency run. */
export type LatencyPath = 'courier-api' | 'courier-direct' | 'baseline-direct';

/** One latency measurement. */
export interface LatencyRun {
  readonly path: LatencyPath;
  readonly rate: number;
  readonly sent: number;
  /** Messages sent first at the same rate and not counted. */
  readonly warmup: number;
  /** Messages counted (after the warm-up ones). */
  readonly measured: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Achieved send rate, to show the schedule was kept. */
  readonly achievedRate: number;
  readonly failedSends: number;
  /** Time until the enqueue call answered (202 for the API), p50 and p99 over the measured messages. */
  readonly enqueueP50Ms: number;
  readonly enqueueP99Ms: number;
  /** CPU time per message of each process under test (worker, producer), over the whole run. */
  readonly cpuMsPerMessage: Record<string, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** POST a JSON body over a keep-alive agent; resolves with the status once the answer was read. */
function post(agent: Agent, url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent, timeout: 30_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error('request timed out')));
    req.once('error', reject);
    req.end(body);
  });
}

/** Call `send(i)` for i = 0..rate*seconds-1 on a fixed schedule; returns the achieved rate. */
async function paced(rate: number, seconds: number, send: (i: number) => void): Promise<number> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let i = 0;
  while (i < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1_000) + 1);
    for (; i < due; i++) send(i);
    await sleep(1);
  }
  return (total * 1_000) / (performance.now() - start);
}

/** Run one latency measurement along `path`. */
export async function latencyRun(ctx: BenchContext, path: LatencyPath): Promise<LatencyRun> {
  const { latencyRate: rate, latencySeconds: seconds, latencyWarmupSeconds: warmupSeconds } = ctx.sizes;
  await ctx.redis.flush();
  const warmup = Math.round(rate * warmupSeconds);
  const total = warmup + Math.round(rate * seconds);
  const recipient = (i: number): string => `lat-${path}-${i}@bench.test`;
  const sentAt = new Array<number>(total).fill(0);
  const answeredAt = new Array<number>(total).fill(0);
  const pending = new Set<Promise<unknown>>();
  let failedSends = 0;
  const track = (i: number, p: Promise<unknown>): void => {
    const tracked = p.then(
      () => {
        answeredAt[i] = Date.now();
      },
      () => {
        failedSends++;
      },
    );
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  };
  const procs: ProcessUnderTest[] = [];
  let agent: Agent | undefined;
  const d = createDeployment(ctx.redis, { name: `lat-${path}`, smtpPort: ctx.smtpTracked.port, concurrency: ctx.sizes.concurrency, logLevel: 'warn' });
  const q = createBaselineQueue(ctx.redis, `lat-${path}`, ctx.sizes.concurrency, { SMTP_PORT: String(ctx.smtpTracked.port) });
  try {
    let send: (i: number) => void;
    if (path === 'baseline-direct') {
      procs.push(await startBaseline('smtp', q.env));
      send = (i) => {
        sentAt[i] = Date.now();
        track(i, q.queue.add('verification_code_valid', { to: recipient(i), code: codeFor(i) }));
      };
    } else {
      procs.push(await startCourier('worker', d.configPath));
      if (path === 'courier-api') {
        const producer = await startCourier('producer', d.configPath);
        procs.push(producer);
        const url = `http://127.0.0.1:${producer.port}/messages`;
        const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_API_KEY}` };
        agent = new Agent({ keepAlive: true, maxSockets: 16 });
        const pool = agent;
        send = (i) => {
          const body = JSON.stringify(emailMessage(recipient(i), i));
          sentAt[i] = Date.now();
          track(
            i,
            post(pool, url, headers, body).then((status) => {
              if (status !== 202) throw new Error(`HTTP ${status}`);
            }),
          );
        };
      } else {
        const payloads = payloadsFor(total, (i) => emailMessage(recipient(i), i));
        send = (i) => {
          sentAt[i] = Date.now();
          track(i, d.enqueue([payloads[i]!]));
        };
      }
    }
    // Warm-up at the same rate (connection pools fill, code gets optimised), then
    // the measured messages follow on the same schedule without a pause.
    await ctx.smtpTracked.reset('lat-');
    const cpuBefore = procs.map((p) => cpuMsOf(p.pid));
    const achievedRate = await paced(rate, seconds + warmupSeconds, send);
    await Promise.all([...pending]);
    await ctx.smtpTracked.waitFor(total - failedSends, 60_000);
    const accepted = await ctx.smtpTracked.tracked();
    const cpuMsPerMessage = Object.fromEntries(procs.map((p, k) => [p.label, Math.round(((cpuMsOf(p.pid) - cpuBefore[k]!) / total) * 1_000) / 1_000]));
    const latencies: number[] = [];
    const answers: number[] = [];
    for (let i = warmup; i < total; i++) {
      const at = accepted.get(recipient(i));
      if (at !== undefined) latencies.push(at - sentAt[i]!);
      if (answeredAt[i]! > 0) answers.push(answeredAt[i]! - sentAt[i]!);
    }
    return {
      path,
      rate,
      sent: total,
      warmup,
      measured: latencies.length,
      p50Ms: percentile(latencies, 50),
      p90Ms: percentile(latencies, 90),
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
      achievedRate,
      failedSends,
      enqueueP50Ms: percentile(answers, 50),
      enqueueP99Ms: percentile(answers, 99),
      cpuMsPerMessage,
    };
  } finally {
    agent?.destroy();
    await Promise.all(procs.map((p) => p.stop()));
    await q.close();
    await d.close();
  }
}
