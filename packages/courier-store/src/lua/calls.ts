/**
 * One typed function per Lua script (the `.lua` files beside this one), laying out its
 * KEYS and ARGV in the order the script's header documents. The store calls its scripts
 * only through these, so a script's contract is read in two places that sit together:
 * its header and its builder. Every argument is a string (ioredis would convert numbers
 * on each call). Answers are parsed by `parseAnswer` (scripts.ts).
 */

/** The keys every status-changing script takes: the message hash, then the status indexes. */
export interface StatusKeys {
  readonly message: string;
  /** Every status index, in MESSAGE_STATUSES order. */
  readonly statusIndexes: readonly string[];
}

/** The indexes a new record is entered in besides its status index. */
export type EntryIndexes = readonly [all: string, recipient: string, templateOrPlaceholder: string];

/** What a record is created from (create.lua, and begin.lua re-creating a lost record). */
export interface NewRecord {
  readonly id: string;
  /** `m`: the content as JSON. */
  readonly content: string;
  /** `s`: the summary as JSON. */
  readonly summary: string;
  /** Seconds the recipient index lives after its last message. */
  readonly recipientTtl: string;
  readonly hasTemplate: boolean;
}

const flag = (b: boolean): string => (b ? '1' : '0');

/** create.lua: 5 keys (message, queued index, entry indexes); ARGV id, m, s, now, rcptTtl, hasTemplate. */
export function createCall(keys: { readonly message: string; readonly queuedIndex: string; readonly entryIndexes: EntryIndexes }, record: NewRecord, now: string): string[] {
  return [keys.message, keys.queuedIndex, ...keys.entryIndexes, record.id, record.content, record.summary, now, record.recipientTtl, flag(record.hasTemplate)];
}

/** One message of a create-many.lua call: its hash and indexes, and its record. */
export interface CreateManyItem {
  readonly message: string;
  readonly recipientIndex: string;
  readonly templateIndexOrPlaceholder: string;
  readonly record: NewRecord;
  readonly now: string;
}

/**
 * create-many.lua: the key count first, the `queued` and all-messages indexes, then hash,
 * recipient index and template index per item; ARGV rcptTtl, then id, m, s, now, hasTemplate per item.
 * Every item's record must carry the same `recipientTtl` (the store's setting).
 */
export function createManyCall(keys: { readonly queuedIndex: string; readonly allIndex: string }, items: readonly CreateManyItem[]): string[] {
  const args = [String(2 + 3 * items.length), keys.queuedIndex, keys.allIndex];
  for (const item of items) args.push(item.message, item.recipientIndex, item.templateIndexOrPlaceholder);
  args.push(items[0]?.record.recipientTtl ?? '0');
  for (const { record, now } of items) args.push(record.id, record.content, record.summary, now, flag(record.hasTemplate));
  return args;
}

/** begin.lua on the common path: the key count first (7), then message + status indexes; ARGV id, now. */
export function beginCall(keys: StatusKeys, id: string, now: string): string[] {
  return [String(1 + keys.statusIndexes.length), keys.message, ...keys.statusIndexes, id, now];
}

/** begin.lua re-creating a lost record: 10 keys (the 7, then the entry indexes); ARGV id, now, m, rcptTtl, hasTemplate, s. */
export function beginCreateCall(keys: StatusKeys & { readonly entryIndexes: EntryIndexes }, record: NewRecord, now: string): string[] {
  return [
    String(1 + keys.statusIndexes.length + keys.entryIndexes.length),
    keys.message,
    ...keys.statusIndexes,
    ...keys.entryIndexes,
    record.id,
    now,
    record.content,
    record.recipientTtl,
    flag(record.hasTemplate),
    record.summary,
  ];
}

/** begin-many.lua: key count, status indexes, one message hash per item; ARGV now, then one id per item. */
export function beginManyCall(statusIndexes: readonly string[], items: readonly { readonly message: string; readonly id: string }[], now: string): string[] {
  const args = [String(statusIndexes.length + items.length), ...statusIndexes];
  for (const item of items) args.push(item.message);
  args.push(now);
  for (const item of items) args.push(item.id);
  return args;
}

/** The outcome of an attempt as finish.lua and finish-many.lua take it. */
export interface FinishItem {
  readonly message: string;
  readonly id: string;
  readonly at: string;
  readonly status: string;
  /** The dispatch as JSON. */
  readonly dispatch: string;
}

/** finish.lua: message + status indexes; ARGV id, at, status, dispatch, finishedTtl. */
export function finishCall(statusIndexes: readonly string[], item: FinishItem, finishedTtl: string): string[] {
  return [item.message, ...statusIndexes, item.id, item.at, item.status, item.dispatch, finishedTtl];
}

/** finish-many.lua: key count, status indexes, one message hash per item; ARGV finishedTtl, then id, at, status, dispatch per item. */
export function finishManyCall(statusIndexes: readonly string[], items: readonly FinishItem[], finishedTtl: string): string[] {
  const args = [String(statusIndexes.length + items.length), ...statusIndexes];
  for (const item of items) args.push(item.message);
  args.push(finishedTtl);
  for (const item of items) args.push(item.id, item.at, item.status, item.dispatch);
  return args;
}

/** set-status.lua: message + status indexes; ARGV id, now, to, finishedTtl, the allowed from-statuses (comma-separated). */
export function setStatusCall(keys: StatusKeys, id: string, now: string, to: string, finishedTtl: string, from: readonly string[]): string[] {
  return [keys.message, ...keys.statusIndexes, id, now, to, finishedTtl, from.join(',')];
}

/** settle-orphan.lua: message + status indexes + the job hash; ARGV id, now, the updated_at seen, dispatch, finishedTtl. */
export function settleOrphanCall(keys: StatusKeys & { readonly job: string }, id: string, now: string, seenUpdatedAt: string, dispatch: string, finishedTtl: string): string[] {
  return [keys.message, ...keys.statusIndexes, keys.job, id, now, seenUpdatedAt, dispatch, finishedTtl];
}
