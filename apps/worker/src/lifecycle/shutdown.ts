/**
 * Graceful stop of a worker process: stop taking jobs, wait up to
 * `worker.shutdown_timeout_ms` for in-flight ones, cancel the rest (BullMQ's
 * stalled-job recovery re-runs them on another worker), then release the
 * health server, the channels and Redis.
 */
import type { Worker } from 'bullmq';
import type { CourierConfig, DeliveryChannels, JobPayload, Logger } from '@courier/core';
import type { ProcessResult } from '../pipeline/process-job.js';
import type { WorkerWiring } from './wiring.js';

/** After the drain deadline, cancelled jobs get this long to record their outcome. */
const CANCEL_GRACE_MS = 5_000;

/** What a stop releases, in order. */
export interface ShutdownParts {
  readonly worker: Worker<JobPayload, ProcessResult>;
  /** Called first: readiness turns to draining, timers stop. */
  readonly beforeDrain: () => void;
  /** Called once the jobs are drained (or cancelled): webhook events are written, the webhook worker stops. */
  readonly afterDrain?: () => Promise<void>;
  readonly server: { close(): PromiseLike<unknown> };
  readonly channels: DeliveryChannels;
  readonly wiring: WorkerWiring;
}

/** Build a `stop` that runs the shutdown once (later calls get the same promise). */
export function createStop(config: CourierConfig, logger: Logger, parts: ShutdownParts): () => Promise<void> {
  const { worker, server, channels, wiring } = parts;
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      logger.info({ timeout_ms: config.worker.shutdown_timeout_ms }, 'draining in-flight jobs');
      parts.beforeDrain();
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
      await parts.afterDrain?.().catch((err: unknown) => logger.warn({ error: (err as Error).message }, 'webhooks did not stop cleanly'));
      await server.close();
      await channels.closeAll();
      await wiring.close();
      logger.info({ drained }, 'courier worker stopped');
    })();
    return stopping;
  };
}
