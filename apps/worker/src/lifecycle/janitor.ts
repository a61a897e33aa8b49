/**
 * The index janitor: every JANITOR_INTERVAL_MS, the one worker of the fleet that
 * takes the janitor lock prunes expired ids from the indexes and abandons
 * records whose queue job disappeared (packages/courier-store/src/janitor.ts,
 * orphans.ts).
 */
import type { CourierConfig, Logger } from '@courier/core';
import { acquireJanitorLock, createIndexPruner, createOrphanSettler } from '@courier/store';
import type { WorkerWiring } from './wiring.js';

const JANITOR_INTERVAL_MS = 60_000;

/** A running janitor. */
export interface Janitor {
  stop(): void;
}

/** Start the janitor's timer (unref'd: it does not keep the process alive). */
export function startJanitor(config: CourierConfig, wiring: WorkerWiring, logger: Logger): Janitor {
  const { connection, opsConnection, store } = wiring;
  const pruner = createIndexPruner(connection, store.keys);
  // Records left queued/error by a job that disappeared outside the API (packages/courier-store/src/orphans.ts).
  const orphans = createOrphanSettler(connection, store.keys, {
    queueName: config.redis.queue_name,
    finishedTtlSeconds: config.retention.finished_ttl_seconds,
  });
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      // One worker of the fleet prunes per interval.
      const lock = await acquireJanitorLock(opsConnection, store.keys, String(process.pid), JANITOR_INTERVAL_MS - 1_000);
      if (lock === 'acquired') {
        const removed = await pruner.runOnce();
        if (removed > 0) logger.info({ removed }, 'pruned expired ids from indexes');
        const abandoned = await orphans.runOnce();
        if (abandoned > 0) logger.warn({ abandoned }, 'abandoned messages whose queue job no longer exists (JOB_MISSING)');
      }
    })()
      .catch((err: unknown) => logger.warn({ error: (err as Error).message }, 'index pruning failed'))
      .finally(() => {
        busy = false;
      });
  }, JANITOR_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
