/**
 * Records of jobs removed from the dashboard. "Clean" on a job card and "Clean
 * all" of a status delete BullMQ jobs; a message whose job is gone would stay
 * `queued` (or `error`) forever, since nothing will ever run it. Removing a job
 * that had not run out is what cancelling a message does through the API, so its
 * record is moved to `cancelled` (final; retry it by enqueueing again).
 *
 * Only jobs that were live (waiting, delayed, prioritized, paused) before the
 * call and are gone after it are settled: removing a *finished* job (failed,
 * completed) says nothing about the message, which may have been retried under
 * another job since. Anything this misses (a crash between the removal and the
 * update, a job added during "Clean all", more than {@link MAX_TRACKED_JOBS}) is
 * settled by the worker's janitor (`createOrphanSettler`, as `abandoned`).
 */
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MessageStore, RedisConnection } from '@courier/store';
import { CLEAN_ALL_ROUTE, CLEAN_JOB_ROUTE, relativeRoute } from './allow-list.js';

/** Statuses whose jobs have not run out; "Clean all" of any other removes finished jobs only. */
const LIVE_STATUSES = new Set(['wait', 'waiting', 'paused', 'prioritized', 'delayed']);

/** Jobs of one "Clean all" that are listed beforehand; the rest is left to the janitor. */
export const MAX_TRACKED_JOBS = 10_000;

/** Record updates in flight at once while settling a "Clean all". */
const TRANSITION_BATCH = 100;

/**
 * The message id of a job: jobs are enqueued with the message id as job id, and
 * re-queued by the API's retry as `<message id>:retry:<ms>` (enqueue/service.ts).
 */
export function messageIdOfJob(jobId: string): string {
  return jobId.split(':', 1)[0] ?? jobId;
}

/** Dependencies of {@link trackDashboardRemovals}. */
export interface RemovalDeps {
  readonly queue: Queue;
  /** The connection the queue uses (read job hashes without loading whole jobs). */
  readonly redis: RedisConnection;
  readonly store: MessageStore;
  readonly basePath: string;
}

/**
 * Add hooks to the dashboard scope that cancel the records of the live jobs a
 * clean call removed. The records are updated in `onSend`, before the answer
 * leaves, so the board's next refresh (and the API) already show `cancelled`.
 */
export function trackDashboardRemovals(scope: FastifyInstance, deps: RemovalDeps): void {
  const tracked = new WeakMap<FastifyRequest, readonly string[]>();

  const isLive = async (jobId: string): Promise<boolean> => {
    const key = deps.queue.toKey(jobId);
    // BullMQ sets finishedOn when a job completes or fails for good, and clears it when one is retried.
    const [exists, finished] = await Promise.all([deps.redis.exists(key), deps.redis.hexists(key, 'finishedOn')]);
    return exists === 1 && finished === 0;
  };

  scope.addHook('preHandler', async (req: FastifyRequest) => {
    if (req.method !== 'PUT') return;
    const route = relativeRoute(req.routeOptions.url, deps.basePath);
    const params = req.params as { queueName?: string; jobId?: string; queueStatus?: string };
    if (params.queueName !== deps.queue.name) return;
    if (route === CLEAN_JOB_ROUTE && params.jobId !== undefined) {
      if (await isLive(params.jobId)) tracked.set(req, [params.jobId]);
    } else if (route === CLEAN_ALL_ROUTE && params.queueStatus !== undefined && LIVE_STATUSES.has(params.queueStatus)) {
      const ids = await deps.queue.getRanges([params.queueStatus as 'waiting'], 0, MAX_TRACKED_JOBS - 1);
      if (ids.length > 0) tracked.set(req, ids);
    }
  });

  scope.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const ids = tracked.get(req);
    if (ids === undefined || reply.statusCode >= 300) return payload;
    const pipeline = deps.redis.pipeline();
    for (const jobId of ids) pipeline.exists(deps.queue.toKey(jobId));
    const exists = (await pipeline.exec()) ?? [];
    // "Clean all" spares jobs younger than its grace time: only those really gone.
    const gone = ids.filter((_, i) => exists[i]?.[1] === 0);
    for (let i = 0; i < gone.length; i += TRANSITION_BATCH) {
      await Promise.all(
        gone.slice(i, i + TRANSITION_BATCH).map(async (jobId) => {
          const answer = await deps.store.transition(messageIdOfJob(jobId), ['queued', 'error'], 'cancelled');
          if (answer !== 'ok') req.log.info({ job_id: jobId, status: answer }, 'removed job left its message as it was');
        }),
      );
    }
    return payload;
  });
}
