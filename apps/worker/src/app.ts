/**
 * Composition of a worker process: Redis connections, the message store,
 * templates, delivery channels, the BullMQ worker, operations endpoints and the
 * index janitor. `startWorker` wires them; `stop` drains and releases them.
 */
import { Queue, Worker, type Job } from 'bullmq';
import {
  computeBackoffMs,
  configureTemplateDataLimits,
  createDeliveryChannels,
  createTemplateRegistry,
  DeliveryError,
  MESSAGE_STATUSES,
  TemplateError,
  templateDataLimitsOf,
  type CourierConfig,
  type JobPayload,
  type Logger,
} from '@courier/core';
import { closeRedisConnection, COURIER_BACKOFF_TYPE, createIndexPruner, createOrphanSettler, createMessageStore, createRedisConnection, isFinal } from '@courier/store';
import { PublicReadinessError, startHealthServer } from './ops/health-server.js';
import { createWorkerMetrics } from './ops/metrics.js';
import { isFinalFailure } from './pipeline/failure.js';
import { createProcessor, type ProcessResult } from './pipeline/process-job.js';

/** A running worker. */
export interface RunningWorker {
  /** Port of the health/metrics server. */
  readonly healthPort: number;
  /**
   * Stop taking jobs, wait up to `worker.shutdown_timeout_ms` for in-flight ones,
   * then release everything. Jobs still running at the deadline are abandoned to
   * BullMQ's stalled-job recovery (another worker re-runs them).
   */
  stop(): Promise<void>;
}

const JANITOR_INTERVAL_MS = 60_000;
const VERIFY_RETRY_MS = 5_000;
const INITIAL_VERIFY_MS = 5_000;
/** After the drain deadline, cancelled jobs get this long to record their outcome. */
const CANCEL_GRACE_MS = 5_000;

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** Called when the BullMQ worker stops on its own (a fatal error); the process should exit non-zero. */
  readonly onFatal?: (err: Error) => void;
}

