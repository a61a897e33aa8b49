/**
 * Settling messages whose BullMQ job is gone. A record says `queued` or `error`
 * (a retry is scheduled) only while a job will run it; when that job disappears
 * some other way than through the API's cancel (removed or "Clean all"-ed in the
 * dashboard with the producer dying before it updated the record, an obliterated
 * or emptied queue, a key deleted by hand), the record would say so forever.
 * This pass, run by the worker's janitor, moves such records to `abandoned` with a
 * `JOB_MISSING` dispatch, so they show up as failures and can be re-queued with
 * `POST /messages/{id}/retry`. (The dashboard's own removals settle as
 * `cancelled` at once: an operator removing a job means "do not send".)
 *
 * Which job belongs to a record: enqueue adds it with the message id as job id,
 * in the same MULTI as the record (enqueue.ts), so a record never exists without
 * its job; the API's retry re-queues an abandoned message under a new job id,
 * `<id>:retry:<ms>`, a moment after moving the record back to `queued`. So:
 *
 * - records changed within the grace period are left alone (the retry's job may
 *   not be there yet);
 * - a job counts as live while its hash exists without `finishedOn` (waiting,
 *   delayed, prioritized, paused or active; BullMQ sets finishedOn only when a job
 *   completes or fails for good, and clears it when a job is retried);
 * - a record that has had an attempt (a non-empty dispatch list) may have been
 *   retried, so its `<id>:retry:*` jobs are looked for among the queue's live jobs;
 * - the final move is one Lua script that re-checks the status, that `updated_at`
 *   is still what was read (anything that touched the record since, a retry, a
 *   worker's attempt, wins), and the job's liveness.
 */
import { settleOrphanCall } from './lua/calls.js';
import { parseAnswer, SETTLE_ORPHAN } from './scripts.js';
import type { RedisConnection } from './connection.js';
import type { CourierKeys } from './keys.js';

/** A pass over `queued` and `error` records that settles those without a job. */
export interface OrphanSettler {
  /**
   * Walk the `queued` and `error` indexes, oldest first, until done or
   * `timeBudgetMs` has passed (the next run continues there). Returns how many
   * records were moved to `abandoned`.
   */
  runOnce(timeBudgetMs?: number): Promise<number>;
}

/** Options of {@link createOrphanSettler}. */
export interface OrphanSettlerOptions {
  /** The BullMQ queue name (`redis.queue_name`); jobs live at `<prefix>:<queue>:<job id>`. */
  readonly queueName: string;
  /** How long a record must have been left unchanged before it is considered (default 10 minutes). */
  readonly graceMs?: number;
  /** TTL of the settled (final) record, as for every finished message. */
  readonly finishedTtlSeconds: number;
}

/** Error code of the dispatch a settled record gets. */
export const JOB_MISSING = 'JOB_MISSING';

/** Most live job ids read in one snapshot (about 2 MB); beyond, attempted records wait for a smaller backlog. */
const MAX_SNAPSHOT_JOBS = 50_000;
const SLICE = 500;
/** BullMQ's lists and sorted sets of jobs that have not run out. */
const LIVE_LISTS = ['wait', 'paused', 'active'] as const;
const LIVE_ZSETS = ['delayed', 'prioritized', 'waiting-children'] as const;

interface SettleCommand {
  courierSettleOrphan(...args: string[]): Promise<unknown>;
}

/** A record that looked orphaned in the first, read-only look. */
interface Candidate {
  readonly id: string;
  readonly updatedAt: string;
  /** It has had an attempt, so the API may have re-queued it under a retry job id. */
  readonly attempted: boolean;
}

