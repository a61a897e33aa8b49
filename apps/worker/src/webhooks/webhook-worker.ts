/**
 * The webhook worker: a BullMQ worker of its own, inside the worker process, on the
 * webhook queue, with its own small concurrency (`webhooks.concurrency`). Each job is
 * one event for one endpoint: signed and sent (`createWebhookSender`), retried with
 * `webhooks.backoff` up to `webhooks.max_attempts`; a permanent failure (410 Gone, a
 * refused address) is not retried. A job for an endpoint no longer configured is dropped.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  computeBackoffMs,
  createWebhookSender,
  DeliveryError,
  parseWebhookSecret,
  summarizeError,
  WEBHOOK_EVENT_TYPES,
  type CourierConfig,
  type Logger,
  type WebhookTarget,
} from '@courier/core';
import { WEBHOOK_BACKOFF_TYPE, webhookQueueName, type RedisConnection, type WebhookJobData } from '@courier/store';
import type { WebhookMetrics } from './metrics.js';

/** Longest event body a job may hold (events are a few hundred bytes). */
const MAX_BODY_BYTES = 64 * 1024;

/** What a webhook job returns. */
interface WebhookResult {
  readonly outcome: 'delivered' | 'dropped';
  readonly status?: number;
}

/** The job's data when it is a webhook job this version understands. */
function validJob(data: unknown): WebhookJobData | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Partial<Record<keyof WebhookJobData, unknown>>;
  if (d.v !== 1 || typeof d.endpoint !== 'string' || typeof d.event_id !== 'string' || typeof d.body !== 'string') return undefined;
  if (!(WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(d.type) || d.body.length > MAX_BODY_BYTES || !/^[A-Za-z0-9_-]{1,128}$/.test(d.event_id)) return undefined;
  return d as WebhookJobData;
}

/** Create the (not yet running: `autorun` is off) webhook worker. */
export function createWebhookWorker(config: CourierConfig, connection: RedisConnection, logger: Logger, metrics: WebhookMetrics): Worker<WebhookJobData, WebhookResult> {
  const settings = config.webhooks;
  const targets = new Map<string, WebhookTarget & { readonly events: ReadonlySet<string> }>();
  for (const e of settings.endpoints) {
    const secret = parseWebhookSecret(e.secret);
    // The schema checked every secret at load.
    if ('problem' in secret) throw new Error(`webhooks.endpoints: ${e.id}: secret ${secret.problem}`);
    targets.set(e.id, { id: e.id, url: e.url, key: secret.key, headers: e.headers, events: new Set(e.events) });
  }
  const send = createWebhookSender({
    timeoutMs: settings.timeout_ms,
    disallowPrivateIpRanges: config.clients.http.disallow_private_ip_ranges,
    privateIpExceptionUrls: config.clients.http.private_ip_exception_urls,
  });
  const policy = { baseMs: settings.backoff.base_ms, maxMs: settings.backoff.max_ms };

  async function process(job: Job<WebhookJobData>, _token?: string, signal?: AbortSignal): Promise<WebhookResult> {
    const data = validJob(job.data);
    if (data === undefined) {
      logger.error({ webhook_job: job.id }, 'invalid webhook job; dropped');
      metrics.recordDelivery('unknown', 'unknown', 'dropped');
      return { outcome: 'dropped' };
    }
    const target = targets.get(data.endpoint);
    if (target === undefined || !target.events.has(data.type)) {
      logger.warn({ webhook_id: data.event_id, endpoint: data.endpoint, event: data.type }, 'webhook endpoint no longer takes this event; dropped');
      metrics.recordDelivery('unknown', data.type, 'dropped');
      return { outcome: 'dropped' };
    }
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    try {
      const status = await send(target, { id: data.event_id, body: data.body }, signal);
      metrics.recordDelivery(target.id, data.type, 'delivered');
      if (logger.isLevelEnabled('debug')) logger.debug({ webhook_id: data.event_id, endpoint: target.id, event: data.type, attempt, status }, 'webhook delivered');
      return { outcome: 'delivered', status };
    } catch (err) {
      const summary = summarizeError(err);
      const final = !summary.retryable || attempt >= maxAttempts;
      metrics.recordDelivery(target.id, data.type, final ? 'abandoned' : 'retrying');
      logger.warn(
        { webhook_id: data.event_id, endpoint: target.id, event: data.type, attempt, error_code: summary.code, error: summary.message },
        final ? 'webhook delivery failed; given up' : 'webhook delivery failed; will retry',
      );
      throw summary.retryable ? err : new UnrecoverableError(`${summary.code}: ${summary.message}`);
    }
  }

  return new Worker<WebhookJobData, WebhookResult>(webhookQueueName(config), process, {
    connection,
    prefix: config.redis.prefix,
    concurrency: settings.concurrency,
    autorun: false,
    // A request may take timeout_ms: the lock outlives it.
    lockDuration: Math.max(30_000, settings.timeout_ms * 2),
    removeOnComplete: { age: config.retention.jobs_max_age_seconds, count: config.retention.jobs_max_count },
    removeOnFail: { age: config.retention.jobs_max_age_seconds, count: config.retention.jobs_max_count },
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string, err?: Error) => {
        if (type !== WEBHOOK_BACKOFF_TYPE) return 0;
        return computeBackoffMs(policy, attemptsMade, err instanceof DeliveryError ? err.retryAfterMs : undefined);
      },
    },
  });
}
