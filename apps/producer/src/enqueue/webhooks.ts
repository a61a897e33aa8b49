/**
 * The producer's side of delivery events: cancelling a message reports
 * `message.cancelled` onto the same webhook queue the worker's events go to (the
 * worker delivers them). Nothing is created when no endpoint is configured.
 */
import type { CourierConfig, Logger } from '@courier/core';
import { createWebhookEmitter, createWebhookQueue, NO_WEBHOOKS, type RedisConnection, type WebhookEmitter } from '@courier/store';

/** The producer's emitter and its close. */
interface ProducerWebhooks {
  readonly emitter: WebhookEmitter;
  /** Write what was emitted (briefly), then close the queue handle. */
  close(): Promise<void>;
}

/** Open the webhook queue and its emitter (dropped writes are logged: the producer has no metrics). */
export function createProducerWebhooks(config: CourierConfig, redis: RedisConnection, logger: Logger): ProducerWebhooks {
  if (config.webhooks.endpoints.length === 0) return { emitter: NO_WEBHOOKS, close: async () => undefined };
  const queue = createWebhookQueue(redis, config);
  queue.on('error', (err: Error) => logger.warn({ error: err.message }, 'webhook queue error'));
  const emitter = createWebhookEmitter({
    queue,
    config,
    onOutcome(type, outcome, jobs, error) {
      if (outcome === 'dropped') logger.error({ event: type, jobs, error: error?.message }, 'webhook events dropped');
    },
  });
  return {
    emitter,
    async close() {
      await emitter.flush(2_000);
      await queue.close().catch(() => undefined);
    },
  };
}
