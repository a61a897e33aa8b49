/**
 * Composition of a worker process. `startWorker` wires the units of
 * `lifecycle/`: Redis connections and stores (wiring.ts), delivery channel
 * verification (channels.ts), the BullMQ worker (queue-worker.ts) and its
 * given-up job handler (failed-handler.ts), the index janitor (janitor.ts), the
 * operations endpoints (ops/), and `stop`, which drains and releases them
 * (shutdown.ts).
 */
import { configureTemplateDataLimits, createDeliveryChannels, createTemplateRegistry, templateDataLimitsOf, type CourierConfig, type Logger } from '@courier/core';
import { countByStatus, countRateLimitRejections, createSuppressionList } from '@courier/store';
import { verifyChannels } from './lifecycle/channels.js';
import { handleGivenUpJobs } from './lifecycle/failed-handler.js';
import { createLeases } from './lifecycle/leases.js';
import { startJanitor } from './lifecycle/janitor.js';
import { backoffPolicy, createQueueWorker } from './lifecycle/queue-worker.js';
import { createStop } from './lifecycle/shutdown.js';
import { createWiring } from './lifecycle/wiring.js';
import { PublicReadinessError, startHealthServer } from './ops/health-server.js';
import { createWorkerMetrics } from './ops/metrics.js';
import { createChannelMetrics } from './ops/channel-metrics.js';
import { createProcessor } from './pipeline/process-job.js';
import { createSuppressionGate } from './pipeline/suppression.js';
import { createChannelGate } from './pipeline/channel-gate.js';
import { startWebhooks } from './webhooks/index.js';

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
  const channelMetrics = createChannelMetrics();
  const channels = createDeliveryChannels(config.courier, {
    ...outbound,
    disallowPrivateSmtpRanges: config.clients.smtp.disallow_private_ip_ranges,
    failover: { observer: channelMetrics.observer },
  });

  const wiring = createWiring(config, logger);
  const { connection, opsConnection, store, opsQueue } = wiring;
  const metrics = createWorkerMetrics({
    jobCounts: () => opsQueue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed', 'failed'),
    statusCounts: () => countByStatus(opsConnection, store.keys),
    rateLimitRejections: () => countRateLimitRejections(opsConnection, config.redis.prefix),
  });
  channelMetrics.register(metrics.registry);

  const verification = await verifyChannels(channels, logger);
  const webhooks = startWebhooks(config, wiring, logger, metrics.registry);

  // A send that went out is recorded for at least 30 s (a Redis blip must not turn it into a re-send),
  // even when the lock is shorter.
  const recordSentForMs = Math.max(config.worker.lock_duration_ms, 30_000);
  const suppressionConfig = config.courier.suppression;
  const suppression = createSuppressionGate(
    suppressionConfig,
    createSuppressionList(connection, store.keys, { ttlSeconds: suppressionConfig.ttl_seconds, maxEntries: suppressionConfig.max_entries }),
    metrics.registry,
    logger,
  );
  // What the worker knows of its job locks without asking Redis: no message is handed over
  // by a worker that may have lost its lock (lifecycle/leases.ts).
  const leases = createLeases(config.worker.lock_duration_ms);
  const channelGate = createChannelGate(config, connection, store, metrics, logger);
  const processor = createProcessor({
    store,
    channels,
    templates,
    metrics,
    logger,
    recordSentForMs,
    backoff: backoffPolicy(config),
    suppression,
    leases,
    channelGate,
    events: webhooks.events,
  });
  const worker = createQueueWorker(config, connection, processor);
  leases.watch(worker);
  worker.on('error', (err) => logger.error({ error: err.message }, 'worker error'));
  handleGivenUpJobs(worker, store, logger, webhooks.events);

  const janitor = startJanitor(config, wiring, logger);

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
        // Channel ids only: the verification error may quote a provider.
        if (!verification.verified()) throw new PublicReadinessError(`not verified: ${channels.ids.join(', ')}`);
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

  const stop = createStop(config, logger, {
    worker,
    server,
    channels,
    wiring,
    afterDrain: () => webhooks.stop(config.worker.shutdown_timeout_ms),
    beforeDrain() {
      draining = true;
      janitor.stop();
      verification.stop();
    },
  });
  return { healthPort: port, stop };
}
