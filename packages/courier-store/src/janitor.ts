/**
 * Retention for indexes. Message records expire on their own (a TTL is set when
 * they finish); this removes the ids of expired records from the indexes, a
 * bounded slice per run, so Redis memory stays bounded. Recipient indexes carry
 * their own TTL.
 */
import { FINAL_STATUSES, TEMPLATE_TYPES } from '@courier/core';
import type { RedisConnection } from './connection.js';
import type { CourierKeys } from './keys.js';

/** A pruner that remembers where it stopped in each index. */
export interface IndexPruner {
  /** Examine up to `budget` ids across the indexes; returns how many dangling ids were removed. */
  runOnce(budget?: number): Promise<number>;
}

/** Create a pruner for a deployment's indexes. */
export function createIndexPruner(redis: RedisConnection, keys: CourierKeys): IndexPruner {
  const indexes = [
    keys.allIndex,
    ...[...FINAL_STATUSES].map((s) => keys.statusIndex(s)),
    ...TEMPLATE_TYPES.map((t) => keys.templateIndex(t)),
  ];
  const cursors = new Map<string, string | undefined>();
  return {
    async runOnce(budget = 5_000) {
      let removed = 0;
      const perIndex = Math.max(100, Math.floor(budget / indexes.length));
      for (const index of indexes) {
        const after = cursors.get(index);
        // Oldest first: ids are UUIDv7, so the expired ones gather at the low end.
        const ids = (await redis.zrange(index, after === undefined ? '-' : `(${after}`, '+', 'BYLEX', 'LIMIT', 0, perIndex)) as string[];
        if (ids.length === 0) {
          cursors.set(index, undefined);
          continue;
        }
        const pipeline = redis.pipeline();
        for (const id of ids) pipeline.exists(keys.message(id));
        const exists = (await pipeline.exec()) ?? [];
        const dangling = ids.filter((_, i) => exists[i]?.[1] === 0);
        if (dangling.length > 0) removed += await redis.zrem(index, ...dangling);
        // Wrap around at the end so ids that expire later are found on a later pass.
        cursors.set(index, ids.length < perIndex ? undefined : ids[ids.length - 1]);
      }
      return removed;
    },
  };
}
