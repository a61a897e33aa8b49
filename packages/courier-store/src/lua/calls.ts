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

/** begin.lua on the common path: the key count first (7), then message + status indexes; ARGV id, now, owner ('' for none). */
export function beginCall(keys: StatusKeys, id: string, now: string, owner: string): string[] {
  return [String(1 + keys.statusIndexes.length), keys.message, ...keys.statusIndexes, id, now, owner];
}

/** begin.lua re-creating a lost record: 10 keys (the 7, then the entry indexes); ARGV id, now, owner, m, rcptTtl, hasTemplate, s. */
export function beginCreateCall(keys: StatusKeys & { readonly entryIndexes: EntryIndexes }, record: NewRecord, now: string, owner: string): string[] {
  return [
    String(1 + keys.statusIndexes.length + keys.entryIndexes.length),
    keys.message,
    ...keys.statusIndexes,
    ...keys.entryIndexes,
    record.id,
    now,
    owner,
    record.content,
    record.recipientTtl,
    flag(record.hasTemplate),
    record.summary,
  ];
}

/** begin-many.lua: key count, status indexes, one message hash per item; ARGV now, then id and owner per item. */
export function beginManyCall(
  statusIndexes: readonly string[],
  items: readonly { readonly message: string; readonly id: string; readonly owner: string }[],
  now: string,
): string[] {
  const args = [String(statusIndexes.length + items.length), ...statusIndexes];
  for (const item of items) args.push(item.message);
  args.push(now);
  for (const item of items) args.push(item.id, item.owner);
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
  /** The owner token the attempt began with; '' skips the fencing check. */
  readonly owner: string;
  /** False for an attempt that ended before any hand-over: send_count stays. */
  readonly counted: boolean;
}

/** finish.lua: message + status indexes; ARGV id, at, status, dispatch, finishedTtl, owner, counted. */
export function finishCall(statusIndexes: readonly string[], item: FinishItem, finishedTtl: string): string[] {
  return [item.message, ...statusIndexes, item.id, item.at, item.status, item.dispatch, finishedTtl, item.owner, flag(item.counted)];
}

/** finish-many.lua: key count, status indexes, one message hash per item; ARGV finishedTtl, then id, at, status, dispatch, owner, counted per item. */
export function finishManyCall(statusIndexes: readonly string[], items: readonly FinishItem[], finishedTtl: string): string[] {
  const args = [String(statusIndexes.length + items.length), ...statusIndexes];
  for (const item of items) args.push(item.message);
  args.push(finishedTtl);
  for (const item of items) args.push(item.id, item.at, item.status, item.dispatch, item.owner, flag(item.counted));
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

/** One window of recipient-window.lua: its key, its limit and the ids of a request counted in it. */
export interface RecipientWindowItem {
  readonly key: string;
  readonly max: number;
  readonly windowMs: number;
  readonly ids: readonly string[];
}

/** recipient-window.lua: key count, one key per window; ARGV per window max, windowMs, k, then its k ids. */
export function recipientWindowCall(windows: readonly RecipientWindowItem[]): string[] {
  const args = [String(windows.length)];
  for (const w of windows) args.push(w.key);
  for (const w of windows) args.push(String(w.max), String(w.windowMs), String(w.ids.length), ...w.ids);
  return args;
}

/** channel-slot.lua: the channel's TAT and reservations; ARGV interval (µs), burst, job id, deadline (ms, 0: none). */
export function channelSlotCall(
  keys: { readonly tat: string; readonly reservations: string },
  intervalUs: number,
  burst: number,
  jobId: string,
  deadlineMs: number | undefined,
): string[] {
  return [keys.tat, keys.reservations, String(Math.max(1, Math.round(intervalUs))), String(burst), jobId, String(deadlineMs ?? 0)];
}

/** channel-pause.lua: the channel's TAT; ARGV pause (ms), burst tolerance (µs). */
export function channelPauseCall(tat: string, pauseMs: number, toleranceUs: number): string[] {
  return [tat, String(Math.max(0, Math.round(pauseMs))), String(Math.max(0, Math.round(toleranceUs)))];
}