/** Start a worker process's components. Rejects when templates or config are bad. */
export async function startWorker(config: CourierConfig, logger: Logger, options: StartWorkerOptions = {}): Promise<RunningWorker> {
  configureTemplateDataLimits(templateDataLimitsOf(config));
  // Kratos's clients.http.disallow_private_ip_ranges: refuse provider and template
  // URLs that resolve to private, loopback or link-local addresses.
  const outbound = {
    disallowPrivateIpRanges: config.clients.http.disallow_private_ip_ranges,
    privateIpExceptionUrls: config.clients.http.private_ip_exception_urls,
  };
  const templates = createTemplateRegistry({
    templates: config.courier.templates,
    overridePath: config.courier.template_override_path,
    ...outbound,
  });
  // Bad templates fail at start-up, not at send time.
  await templates.preload();
  const channels = createDeliveryChannels(config.courier, {
    ...outbound,
    disallowPrivateSmtpRanges: config.clients.smtp.disallow_private_ip_ranges,
  });

  const connection = createRedisConnection(config.redis, 'wait', 'courier-worker');
  const opsConnection = createRedisConnection(config.redis, 'fail-fast', 'courier-worker-ops');
  for (const [name, c] of [
    ['redis', connection],
    ['redis-ops', opsConnection],
  ] as const) {
    c.on('error', (err: Error) => logger.warn({ connection: name, error: err.message }, 'redis connection error'));
  }
  const store = createMessageStore(connection, config.redis.prefix, {
    finishedTtlSeconds: config.retention.finished_ttl_seconds,
  });
  const opsQueue = new Queue(config.redis.queue_name, { connection: opsConnection, prefix: config.redis.prefix });
  opsQueue.on('error', () => undefined);
  const opsStore = createMessageStore(opsConnection, config.redis.prefix, {
    finishedTtlSeconds: config.retention.finished_ttl_seconds,
  });

  const metrics = createWorkerMetrics({
    jobCounts: () => opsQueue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed', 'failed'),
    async statusCounts() {
      const pipeline = opsConnection.pipeline();
      for (const s of MESSAGE_STATUSES) pipeline.zcard(opsStore.keys.statusIndex(s));
      const res = (await pipeline.exec()) ?? [];
      return Object.fromEntries(MESSAGE_STATUSES.map((s, i) => [s, Number(res[i]?.[1] ?? 0)]));
    },
  });

  let verified = false;
  let verifyError = 'not verified yet';
  let verifyTimer: NodeJS.Timeout | undefined;
  /** One verification of every channel: 'ok', or the error. */
  const attempt = (): Promise<unknown> =>
    channels.verifyAll().then(
      () => 'ok' as const,
      (err: unknown) => err,
    );
  /** Record an outcome: verified, or retried after VERIFY_RETRY_MS (readiness says which). */
  const settle = (outcome: unknown): void => {
    if (outcome === 'ok') {
      verified = true;
      logger.info({ channels: channels.ids }, 'delivery channels verified');
      return;
    }
    verifyError = (outcome as Error).message;
    logger.warn({ error: verifyError }, 'delivery channel verification failed; retrying');
    verifyTimer = setTimeout(() => void attempt().then(settle), VERIFY_RETRY_MS);
  };
  // The first verification decides whether start-up goes on: a body template
  // that does not compile never will, so it stops the process (exit 2) instead
  // of failing messages; an unreachable provider is retried in the background,
  // and a slow one does not hold start-up longer than INITIAL_VERIFY_MS.
  const initial = attempt();
  const first = await Promise.race([initial, new Promise<'pending'>((r) => setTimeout(() => r('pending'), INITIAL_VERIFY_MS).unref())]);
  if (first === 'pending') {
    void initial.then(settle);
  } else {
    const cause = first === 'ok' ? undefined : (first as Error).cause;
    if (cause instanceof TemplateError && cause.code === 'TEMPLATE_COMPILE_FAILED') {
      await channels.closeAll();
      throw cause;
    }
    settle(first);
  }

  const policy = { baseMs: config.worker.backoff.base_ms, maxMs: config.worker.backoff.max_ms };
  const rate = config.worker.rate_limit_per_second;
  // A send that went out is recorded for at least 30 s (a Redis blip must not turn it into a re-send),
  // even when the lock is shorter.
  const recordSentForMs = Math.max(config.worker.lock_duration_ms, 30_000);
  const processor = createProcessor({ store, channels, templates, metrics, logger, recordSentForMs, backoff: policy });
  const worker = new Worker<JobPayload, ProcessResult>(config.redis.queue_name, processor, {
    connection,
    prefix: config.redis.prefix,
    concurrency: config.worker.concurrency,
    autorun: false,
    lockDuration: config.worker.lock_duration_ms,
    // Renewal: BullMQ's timer runs every lockRenewTime / 2 and extends every lock older
    // than that, so a lock is renewed at most lockRenewTime after the last renewal. A
    // quarter of the lock (BullMQ's default is half) means an event loop stalled for up
    // to ~3/4 of the lock (3.75 s with the 5 s default) keeps its jobs: the cost is one
    // extendLocks script call per worker every lock/8, for all its active jobs at once.
    lockRenewTime: Math.max(250, Math.floor(config.worker.lock_duration_ms / 4)),
    stalledInterval: config.worker.stalled_interval_ms,
    // A job whose worker keeps dying is re-run a few times before it is given up.
    maxStalledCount: 3,
    ...(rate === undefined ? {} : { limiter: rate >= 1 ? { max: Math.floor(rate), duration: 1_000 } : { max: 1, duration: Math.ceil(1_000 / rate) } }),
    removeOnComplete: { age: config.retention.jobs_max_age_seconds, count: config.retention.jobs_max_count },
    removeOnFail: { age: config.retention.jobs_max_age_seconds, count: config.retention.jobs_max_count },
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string, err?: Error) => {
        if (type !== COURIER_BACKOFF_TYPE) return 0;
        const retryAfterMs = err instanceof DeliveryError ? err.retryAfterMs : undefined;
        return computeBackoffMs(policy, attemptsMade, retryAfterMs);
      },
    },
  });
  worker.on('error', (err) => logger.error({ error: err.message }, 'worker error'));
  // When BullMQ gives a job up (attempts exhausted, a permanent error, stalled too
  // often), make sure its message has a final status even if the processor could
  // not record one (Redis blip, worker death): nothing stays in `processing`.
  worker.on('failed', (job: Job<JobPayload> | undefined, err: Error) => {
    if (job === undefined || typeof (job.data as JobPayload | undefined)?.id !== 'string') return;
    if (!isFinalFailure(err, job.attemptsMade, job.opts.attempts ?? 1)) return;
    void (async () => {
      const current = await store.status(job.data.id);
      if (current === undefined || isFinal(current)) return;
      const code = /stalled/i.test(err.message) ? 'STALLED' : 'FAILED';
      await store.finish(job.data, {
        status: 'abandoned',
        dispatch: { at: new Date().toISOString(), status: 'failed', error: { code, message: err.message.slice(0, 300), retryable: false } },
      });
      logger.error({ message_id: job.data.id, error_code: code }, 'job given up without a recorded outcome; message abandoned');
    })().catch((e: unknown) => logger.error({ error: (e as Error).message }, 'could not record a given-up job'));
  });

  const pruner = createIndexPruner(connection, store.keys);
  // Records left queued/error by a job that disappeared outside the API (packages/courier-store/src/orphans.ts).
  const orphans = createOrphanSettler(connection, store.keys, {
    queueName: config.redis.queue_name,
    finishedTtlSeconds: config.retention.finished_ttl_seconds,
  });
  let janitorBusy = false;
  const janitor = setInterval(() => {
    if (janitorBusy) return;
    janitorBusy = true;
    void (async () => {
      // One worker of the fleet prunes per interval.
      const lock = await opsConnection.set(store.keys.janitorLock, String(process.pid), 'PX', JANITOR_INTERVAL_MS - 1_000, 'NX');
      if (lock === 'OK') {
        const removed = await pruner.runOnce();
        if (removed > 0) logger.info({ removed }, 'pruned expired ids from indexes');
        const abandoned = await orphans.runOnce();
        if (abandoned > 0) logger.warn({ abandoned }, 'abandoned messages whose queue job no longer exists (JOB_MISSING)');
      }
    })()
      .catch((err: unknown) => logger.warn({ error: (err as Error).message }, 'index pruning failed'))
      .finally(() => {
        janitorBusy = false;
      });
  }, JANITOR_INTERVAL_MS);
  janitor.unref();

  let draining = false;
  const { server, port } = await startHealthServer({
    host: config.worker.host,
    port: config.worker.port,
    registry: metrics.registry,
    timeouts: config.worker.timeouts,
    // Readiness answers generic reasons; the detail is logged here (debug: probes poll often,
    // and verification failures are logged at warn where they happen).
    onCheckFailed: (check, error) => logger.debug({ check, error }, 'readiness check failed'),
    checks: {
      redis: async () => {
        await opsConnection.ping();
      },
      delivery: async () => {
        // Channel ids only: the verification error (verifyError) may quote a provider.
        if (!verified) throw new PublicReadinessError(`not verified: ${channels.ids.join(', ')}`);
      },
      worker: async () => {
        if (draining) throw new PublicReadinessError('draining for shutdown');
      },
    },
  });

  void worker.run().catch(async (err: unknown) => {
    logger.fatal({ error: (err as Error).message }, 'worker stopped unexpectedly');
    // Channels first: a Jsonnet session still waiting in a native call would make the exit hang.
    await channels.closeAll().catch(() => undefined);
    options.onFatal?.(err as Error);
  });
  logger.info({ health_port: port, concurrency: config.worker.concurrency, queue: config.redis.queue_name, channels: channels.ids }, 'courier worker started');

  let stopping: Promise<void> | undefined;
  return {
    healthPort: port,
    stop() {
      stopping ??= (async () => {
        logger.info({ timeout_ms: config.worker.shutdown_timeout_ms }, 'draining in-flight jobs');
        draining = true;
        clearInterval(janitor);
        clearTimeout(verifyTimer);
        const wait = (ms: number) =>
          new Promise<false>((resolve) => {
            setTimeout(() => resolve(false), ms).unref();
          });
        // close() stops fetching and waits for active jobs. BullMQ keeps the first
        // close() promise for later calls, so it is called once; past the deadline
        // the jobs' abort signals are fired instead, and strategies stop sending.
        const closing = worker.close().then(() => true);
        const drained = await Promise.race([closing, wait(config.worker.shutdown_timeout_ms)]);
        if (!drained) {
          logger.warn('drain timed out; cancelling in-flight jobs (they are retried by another worker)');
          worker.cancelAllJobs('shutdown');
          await Promise.race([closing, wait(CANCEL_GRACE_MS)]);
        }
        await server.close();
        await channels.closeAll();
        await opsQueue.close().catch(() => undefined);
        await Promise.all([closeRedisConnection(connection), closeRedisConnection(opsConnection)]);
        logger.info({ drained }, 'courier worker stopped');
      })();
      return stopping;
    },
  };
}
