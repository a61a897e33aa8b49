/**
 * The suppression list: recipients a provider refused permanently (`courier.suppression`),
 * which later messages are not sent to. One string key per normalised address holds the
 * entry as JSON and expires on its own (`ttl_seconds`); two sorted sets list the addresses,
 * one in lexical order (paging, as message lists page by id) and one by when they were
 * added (evicting the oldest past `max_entries`). Expired entries leave their addresses in
 * the sets until a list meets them or an add prunes them. The worker's look-up is one GET
 * per message, batched with the others of the same event-loop turn into one MGET.
 */
import { CourierError } from '@courier/core';
import type { RedisConnection } from './connection.js';
import { normalizeRecipient, type CourierKeys } from './keys.js';

/** Longest address the list takes (the longest recipient a message may have). */
export const MAX_SUPPRESSED_ADDRESS_LENGTH = 320;

/** Why an address is on the list. */
export interface SuppressionEntry {
  /** The normalised address (trimmed, lower-cased). */
  readonly address: string;
  readonly added_at: string;
  /** When the entry lapses; absent when it lasts until deleted. */
  readonly expires_at?: string;
  /** `delivery` (a provider's permanent rejection) or `api` (added by hand). */
  readonly source: 'delivery' | 'api';
  /** The enhanced status code (`5.1.1`), reply code (`550`), `HTTP 404`, or `manual`. */
  readonly code: string;
  /** The provider's words, or the note given with a manual entry. */
  readonly detail: string;
  readonly channel?: string;
  /** The message whose rejection added the entry. */
  readonly message_id?: string;
  readonly template_type?: string;
}

/** A new entry; the list fills in address normalisation, `added_at` and `expires_at`. */
export type NewSuppression = Omit<SuppressionEntry, 'added_at' | 'expires_at'>;

/** Limits of the list (`courier.suppression`). */
export interface SuppressionLimits {
  /** 0: entries last until deleted. */
  readonly ttlSeconds: number;
  readonly maxEntries: number;
}

/** A page of entries in address order. */
export interface SuppressionPage {
  readonly entries: SuppressionEntry[];
  readonly nextPageToken: string | undefined;
}

/** The suppression list of one deployment. */
export interface SuppressionList {
  /** Put an address on the list (replacing its entry); answers the addresses evicted to make room. */
  add(entry: NewSuppression, now?: Date): Promise<{ readonly entry: SuppressionEntry; readonly evicted: readonly string[] }>;
  /** The entry of an address, or undefined; calls of one event-loop turn share one MGET (the worker's check). */
  find(address: string): Promise<SuppressionEntry | undefined>;
  /** Take an address off the list; false when it was not on it. */
  remove(address: string): Promise<boolean>;
  /** Empty the list; answers how many addresses it held. */
  clear(): Promise<number>;
  /** A page of entries in address order; throws {@link InvalidSuppressionPageTokenError} for a token it did not issue. */
  list(query: { readonly pageSize: number; readonly pageToken?: string | undefined }): Promise<SuppressionPage>;
}

/** Thrown by `list` for a page token it did not issue. */
export class InvalidSuppressionPageTokenError extends CourierError {
  constructor() {
    super('PAGE_TOKEN_INVALID', 'page_token is not valid');
  }
}

/** Normalise an address for the list: trimmed and lower-cased whole (as the recipient index does; see the README). */
export function normalizeSuppressedAddress(address: string): string {
  return normalizeRecipient(address);
}

function encodeToken(address: string): string {
  return Buffer.from(JSON.stringify({ s: address }), 'utf8').toString('base64url');
}

function decodeToken(token: string): string | undefined {
  if (token.length > 1_024) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown };
    return typeof parsed.s === 'string' && parsed.s.length > 0 && parsed.s.length <= MAX_SUPPRESSED_ADDRESS_LENGTH ? parsed.s : undefined;
  } catch {
    return undefined;
  }
}