/** Create the settler for a deployment's records and its queue. */
export function createOrphanSettler(connection: RedisConnection, keys: CourierKeys, options: OrphanSettlerOptions): OrphanSettler {
  if (!('courierSettleOrphan' in connection)) connection.defineCommand('courierSettleOrphan', { lua: SETTLE_ORPHAN, numberOfKeys: 8 });
  const redis = connection as RedisConnection & SettleCommand;
  const graceMs = options.graceMs ?? 10 * 60_000;
  const jobKey = (jobId: string): string => `${keys.prefix}:${options.queueName}:${jobId}`;
  const indexes = [keys.statusIndex('queued'), keys.statusIndex('error')];
  const cursors = new Map<string, string | undefined>();

  /**
   * Message ids with a live `<id>:retry:<ms>` job, read as one atomic snapshot of every
   * live list and set (jobs move between them while a paged read would run, and a
   * job missed that way would have its message abandoned while it is still queued).
   * Undefined when there are more live jobs than one snapshot should read: then no
   * attempted record is settled this run.
   */
  const liveRetries = async (): Promise<Set<string> | undefined> => {
    const counting = redis.multi();
    for (const list of LIVE_LISTS) counting.llen(jobKey(list));
    for (const zset of LIVE_ZSETS) counting.zcard(jobKey(zset));
    const counts = ((await counting.exec()) ?? []).map((r) => Number(r[1] ?? 0));
    if (counts.reduce((a, b) => a + b, 0) > MAX_SNAPSHOT_JOBS) return undefined;
    const snapshot = redis.multi();
    for (const list of LIVE_LISTS) snapshot.lrange(jobKey(list), 0, -1);
    for (const zset of LIVE_ZSETS) snapshot.zrange(jobKey(zset), '0', '-1');
    const ids = new Set<string>();
    for (const [, jobIds] of (await snapshot.exec()) ?? []) {
      for (const j of (jobIds ?? []) as string[]) if (j.includes(':retry:')) ids.add(j.split(':', 1)[0]!);
    }
    return ids;
  };

  /** First, read-only look at a slice of ids: the ones whose record is old and whose own job is not live. */
  const candidatesOf = async (ids: readonly string[]): Promise<Candidate[]> => {
    const pipeline = redis.pipeline();
    for (const id of ids) {
      pipeline.hmget(keys.message(id), 'status', 'updated_at', 'dispatches');
      pipeline.exists(jobKey(id));
      pipeline.hexists(jobKey(id), 'finishedOn');
    }
    const results = (await pipeline.exec()) ?? [];
    const cutoff = Date.now() - graceMs;
    const found: Candidate[] = [];
    ids.forEach((id, i) => {
      const [status, updatedAt, dispatches] = (results[i * 3]?.[1] ?? []) as (string | null)[];
      const jobLive = results[i * 3 + 1]?.[1] === 1 && results[i * 3 + 2]?.[1] === 0;
      if (status !== 'queued' && status !== 'error') return;
      if (jobLive || updatedAt === null || updatedAt === undefined) return;
      if (!(Date.parse(updatedAt) <= cutoff)) return;
      found.push({ id, updatedAt, attempted: dispatches !== null && dispatches !== undefined && dispatches !== '[]' });
    });
    return found;
  };

  const settle = async (candidate: Candidate): Promise<boolean> => {
    const now = new Date().toISOString();
    const dispatch = {
      at: now,
      status: 'failed',
      error: { code: JOB_MISSING, message: 'the queue job of this message no longer exists (removed outside the API); nothing will send it', retryable: false },
    };
    const answer = parseAnswer.settleOrphan(
      await redis.courierSettleOrphan(
        ...settleOrphanCall(
          { message: keys.message(candidate.id), statusIndexes: keys.statusIndexes, job: jobKey(candidate.id) },
          candidate.id,
          now,
          candidate.updatedAt,
          JSON.stringify(dispatch),
          String(options.finishedTtlSeconds),
        ),
      ),
    );
    return answer === 'ok';
  };

  return {
    async runOnce(timeBudgetMs = 5_000) {
      const deadline = Date.now() + timeBudgetMs;
      let settled = 0;
      // Built once per run, and only if some candidate needs it: it reads every live job id.
      let retries: Set<string> | undefined | null = null;
      for (const index of indexes) {
        while (Date.now() < deadline) {
          const after = cursors.get(index);
          const ids = await redis.zrange(index, after === undefined ? '-' : `(${after}`, '+', 'BYLEX', 'LIMIT', 0, SLICE);
          for (const candidate of ids.length === 0 ? [] : await candidatesOf(ids)) {
            if (candidate.attempted) {
              if (retries === null) retries = await liveRetries();
              // Unknown (out of time) or re-queued under a live retry job: leave it.
              if (retries === undefined || retries.has(candidate.id)) continue;
            }
            if (await settle(candidate)) settled++;
          }
          if (ids.length < SLICE) {
            cursors.delete(index);
            break;
          }
          cursors.set(index, ids[ids.length - 1]);
        }
      }
      return settled;
    },
  };
}
