/**
 * Retention for indexes. Message records expire on their own (a TTL is set when
 * they finish); this removes the ids of expired records from the indexes, a
 * bounded slice per run, so Redis memory stays bounded. Recipient indexes carry
 * their own TTL.
 */
import { MESSAGE_STATUSES, TEMPLATE_TYPES, type MessageStatus } from '@courier/core';
import type { RedisConnection } from './connection.js';
import type { CourierKeys } from './keys.js';

/** A pruner of dangling index entries. */
export interface IndexPruner {
  /**
   * Walk every index once, oldest first, removing ids whose record has expired,
   * until done or `timeBudgetMs` has passed (the next run continues there).
   * Returns how many ids were removed.
   */
  runOnce(timeBudgetMs?: number): Promise<number>;
}

const SLICE = 1_000;

/** Create a pruner for a deployment's indexes. */
export function createIndexPruner(redis: RedisConnection, keys: CourierKeys): IndexPruner {
  const indexes = [keys.allIndex, ...MESSAGE_STATUSES.map((s) => keys.statusIndex(s)), ...TEMPLATE_TYPES.map((t) => keys.templateIndex(t))];
  const cursors = new Map<string, string | undefined>();
  return {
    async runOnce(timeBudgetMs = 5_000) {
      const deadline = Date.now() + timeBudgetMs;
      let removed = 0;
      for (const index of indexes) {
        while (Date.now() < deadline) {
          const after = cursors.get(index);
          // Oldest first: ids are UUIDv7, so the expired ones gather at the low end.
          const ids = await redis.zrange(index, after === undefined ? '-' : `(${after}`, '+', 'BYLEX', 'LIMIT', 0, SLICE);
          const pipeline = redis.pipeline();
          for (const id of ids) pipeline.exists(keys.message(id));
          const exists = ids.length === 0 ? [] : ((await pipeline.exec()) ?? []);
          const dangling = ids.filter((_, i) => exists[i]?.[1] === 0);
          if (dangling.length > 0) removed += await redis.zrem(index, ...dangling);
          if (ids.length < SLICE) {
            // End of this index: the next run starts it from the oldest again.
            cursors.delete(index);
            break;
          }
          cursors.set(index, ids[ids.length - 1]);
        }
      }
      return removed;
    },
  };
}

/** The outcome of {@link acquireJanitorLock}: this process runs the janitor now, or another one does. */
export type JanitorLock = 'acquired' | 'held-elsewhere';

/**
 * Take the fleet-wide janitor lock for `ttlMs` (`SET NX PX`), so one worker of a
 * fleet prunes per interval. `holder` is stored as the value, for operators.
 */
export async function acquireJanitorLock(redis: RedisConnection, keys: CourierKeys, holder: string, ttlMs: number): Promise<JanitorLock> {
  const res = await redis.set(keys.janitorLock, holder, 'PX', ttlMs, 'NX');
  return res === 'OK' ? 'acquired' : 'held-elsewhere';
}

/** How many messages each status index holds (ZCARD of each, one round trip). */
export async function countByStatus(redis: RedisConnection, keys: CourierKeys): Promise<Record<MessageStatus, number>> {
  const pipeline = redis.pipeline();
  for (const s of MESSAGE_STATUSES) pipeline.zcard(keys.statusIndex(s));
  const res = (await pipeline.exec()) ?? [];
  return Object.fromEntries(MESSAGE_STATUSES.map((s, i) => [s, Number(res[i]?.[1] ?? 0)])) as Record<MessageStatus, number>;
}
