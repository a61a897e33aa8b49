/**
 * Delivery events (webhooks) in a worker process: the emitter the delivery path
 * reports outcomes to, the webhook worker that sends them, their metrics and their
 * stop. With no endpoint configured nothing is created and `events` does nothing.
 */
import { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import type { CourierConfig, Logger } from '@courier/core';
import { createWebhookEmitter, createWebhookQueue, webhookQueueName, type WebhookEmitter } from '@courier/store';
import type { WorkerWiring } from '../lifecycle/wiring.js';
import { deliveryEvents, NO_DELIVERY_EVENTS, type DeliveryEvents } from './delivery-events.js';
import { createWebhookMetrics } from './metrics.js';
import { createWebhookWorker } from './webhook-worker.js';

/** Webhooks of a worker process. */
export interface WorkerWebhooks {
  readonly events: DeliveryEvents;
  /** Write the events emitted so far, then stop the webhook worker (in-flight requests get `shutdownMs`) and close its queues. */
  stop(shutdownMs: number): Promise<void>;
}

/** Start the webhooks of a worker process. */
export function startWebhooks(config: CourierConfig, wiring: Pick<WorkerWiring, 'connection' | 'opsConnection'>, logger: Logger, registry: Registry): WorkerWebhooks {
  if (config.webhooks.endpoints.length === 0) return { events: NO_DELIVERY_EVENTS, stop: async () => undefined };
  const opsQueue = new Queue(webhookQueueName(config), { connection: wiring.opsConnection, prefix: config.redis.prefix });
  opsQueue.on('error', () => undefined);
  const metrics = createWebhookMetrics(registry, () => opsQueue.getJobCounts('wait', 'active', 'delayed', 'completed', 'failed'));
  const queue = createWebhookQueue(wiring.connection, config);
  queue.on('error', (err: Error) => logger.warn({ error: err.message }, 'webhook queue error'));
  const emitter: WebhookEmitter = createWebhookEmitter({
    queue,
    config,
    onOutcome(type, outcome, jobs, error) {
      metrics.recordEmitted(type, outcome, jobs);
      if (outcome === 'dropped') logger.error({ event: type, jobs, error: error?.message }, 'webhook events dropped');
    },
  });
  const worker = createWebhookWorker(config, wiring.connection, logger, metrics);
  worker.on('error', (err) => logger.error({ error: err.message }, 'webhook worker error'));
  void worker.run().catch((err: unknown) => logger.error({ error: (err as Error).message }, 'webhook worker stopped'));
  logger.info({ endpoints: config.webhooks.endpoints.map((e) => e.id), concurrency: config.webhooks.concurrency }, 'webhook delivery started');

  return {
    events: deliveryEvents(emitter),
    async stop(shutdownMs) {
      await emitter.flush(shutdownMs);
      const closing = worker.close();
      const closed = await Promise.race([
        closing.then(() => true),
        new Promise<false>((resolve) => {
          setTimeout(() => resolve(false), shutdownMs).unref();
        }),
      ]);
      if (!closed) {
        // A request still running is cut; its job is retried (by another worker, or at the next start).
        worker.cancelAllJobs('shutdown');
        await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]).catch(() => undefined);
      }
      await queue.close().catch(() => undefined);
      await opsQueue.close().catch(() => undefined);
    },
  };
}
