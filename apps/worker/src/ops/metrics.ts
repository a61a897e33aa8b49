/**
 * Prometheus metrics of a worker: messages by outcome, attempt durations, queue
 * depth by state and messages by status (read from Redis at scrape time).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerScrapedGauge, withScrapeTimeout } from './scraped-gauge.js';

/** What the metrics read from Redis at scrape time. */
export interface MetricsSources {
  jobCounts(): Promise<Record<string, number>>;
  statusCounts(): Promise<Record<string, number>>;
  /** Fleet-wide counts of enqueues refused by a rate limit (kept in Redis by the producers). */
  readonly rateLimitRejections?: () => Promise<readonly { reason: string; limitType: string; count: number }[]>;
}

/**
 * Why a message was abandoned, as the `reason` label of `courier_messages_total`: its expiry passed,
 * delivery failed (permanently, or attempts ran out), or its recipient is on the suppression list.
 */
type AbandonReason = 'expired' | 'failed' | 'suppressed';

/** The worker's metrics. */
export interface WorkerMetrics {
  readonly registry: Registry;
  /**
   * Count a status a message reached in this worker; an `abandoned` one with its reason
   * (a closed set, so the label stays bounded; other statuses carry no `reason` label).
   */
  recordStatus(status: string, channel: string, templateType: string | undefined, reason?: AbandonReason): void;
  /**
   * Observe one attempt's duration; `unknown`: the message was handed over and no answer
   * came (the connection failed after SMTP DATA's final dot or an HTTP request was written).
   */
  observeAttempt(channel: string, outcome: AttemptOutcomeLabel, seconds: number): void;
  /**
   * Count an attempt this worker fenced itself out of: `hand_over`, it did not send because it
   * may have lost the job lock; `record`, the message record named another owner and its
   * outcome was not recorded.
   */
  countFenced(stage: 'hand_over' | 'record'): void;
  /** Count a job that had to wait for a channel send slot, was abandoned because none came before its expiry, or met a provider's throttling (the channel paused). */
  recordChannelWait(channel: string, outcome: 'waited' | 'expired' | 'throttled'): void;
}

/** The `outcome` label of `courier_attempt_duration_seconds` and `courier_delivery_attempts_total`. */
export type AttemptOutcomeLabel = 'success' | 'failed' | 'unknown';

/** Create the registry and metrics. */
export function createWorkerMetrics(sources: MetricsSources): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'courier_worker_' });
  const messages = new Counter({
    name: 'courier_messages_total',
    help: 'Messages that reached a status in this worker, by status, channel and template type (and reason, expired, failed or suppressed, when abandoned)',
    labelNames: ['status', 'channel', 'template_type', 'reason'] as const,
    registers: [registry],
  });
  const attempts = new Histogram({
    name: 'courier_attempt_duration_seconds',
    help: 'Duration of delivery attempts (render + send), by channel and outcome',
    labelNames: ['channel', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const deliveryAttempts = new Counter({
    name: 'courier_delivery_attempts_total',
    help: 'Delivery attempts by channel and outcome: success, failed, or unknown (handed over, then no answer)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  const fenced = new Counter({
    name: 'courier_fenced_total',
    help: 'Attempts a worker fenced itself out of after it may have lost the job lock: hand_over (not sent) or record (outcome not recorded: another worker owns the message)',
    labelNames: ['stage'] as const,
    registers: [registry],
  });
  registerScrapedGauge(registry, {
    name: 'courier_queue_jobs',
    help: 'Jobs in the courier queue by BullMQ state (read at scrape time)',
    label: 'state',
    read: () => sources.jobCounts(),
  });
  registerScrapedGauge(registry, {
    name: 'courier_messages',
    help: 'Tracked messages by status (read at scrape time; finished ones until retention expires them)',
    label: 'status',
    read: () => sources.statusCounts(),
  });
  const channelWaits = new Counter({
    name: 'courier_channel_rate_waits_total',
    help: 'Jobs that found no free send slot of their channel (worker.rate_limits): waited for a reserved one, or expired (abandoned: the next slot came after their expiry); throttled: the provider answered throttling and the channel was paused',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  const { rateLimitRejections } = sources;
  if (rateLimitRejections !== undefined) {
    new Gauge({
      name: 'courier_enqueue_rejections',
      help: 'Enqueue requests refused by a rate limit across all producers, by reason and template type (a running count kept in Redis, read at scrape time)',
      labelNames: ['reason', 'template_type'] as const,
      registers: [registry],
      async collect() {
        const counts = await withScrapeTimeout(rateLimitRejections());
        if (counts === undefined) return;
        for (const c of counts) this.set({ reason: c.reason, template_type: c.limitType }, c.count);
      },
    });
  }
  return {
    registry,
    recordStatus: (status, channel, templateType, reason) =>
      messages.inc(reason === undefined ? { status, channel, template_type: templateType ?? 'raw' } : { status, channel, template_type: templateType ?? 'raw', reason }),
    observeAttempt: (channel, outcome, seconds) => {
      attempts.observe({ channel, outcome }, seconds);
      deliveryAttempts.inc({ channel, outcome });
    },
    countFenced: (stage) => fenced.inc({ stage }),
    recordChannelWait: (channel, outcome) => channelWaits.inc({ channel, outcome }),
  };
}
