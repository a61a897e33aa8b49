/**
 * `Idempotency-Key` handling. The first request with a key claims it and does
 * the work; identical requests (same key, same body) arriving meanwhile wait for
 * its outcome and return the same result; a request with the same key and a
 * different body is a 409. A claim whose work failed is released so a retry can
 * succeed; one whose process died expires after a minute.
 */
import { createHash } from 'node:crypto';
import type { RedisConnection } from '@courier/store';
import { ApiError } from '../http/api-error.js';

const PENDING_TTL_SECONDS = 60;
const DONE_TTL_SECONDS = 24 * 3600;
const WAIT_STEP_MS = 20;
const WAIT_LIMIT_MS = 15_000;

interface Stored<T> {
  readonly fp: string;
  readonly state: 'pending' | 'done';
  readonly result?: T;
}

/** JSON with object keys sorted, so equal values give equal text. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- JSON.stringify returns undefined for undefined and functions, though typed string.
  return JSON.stringify(value) ?? 'null';
}

/** Fingerprint of a request: route and body. */
export function fingerprint(route: string, body: unknown): string {
  return createHash('sha256').update(route).update('\0').update(stableStringify(body)).digest('hex');
}

/** Idempotent execution backed by Redis. */
export interface Idempotency {
  run<T>(scope: string, key: string, fp: string, work: () => Promise<T>): Promise<{ result: T; replayed: boolean }>;
}

/** Validate an `Idempotency-Key` header value. */
export function parseIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || !/^[\x21-\x7e]{1,255}$/.test(v)) {
    throw new ApiError(400, 'invalid_request', 'Idempotency-Key must be 1 to 255 visible ASCII characters', [
      { path: 'headers.idempotency-key', message: 'must be 1 to 255 visible ASCII characters' },
    ]);
  }
  return v;
}

/** Create the idempotency helper; `keyOf` maps a scoped key to its Redis key. */
export function createIdempotency(redis: RedisConnection, keyOf: (scopedKey: string) => string): Idempotency {
  return {
    async run<T>(scope: string, key: string, fp: string, work: () => Promise<T>) {
      const redisKey = keyOf(createHash('sha256').update(scope).update('\0').update(key).digest('hex'));
      const deadline = Date.now() + WAIT_LIMIT_MS;
      for (;;) {
        const claimed = await redis.set(redisKey, JSON.stringify({ fp, state: 'pending' } satisfies Stored<T>), 'EX', PENDING_TTL_SECONDS, 'NX');
        if (claimed === 'OK') {
          let result: T;
          try {
            result = await work();
          } catch (err) {
            await redis.del(redisKey).catch(() => undefined);
            throw err;
          }
          await redis.set(redisKey, JSON.stringify({ fp, state: 'done', result } satisfies Stored<T>), 'EX', DONE_TTL_SECONDS);
          return { result, replayed: false };
        }
        const raw = await redis.get(redisKey);
        if (raw === null) continue; // released or expired between the two calls: claim again
        const stored = JSON.parse(raw) as Stored<T>;
        if (stored.fp !== fp) {
          throw new ApiError(409, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request body');
        }
        if (stored.state === 'done' && stored.result !== undefined) return { result: stored.result, replayed: true };
        if (Date.now() > deadline) {
          throw new ApiError(409, 'request_in_progress', 'a request with this Idempotency-Key is still being processed');
        }
        await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
      }
    },
  };
}
