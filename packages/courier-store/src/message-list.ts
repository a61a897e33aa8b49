/**
 * Listing messages: scan an index newest first and read each record's summary
 * fields (HMGET, never the content `m`), so a page of messages with megabytes of
 * template data each costs a few hundred bytes per message.
 */
import { CourierError, type MessageStatus, type TemplateType } from '@courier/core';
import { normalizeRecipient, type CourierKeys } from './keys.js';
import type { RedisConnection } from './connection.js';
import { parseSummary, SUMMARY_FIELDS, type MessageSummary } from './records.js';

/** Filters and paging of a list. */
export interface ListQuery {
  readonly status?: MessageStatus | undefined;
  readonly recipient?: string | undefined;
  readonly templateType?: TemplateType | undefined;
  /** 1..1000. */
  readonly pageSize: number;
  /** Opaque token from a previous page's `nextPageToken`. */
  readonly pageToken?: string | undefined;
}

/** One page of message summaries, newest first. */
export interface ListPage {
  readonly messages: MessageSummary[];
  readonly nextPageToken: string | undefined;
}

/** Encode a page token (the last id of a page). */
export function encodePageToken(id: string): string {
  return Buffer.from(JSON.stringify({ a: id }), 'utf8').toString('base64url');
}

/** Decode a page token; undefined for a malformed one (the caller answers 400). */
export function decodePageToken(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a?: unknown };
    return typeof parsed.a === 'string' && /^[0-9a-f-]{36}$/.test(parsed.a) ? parsed.a : undefined;
  } catch {
    return undefined;
  }
}

/** Thrown by `list` for a page token it did not issue. */
export class InvalidPageTokenError extends CourierError {
  constructor() {
    super('PAGE_TOKEN_INVALID', 'page_token is not valid');
  }
}

/** Summaries of `ids` (undefined for records that are gone), in one round trip (two for pre-summary records). */
async function readSummaries(redis: RedisConnection, keys: CourierKeys, ids: readonly string[]): Promise<(MessageSummary | undefined)[]> {
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(keys.message(id), ...SUMMARY_FIELDS);
  const results = (await pipeline.exec()) ?? [];
  const parsed = ids.map((id, i) => parseSummary(id, (results[i]?.[1] as (string | null)[] | undefined) ?? []));
  // Records written before `s` existed (until they expire): read their content once.
  const legacy = ids.flatMap((_id, i) => (parsed[i] === 'legacy' ? [i] : []));
  if (legacy.length > 0) {
    const again = redis.pipeline();
    for (const i of legacy) again.hget(keys.message(ids[i]!), 'm');
    const contents = (await again.exec()) ?? [];
    legacy.forEach((i, j) => {
      const m = contents[j]?.[1] as string | null | undefined;
      const values = (results[i]?.[1] as (string | null)[] | undefined) ?? [];
      parsed[i] = m === null || m === undefined ? undefined : parseSummary(ids[i]!, values, m);
    });
  }
  return parsed.map((p) => (p === 'legacy' ? undefined : p));
}

/** List one page of summaries; throws {@link InvalidPageTokenError} for a token this API did not issue. */
export async function listSummaries(redis: RedisConnection, keys: CourierKeys, query: ListQuery): Promise<ListPage> {
  let after: string | undefined;
  if (query.pageToken !== undefined) {
    after = decodePageToken(query.pageToken);
    if (after === undefined) throw new InvalidPageTokenError();
  }
  // Scan the most selective index; check the other filters on the summaries.
  const index =
    query.recipient !== undefined
      ? keys.recipientIndex(query.recipient)
      : query.templateType !== undefined
        ? keys.templateIndex(query.templateType)
        : query.status !== undefined
          ? keys.statusIndex(query.status)
          : keys.allIndex;
  const wantRecipient = query.recipient === undefined ? undefined : normalizeRecipient(query.recipient);
  const matches = (m: MessageSummary): boolean =>
    (query.status === undefined || m.status === query.status) &&
    (wantRecipient === undefined || normalizeRecipient(m.recipient) === wantRecipient) &&
    (query.templateType === undefined || m.template_type === query.templateType);

  const messages: MessageSummary[] = [];
  const batch = Math.min(1_000, Math.max(query.pageSize * 2, 50));
  // Bound the work of one request when filters match little: callers page on.
  const maxScanned = Math.max(query.pageSize * 20, 5_000);
  let scanned = 0;
  let cursor = after;
  let exhausted = false;
  let pageFull = false;
  while (!pageFull && scanned < maxScanned) {
    const ids = await redis.zrange(index, cursor === undefined ? '+' : `(${cursor}`, '-', 'BYLEX', 'REV', 'LIMIT', 0, batch);
    const summaries = await readSummaries(redis, keys, ids);
    const dangling: string[] = [];
    for (const [i, id] of ids.entries()) {
      scanned++;
      cursor = id;
      const m = summaries[i];
      if (m === undefined) dangling.push(id);
      if (m !== undefined && matches(m)) {
        messages.push(m);
        if (messages.length === query.pageSize) {
          pageFull = true;
          break;
        }
      }
    }
    // Records expire on their own; their ids are dropped from the index as they are met.
    if (dangling.length > 0) void redis.zrem(index, ...dangling).catch(() => undefined);
    if (!pageFull && ids.length < batch) exhausted = true;
    if (exhausted) break;
  }
  return { messages, nextPageToken: exhausted || cursor === undefined ? undefined : encodePageToken(cursor) };
}
