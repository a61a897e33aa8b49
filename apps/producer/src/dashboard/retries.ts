/**
 * Records of failed jobs retried from the dashboard. BullMQ's retry moves a
 * failed job back to waiting, but its message is `abandoned`, a final status, so
 * the worker would skip it ("already finished") and the retry would silently do
 * nothing. As the API's retry does, the message is moved back to `queued` first,
 * and back to `abandoned` if the board's call then fails.
 *
 * A retry that would give a message a second live job is refused (409): one
 * whose message is queued, processing or waiting for a retry under another job
 * (an API retry re-queues under `<id>:retry:<ms>`), since two jobs could send it
 * twice. "Retry all" is refused as a whole if any of the failed jobs is such a
 * one (retry the others one by one); jobs of sent or cancelled messages are let
 * through, their re-runs are skipped as finished.
 */
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MessageStore, RedisConnection } from '@courier/store';
import { relativeRoute, RETRY_ALL_ROUTE, RETRY_JOB_ROUTE } from './allow-list.js';
import { MAX_TRACKED_JOBS, messageIdOfJob } from './removals.js';

/** Dependencies of {@link trackDashboardRetries}. */
export interface RetryDeps {
  readonly queue: Queue;
  readonly redis: RedisConnection;
  readonly store: MessageStore;
  readonly basePath: string;
}

/** Add hooks to the dashboard scope that re-queue the messages of the failed jobs it retries. */
export function trackDashboardRetries(scope: FastifyInstance, deps: RetryDeps): void {
  /** Messages moved to `queued` for a request, to move back if the board's call fails. */
  const requeued = new WeakMap<FastifyRequest, readonly string[]>();
  const failedKey = deps.queue.toKey('failed');

  scope.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'PUT') return;
    const route = relativeRoute(req.routeOptions.url, deps.basePath);
    const params = req.params as { queueName?: string; jobId?: string; queueStatus?: string };
    if (params.queueName !== deps.queue.name) return;
    if (route === RETRY_JOB_ROUTE && params.jobId !== undefined) {
      // Only a failed job's message is abandoned; a completed one's is sent, and its re-run is skipped.
      if ((await deps.redis.zscore(failedKey, params.jobId)) === null) return;
      const id = messageIdOfJob(params.jobId);
      const answer = await deps.store.transition(id, ['abandoned'], 'queued');
      if (answer === 'ok') requeued.set(req, [id]);
      else if (answer !== 'missing') {
        await reply.code(409).send({
          error: { code: 'not_retryable', message: `message is ${answer}; only abandoned messages can be retried (a second job could send it twice)` },
        });
        return reply;
      }
    } else if (route === RETRY_ALL_ROUTE && params.queueStatus === 'failed') {
      const jobIds = await deps.queue.getRanges(['failed'], 0, MAX_TRACKED_JOBS - 1);
      const ids = [...new Set(jobIds.map(messageIdOfJob))];
      const pipeline = deps.redis.pipeline();
      for (const id of ids) pipeline.hget(deps.store.keys.message(id), 'status');
      const statuses = ((await pipeline.exec()) ?? []).map(([, status]) => status as string | null);
      const live = statuses.filter((s) => s === 'queued' || s === 'processing' || s === 'error').length;
      if (live > 0) {
        await reply.code(409).send({
          error: { code: 'not_retryable', message: `${live} failed job(s) belong to messages already queued again or being sent; retry the others one by one` },
        });
        return reply;
      }
      const abandoned = ids.filter((_, i) => statuses[i] === 'abandoned');
      const answers = await Promise.all(abandoned.map((id) => deps.store.transition(id, ['abandoned'], 'queued')));
      requeued.set(
        req,
        abandoned.filter((_, i) => answers[i] === 'ok'),
      );
    }
    return undefined;
  });

  scope.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const ids = requeued.get(req);
    if (ids !== undefined && reply.statusCode >= 300) {
      await Promise.all(ids.map((id) => deps.store.transition(id, ['queued'], 'abandoned').catch(() => undefined)));
    }
    return payload;
  });
}
