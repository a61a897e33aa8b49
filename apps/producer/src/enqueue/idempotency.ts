/**
 * `Idempotency-Key` handling. The first request with a key claims it and does
 * the work; identical requests (same key, same body) arriving meanwhile wait for
 * its outcome and return the same result; a request with the same key and a
 * different body is a 409. A claim whose work failed is released so a retry can
 * succeed; one whose process died expires after a minute.
 */
import { createHash } from 'node:crypto';
import type { IdempotencyRecords } from '@courier/store';
import { ApiError } from '../http/api-error.js';

const PENDING_TTL_SECONDS = 60;
const DONE_TTL_SECONDS = 24 * 3600;
const WAIT_STEP_MS = 20;
const WAIT_LIMIT_MS = 15_000;

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

/** Create the idempotency helper over the store's idempotency records (the store does the Redis, this decides). */
export function createIdempotency(records: IdempotencyRecords): Idempotency {
  return {
    async run<T>(scope: string, key: string, fp: string, work: () => Promise<T>) {
      const scopedKey = createHash('sha256').update(scope).update('\0').update(key).digest('hex');
      const deadline = Date.now() + WAIT_LIMIT_MS;
      for (;;) {
        const claim = await records.claim<T>(scopedKey, fp, PENDING_TTL_SECONDS);
        switch (claim.outcome) {
          case 'claimed': {
            let result: T;
            try {
              result = await work();
            } catch (err) {
              await records.release(scopedKey).catch(() => undefined);
              throw err;
            }
            await records.complete(scopedKey, fp, result, DONE_TTL_SECONDS);
            return { result, replayed: false };
          }
          case 'vanished':
            continue; // released or expired between the claim and the read: claim again
          case 'done':
          case 'pending':
            if (claim.fp !== fp) {
              throw new ApiError(409, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request body');
            }
            if (claim.outcome === 'done') return { result: claim.result, replayed: true };
            if (Date.now() > deadline) {
              throw new ApiError(409, 'request_in_progress', 'a request with this Idempotency-Key is still being processed');
            }
            await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
        }
      }
    },
  };
}
