/**
 * Retention for indexes. Message records expire on their own (a TTL is set when
 * they finish); this removes the ids of expired records from the indexes, a
 * bounded slice per run, so Redis memory stays bounded. Recipient indexes carry
 * their own TTL.
 */
import { MESSAGE_STATUSES, TEMPLATE_TYPES } from '@courier/core';
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
          const ids = (await redis.zrange(index, after === undefined ? '-' : `(${after}`, '+', 'BYLEX', 'LIMIT', 0, SLICE)) as string[];
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
