/**
 * When BullMQ gives a job up (attempts exhausted, a permanent error, stalled too
 * often), make sure its message has a final status even if the processor could
 * not record one (Redis blip, worker death): nothing stays in `processing`.
 */
import type { Job, Worker } from 'bullmq';
import type { JobPayload, Logger } from '@courier/core';
import { isFinal, type MessageStore } from '@courier/store';
import { isFinalFailure } from '../pipeline/failure.js';
import type { ProcessResult } from '../pipeline/process-job.js';
import { NO_DELIVERY_EVENTS, type DeliveryEvents } from '../webhooks/delivery-events.js';

/** Listen for given-up jobs on `worker` and abandon their messages when no final status was recorded. */
export function handleGivenUpJobs(worker: Worker<JobPayload, ProcessResult>, store: MessageStore, logger: Logger, events: DeliveryEvents = NO_DELIVERY_EVENTS): void {
  worker.on('failed', (job: Job<JobPayload> | undefined, err: Error) => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- job data comes from Redis and may not be a valid payload.
    if (job === undefined || typeof job.data?.id !== 'string') return;
    if (!isFinalFailure(err, job.attemptsMade, job.opts.attempts ?? 1)) return;
    void (async () => {
      const current = await store.status(job.data.id);
      if (current === undefined || isFinal(current)) return;
      const code = /stalled/i.test(err.message) ? 'STALLED' : 'FAILED';
      const recorded = await store.finish(job.data, {
        status: 'abandoned',
        dispatch: { at: new Date().toISOString(), status: 'failed', error: { code, message: err.message.slice(0, 300), retryable: false } },
      });
      if (recorded === 'ok') events.emit('message.abandoned', job, job.data, job.attemptsMade, code);
      logger.error({ message_id: job.data.id, error_code: code }, 'job given up without a recorded outcome; message abandoned');
    })().catch((e: unknown) => logger.error({ error: (e as Error).message }, 'could not record a given-up job'));
  });
}
