/**
 * Webhook metrics, on the worker's registry: events put on the webhook queue (or
 * dropped), deliveries by endpoint, event type and outcome, and the webhook queue's
 * depth by state (read at scrape time).
 */
import { Counter, type Registry } from 'prom-client';
import type { WebhookEmitOutcome } from '@courier/store';
import { registerScrapedGauge } from '../ops/scraped-gauge.js';

/** What became of one delivery attempt of a webhook job. */
export type WebhookDeliveryOutcome = 'delivered' | 'retrying' | 'abandoned' | 'dropped';

/** The webhook metrics. */
export interface WebhookMetrics {
  /** Count jobs the emitter queued or dropped. */
  recordEmitted(event: string, outcome: WebhookEmitOutcome, jobs: number): void;
  /** Count one attempt's outcome. `endpoint` is a configured id (a bounded label). */
  recordDelivery(endpoint: string, event: string, outcome: WebhookDeliveryOutcome): void;
}

/** Register the webhook metrics on `registry`; `jobCounts` reads the queue's depth. */
export function createWebhookMetrics(registry: Registry, jobCounts: () => Promise<Record<string, number>>): WebhookMetrics {
  const emitted = new Counter({
    name: 'courier_webhook_events_total',
    help: 'Delivery events put on the webhook queue by this process (one per endpoint), or dropped (buffer full, Redis refused the write), by event type',
    labelNames: ['event', 'outcome'] as const,
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'courier_webhook_deliveries_total',
    help: 'Webhook delivery attempts by endpoint, event type and outcome (delivered, retrying, abandoned; dropped: the endpoint is no longer configured)',
    labelNames: ['endpoint', 'event', 'outcome'] as const,
    registers: [registry],
  });
  registerScrapedGauge(registry, {
    name: 'courier_webhook_queue_jobs',
    help: 'Jobs in the webhook queue by BullMQ state (read at scrape time)',
    label: 'state',
    read: jobCounts,
  });
  return {
    recordEmitted: (event, outcome, jobs) => emitted.inc({ event, outcome }, jobs),
    recordDelivery: (endpoint, event, outcome) => deliveries.inc({ endpoint, event, outcome }),
  };
}
