/**
 * The job processor: parse -> begin (already-sent guard) -> render -> send ->
 * record. Every attempt is recorded as a dispatch; a permanent failure or the
 * last attempt abandons the message.
 */
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import {
  jobPayloadSchema,
  summarizeError,
  type DeliveryChannels,
  type JobPayload,
  type Logger,
  type TemplateRegistry,
} from '@courier/core';
import type { MessageStore } from '@courier/store';
import type { WorkerMetrics } from '../ops/metrics.js';
import { errorForBullmq } from './failure.js';
import { renderPayload } from './render.js';

/** What the processor needs. */
export interface ProcessorDeps {
  readonly store: MessageStore;
  readonly channels: DeliveryChannels;
  readonly templates: TemplateRegistry;
  readonly metrics: WorkerMetrics;
  readonly logger: Logger;
}

/** What a job returns (kept in BullMQ until trimmed; no content, no secrets). */
export interface ProcessResult {
  readonly outcome: 'sent' | 'skipped';
  readonly reason?: string;
  readonly providerMessageId?: string | undefined;
}

/** Build the BullMQ processor function. */
export function createProcessor(deps: ProcessorDeps) {
  const { store, channels, templates, metrics, logger } = deps;

  return async function processJob(job: Job<JobPayload>, _token?: string, signal?: AbortSignal): Promise<ProcessResult> {
    const parsed = jobPayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      logger.error({ job_id: job.id, issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'invalid job payload');
      throw new UnrecoverableError('INVALID_PAYLOAD: job data is not a v1 courier payload');
    }
    const payload = parsed.data;
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const log = logger.child({ message_id: payload.id, attempt, channel: payload.channel });

    const begun = await store.begin(payload);
    if (begun === 'sent' || begun === 'cancelled' || begun === 'abandoned') {
      // The already-sent guard: a re-run of a finished send does not send again.
      log.info({ outcome: 'skipped', status: begun }, 'message already finished; not sending');
      return { outcome: 'skipped', reason: begun };
    }
    metrics.recordStatus('processing', payload.channel, payload.template_type);

    const started = performance.now();
    let providerMessageId: string | undefined;
    try {
      const outbound = await renderPayload(payload, templates);
      const result = await channels.get(payload.channel).send(outbound, { attempt, ...(signal ? { signal } : {}) });
      providerMessageId = result.providerMessageId;
    } catch (err) {
      const seconds = (performance.now() - started) / 1000;
      const summary = summarizeError(err);
      const final = !summary.retryable || attempt >= maxAttempts;
      const status = final ? 'abandoned' : 'error';
      await store.finish(payload, {
        status,
        dispatch: { at: new Date().toISOString(), status: 'failed', error: summary },
      });
      metrics.observeAttempt(payload.channel, 'failed', seconds);
      metrics.recordStatus(status, payload.channel, payload.template_type);
      log.warn(
        { outcome: 'failed', status, error_code: summary.code, error: summary.message, retryable: summary.retryable, duration_ms: Math.round(seconds * 1000) },
        final ? 'delivery failed; message abandoned' : 'delivery failed; will retry',
      );
      throw errorForBullmq(err, summary);
    }

    const seconds = (performance.now() - started) / 1000;
    // With the worker's connection this waits out a Redis outage rather than
    // failing, which keeps the window for a duplicate send as small as it can be.
    await store.finish(payload, { status: 'sent', dispatch: { at: new Date().toISOString(), status: 'success' } });
    metrics.observeAttempt(payload.channel, 'success', seconds);
    metrics.recordStatus('sent', payload.channel, payload.template_type);
    log.info({ outcome: 'sent', duration_ms: Math.round(seconds * 1000) }, 'message sent');
    return { outcome: 'sent', providerMessageId };
  };
}
