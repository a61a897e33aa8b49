/**
 * The webhook queue: delivery events waiting to be sent to their endpoints, one job
 * per event and endpoint (BullMQ queue `<queue name>-webhooks` under the same
 * prefix), and the emitter that puts them there. The emitter is what the delivery
 * path calls: it never waits and never throws; events of one event-loop turn go to
 * Redis in one `addBulk`; with no endpoint for an event type it does nothing at all.
 */
import { Queue, type JobsOptions } from 'bullmq';
import { prepareWebhookEvent, type CourierConfig, type WebhookEventInput, type WebhookEventType } from '@courier/core';
import type { RedisConnection } from './connection.js';

/** Name of the backoff type the webhook worker registers. */
export const WEBHOOK_BACKOFF_TYPE = 'courier-webhook';

/** Most events buffered or being written at once; past it new events are dropped (and counted). */
const MAX_PENDING_JOBS = 10_000;

/** A webhook job: one event for one endpoint. The body is the exact JSON that is signed and sent. */
export interface WebhookJobData {
  readonly v: 1;
  /** The endpoint's configured id. */
  readonly endpoint: string;
  /** The `webhook-id`: the same for every attempt and every endpoint of the event. */
  readonly event_id: string;
  readonly type: WebhookEventType;
  readonly body: string;
}

/** The webhook queue's name: the message queue's with `-webhooks`. */
export function webhookQueueName(config: CourierConfig): string {
  return `${config.redis.queue_name}-webhooks`;
}

/** Open the webhook queue on a connection. */
export function createWebhookQueue(connection: RedisConnection, config: CourierConfig): Queue<WebhookJobData> {
  const defaultJobOptions: JobsOptions = {
    attempts: config.webhooks.max_attempts,
    backoff: { type: WEBHOOK_BACKOFF_TYPE },
    removeOnComplete: { age: config.retention.jobs_max_age_seconds, count: config.retention.jobs_max_count },
    removeOnFail: { age: config.retention.jobs_max_age_seconds, count: config.retention.jobs_max_count },
  };
  return new Queue<WebhookJobData>(webhookQueueName(config), { connection, prefix: config.redis.prefix, defaultJobOptions });
}

/** What became of emitted events, per endpoint job: queued, or dropped (buffer full, or Redis refused the write). */
export type WebhookEmitOutcome = 'queued' | 'dropped';

/** Puts delivery events on the webhook queue. */
export interface WebhookEmitter {
  /** True when some endpoint takes events of `type` (callers may skip work for an event no one wants). */
  wants(type: WebhookEventType): boolean;
  /** Queue an event for its endpoints, in the background. Never throws, never waits. */
  emit(input: WebhookEventInput): void;
  /** Wait (at most `timeoutMs`) for the events emitted so far to be written. */
  flush(timeoutMs?: number): Promise<void>;
}

/** Options of {@link createWebhookEmitter}. */
export interface WebhookEmitterOptions {
  readonly queue: Pick<Queue<WebhookJobData>, 'addBulk'>;
  readonly config: CourierConfig;
  /** Told of every job's outcome (metrics); `error` is the reason of a failed write. */
  readonly onOutcome?: (type: WebhookEventType, outcome: WebhookEmitOutcome, jobs: number, error?: Error) => void;
}

interface PendingJob {
  readonly name: string;
  readonly data: WebhookJobData;
  readonly opts: JobsOptions;
}

/** An emitter that does nothing: no endpoint is configured. */
export const NO_WEBHOOKS: WebhookEmitter = { wants: () => false, emit: () => undefined, flush: async () => undefined };

/** Create the emitter of a deployment (or {@link NO_WEBHOOKS} when it has no endpoint). */
export function createWebhookEmitter(options: WebhookEmitterOptions): WebhookEmitter {
  const { endpoints } = options.config.webhooks;
  if (endpoints.length === 0) return NO_WEBHOOKS;
  const targets = new Map<WebhookEventType, string[]>();
  for (const e of endpoints) for (const type of new Set(e.events)) targets.set(type, [...(targets.get(type) ?? []), e.id]);
  const onOutcome = options.onOutcome ?? (() => undefined);

  let pending: PendingJob[] = [];
  let inFlight = 0;
  let scheduled = false;
  const writes = new Set<Promise<void>>();

  function write(): void {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    inFlight += batch.length;
    const done = options.queue
      .addBulk(batch)
      .then(
        () => countByType(batch, 'queued'),
        (err: unknown) => countByType(batch, 'dropped', err as Error),
      )
      .finally(() => {
        inFlight -= batch.length;
        writes.delete(done);
      });
    writes.add(done);
  }

  function countByType(batch: readonly PendingJob[], outcome: WebhookEmitOutcome, error?: Error): void {
    const counts = new Map<WebhookEventType, number>();
    for (const job of batch) counts.set(job.data.type, (counts.get(job.data.type) ?? 0) + 1);
    for (const [type, n] of counts) onOutcome(type, outcome, n, error);
  }

  return {
    wants: (type) => targets.has(type),
    emit(input) {
      const ids = targets.get(input.type);
      if (ids === undefined) return;
      if (pending.length + inFlight + ids.length > MAX_PENDING_JOBS) {
        onOutcome(input.type, 'dropped', ids.length, new Error(`more than ${MAX_PENDING_JOBS} webhook jobs waiting to be written`));
        return;
      }
      let event;
      try {
        event = prepareWebhookEvent(input);
      } catch (err) {
        onOutcome(input.type, 'dropped', ids.length, err as Error);
        return;
      }
      for (const endpoint of ids) {
        // The job id makes a repeated report of the same occurrence (a re-run attempt) a no-op while the job is kept.
        pending.push({ name: event.type, data: { v: 1, endpoint, event_id: event.id, type: event.type, body: event.body }, opts: { jobId: `${event.id}-${endpoint}` } });
      }
      if (!scheduled) {
        scheduled = true;
        setImmediate(write);
      }
    },
    async flush(timeoutMs = 5_000) {
      if (scheduled) write();
      if (writes.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...writes]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