function parseEntry(raw: string | null | undefined): SuppressionEntry | undefined {
  if (raw === null || raw === undefined) return undefined;
  try {
    const e = JSON.parse(raw) as SuppressionEntry;
    return typeof e.address === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

/** Most addresses one MGET of the worker's check carries. */
const MAX_FIND_BATCH = 256;
/** Most expired addresses an add prunes from the sets. */
const PRUNE_PER_ADD = 100;
/** Addresses removed per round when clearing. */
const CLEAR_CHUNK = 500;

/** Create the suppression list of a deployment on a connection. */
export function createSuppressionList(redis: RedisConnection, keys: CourierKeys, limits: SuppressionLimits): SuppressionList {
  const entryKey = (address: string): string => keys.suppression(address);

  // The worker's look-ups of one turn go out as one MGET.
  let pending: { readonly address: string; readonly resolve: (e: SuppressionEntry | undefined) => void; readonly reject: (err: unknown) => void }[] = [];
  const flush = (): void => {
    const all = pending;
    pending = [];
    for (let i = 0; i < all.length; i += MAX_FIND_BATCH) {
      const batch = all.slice(i, i + MAX_FIND_BATCH);
      redis.mget(...batch.map((p) => entryKey(p.address))).then(
        (values) => batch.forEach((p, j) => p.resolve(parseEntry(values[j]))),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      );
    }
  };

  /** Drop addresses from both sets (their entries are gone or going). */
  const forget = async (addresses: readonly string[]): Promise<void> => {
    if (addresses.length === 0) return;
    await redis
      .multi()
      .zrem(keys.suppressionIndex, ...addresses)
      .zrem(keys.suppressionAge, ...addresses)
      .exec();
  };

  return {
    async add(given, now = new Date()) {
      const address = normalizeSuppressedAddress(given.address);
      if (address === '' || address.length > MAX_SUPPRESSED_ADDRESS_LENGTH) throw new Error('suppressed address is empty or too long');
      const nowMs = now.getTime();
      const entry: SuppressionEntry = {
        ...given,
        address,
        added_at: now.toISOString(),
        ...(limits.ttlSeconds > 0 ? { expires_at: new Date(nowMs + limits.ttlSeconds * 1000).toISOString() } : {}),
      };
      if (limits.ttlSeconds > 0) {
        // Addresses whose entries have lapsed (their keys expired on their own) leave the sets.
        const lapsed = await redis.zrangebyscore(keys.suppressionAge, '-inf', nowMs - limits.ttlSeconds * 1000, 'LIMIT', 0, PRUNE_PER_ADD);
        await forget(lapsed.filter((a) => a !== address));
      }
      const m = redis.multi();
      if (limits.ttlSeconds > 0) m.set(entryKey(address), JSON.stringify(entry), 'EX', limits.ttlSeconds);
      else m.set(entryKey(address), JSON.stringify(entry));
      const replies = await m.zadd(keys.suppressionIndex, 0, address).zadd(keys.suppressionAge, nowMs, address).zcard(keys.suppressionAge).exec();
      const size = Number(replies?.at(-1)?.[1] ?? 0);
      let evicted: string[] = [];
      if (size > limits.maxEntries) {
        evicted = (await redis.zrange(keys.suppressionAge, 0, String(size - limits.maxEntries - 1))).filter((a) => a !== address);
        if (evicted.length > 0) {
          await redis
            .multi()
            .del(...evicted.map(entryKey))
            .zrem(keys.suppressionIndex, ...evicted)
            .zrem(keys.suppressionAge, ...evicted)
            .exec();
        }
      }
      return { entry, evicted };
    },
    find(address) {
      return new Promise((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ address: normalizeSuppressedAddress(address), resolve, reject });
      });
    },
    async remove(address) {
      const a = normalizeSuppressedAddress(address);
      const replies = await redis.multi().del(entryKey(a)).zrem(keys.suppressionIndex, a).zrem(keys.suppressionAge, a).exec();
      return Number(replies?.[0]?.[1] ?? 0) > 0;
    },
    async clear() {
      let removed = 0;
      for (;;) {
        const chunk = await redis.zrange(keys.suppressionIndex, 0, String(CLEAR_CHUNK - 1));
        if (chunk.length === 0) break;
        const replies = await redis
          .multi()
          .del(...chunk.map(entryKey))
          .zrem(keys.suppressionIndex, ...chunk)
          .zrem(keys.suppressionAge, ...chunk)
          .exec();
        removed += Number(replies?.[0]?.[1] ?? 0);
      }
      // Entries whose address somehow missed the lexical set still leave the age set.
      await redis.del(keys.suppressionAge);
      return removed;
    },
    async list(query) {
      let after: string | undefined;
      if (query.pageToken !== undefined) {
        after = decodeToken(query.pageToken);
        if (after === undefined) throw new InvalidSuppressionPageTokenError();
      }
      const entries: SuppressionEntry[] = [];
      const batch = Math.min(1_000, Math.max(query.pageSize * 2, 50));
      // Bound one request's work when many entries have lapsed: callers page on.
      const maxScanned = Math.max(query.pageSize * 20, 5_000);
      let scanned = 0;
      let cursor = after;
      let exhausted = false;
      while (entries.length < query.pageSize && scanned < maxScanned) {
        const addresses = await redis.zrangebylex(keys.suppressionIndex, cursor === undefined ? '-' : `(${cursor}`, '+', 'LIMIT', 0, batch);
        if (addresses.length === 0) {
          exhausted = true;
          break;
        }
        const values = await redis.mget(...addresses.map(entryKey));
        const lapsed: string[] = [];
        for (const [i, address] of addresses.entries()) {
          scanned++;
          cursor = address;
          const entry = parseEntry(values[i]);
          if (entry === undefined) lapsed.push(address);
          else entries.push(entry);
          if (entries.length === query.pageSize) break;
        }
        void forget(lapsed).catch(() => undefined);
        if (entries.length < query.pageSize && addresses.length < batch) exhausted = true;
        if (exhausted) break;
      }
      return { entries, nextPageToken: exhausted || cursor === undefined ? undefined : encodeToken(cursor) };
    },
  };
}
