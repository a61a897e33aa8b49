/**
 * The Redis side of `Idempotency-Key` handling: one record per scoped key,
 * `{ fp, state, result? }` as JSON, claimed with `SET NX`. What to do with a
 * claim's outcome (wait, replay, refuse) is the producer's policy
 * (apps/producer/src/enqueue/idempotency.ts).
 */
import type { RedisConnection } from './connection.js';
import type { CourierKeys } from './keys.js';

/** The outcome of {@link IdempotencyRecords.claim}. */
export type IdempotencyClaim<T> =
  /** This caller holds the key now and does the work. */
  | { readonly outcome: 'claimed' }
  /** Another request holds the key and has not finished; `fp` is its fingerprint. */
  | { readonly outcome: 'pending'; readonly fp: string }
  /** The work was done; `result` is its stored result. */
  | { readonly outcome: 'done'; readonly fp: string; readonly result: T }
  /** The key was released or expired between the claim and the read: claim again. */
  | { readonly outcome: 'vanished' };

/** Idempotency records of one deployment. `key` is the scoped key (hashed by the caller). */
export interface IdempotencyRecords {
  /** Claim `key` for a request with fingerprint `fp` for `ttlSeconds`, or read who holds it. */
  claim<T>(key: string, fp: string, ttlSeconds: number): Promise<IdempotencyClaim<T>>;
  /** Store the result of the claimed work for `ttlSeconds`. */
  complete(key: string, fp: string, result: unknown, ttlSeconds: number): Promise<void>;
  /** Release a claim whose work failed, so a retry can claim it. */
  release(key: string): Promise<void>;
}

interface Stored {
  readonly fp: string;
  readonly state: 'pending' | 'done';
  readonly result?: unknown;
}

/** Create the idempotency records of a deployment. */
export function createIdempotencyRecords(redis: RedisConnection, keys: CourierKeys): IdempotencyRecords {
  return {
    async claim<T>(key: string, fp: string, ttlSeconds: number): Promise<IdempotencyClaim<T>> {
      const redisKey = keys.idempotency(key);
      const claimed = await redis.set(redisKey, JSON.stringify({ fp, state: 'pending' } satisfies Stored), 'EX', ttlSeconds, 'NX');
      if (claimed === 'OK') return { outcome: 'claimed' };
      const raw = await redis.get(redisKey);
      if (raw === null) return { outcome: 'vanished' };
      const stored = JSON.parse(raw) as Stored;
      if (stored.state === 'done' && stored.result !== undefined) return { outcome: 'done', fp: stored.fp, result: stored.result as T };
      return { outcome: 'pending', fp: stored.fp };
    },
    async complete(key, fp, result, ttlSeconds) {
      await redis.set(keys.idempotency(key), JSON.stringify({ fp, state: 'done', result } satisfies Stored), 'EX', ttlSeconds);
    },
    async release(key) {
      await redis.del(keys.idempotency(key));
    },
  };
}
