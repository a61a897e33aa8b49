/**
 * Status records of messages in Redis, and the indexes that list them.
 *
 * A message is one hash (its fields: records.ts). Indexes are sorted
 * sets of message ids, all at score 0, so they order lexically by id; ids are
 * UUIDv7, so lexical order is creation order and a page token is just the last
 * id seen: pagination is stable while messages are added or change status.
 */
import { FINAL_STATUSES, type Dispatch, type JobPayload, type MessageStatus } from '@courier/core';
import type { ChainableCommander } from 'ioredis';
import { courierKeys, type CourierKeys } from './keys.js';
import type { RedisConnection } from './connection.js';
import { listSummaries, type ListPage, type ListQuery } from './message-list.js';
import { contentOf, parseMessage, summaryFieldOf, type CreateMeta, type StoredMessage } from './records.js';
import {
  beginCall,
  beginCreateCall,
  beginManyCall,
  createCall,
  createManyCall,
  finishCall,
  finishManyCall,
  setStatusCall,
  type EntryIndexes,
  type FinishItem,
  type NewRecord,
  type StatusKeys,
} from './lua/calls.js';
import {
  BEGIN,
  BEGIN_MANY,
  CREATE,
  CREATE_KEY_COUNT,
  CREATE_MANY,
  FINISH,
  FINISH_MANY,
  parseAnswer,
  SET_STATUS,
  STATUS_SCRIPT_KEY_COUNT,
  type SetStatusAnswer,
} from './scripts.js';

/**
 * A message known by its id whose content is parsed only if needed: {@link MessageStore.begin}
 * needs it only to re-create a missing record, so a worker need not parse (or refuse)
 * a large payload of a message that is cancelled or sent already.
 */
export interface LazyPayload {
  readonly id: string;
  /** The validated payload; may throw (the caller's validation error). */
  load(): JobPayload;
}

/** Outcome of {@link MessageStore.begin}. */
export type BeginResult = 'ok' | 'created' | 'sent' | 'cancelled' | 'abandoned';

/**
 * Answer of {@link MessageStore.finish}: recorded, no record, fenced (another owner took the
 * message over since the attempt began: nothing recorded), or the final status that was kept.
 */
export type FinishResult = 'ok' | 'missing' | 'fenced' | 'sent' | 'abandoned' | 'cancelled';

/** Outcome of an attempt to record. */
export interface AttemptOutcome {
  readonly status: 'sent' | 'error' | 'abandoned';
  readonly dispatch: Dispatch;
  /**
   * The owner token the attempt began with ({@link MessageStore.begin}): the outcome is
   * recorded only while the record still names it. Absent: no check (a given-up job's
   * settlement, which runs after every attempt).
   */
  readonly owner?: string | undefined;
  /** False when the attempt ended before any hand-over (expired, invalid payload): `send_count` stays. Default true. */
  readonly counted?: boolean;
}

/** Retention settings the store applies. */
export interface StoreRetention {
  /** How long a finished (sent/abandoned/cancelled) message stays. */
  readonly finishedTtlSeconds: number;
}

/** The status-tracking API shared by producer and worker. */
export interface MessageStore {
  readonly keys: CourierKeys;
  /** Record a new message as `queued`. False when a record with that id exists. */
  create(payload: JobPayload, meta?: CreateMeta): Promise<boolean>;
  /** Queue `create` for many messages on a pipeline/multi the caller executes. */
  createIn(pipeline: ScriptPipeline, payload: JobPayload, meta?: CreateMeta): void;
  /**
   * Queue `create` for all `items` on a pipeline/multi as one command (one script
   * call for a batch; a single item as {@link createIn}). Its answer is one 1/0 per
   * item, or a single 1/0 for a single item.
   */
  createManyIn(pipeline: ScriptPipeline, items: readonly { readonly payload: JobPayload; readonly meta?: CreateMeta | undefined }[]): void;
  /**
   * Mark an attempt as started (`processing`), creating the record from the payload
   * if it is missing. Given a {@link LazyPayload}, the content is asked for only then.
   * `owner` (the job lock's token) is written into the record: from then on only an outcome
   * given the same owner is recorded (fencing: a worker that lost the message to another
   * cannot overwrite what that one records).
   */
  begin(payload: JobPayload | LazyPayload, owner?: string): Promise<BeginResult>;
  /** Record an attempt's outcome and move the status. */
  finish(payload: Pick<JobPayload, 'id'>, outcome: AttemptOutcome): Promise<FinishResult>;
  /**
   * Move a message to `to` if its status is one of `from` (cancel, manual retry).
   * Returns 'ok', 'missing', or the status that did not allow it.
   */
  transition(id: string, from: readonly MessageStatus[], to: MessageStatus): Promise<SetStatusAnswer>;
  /** The whole record, content included. */
  get(id: string): Promise<StoredMessage | undefined>;
  /** A message's status alone (its content is not read), or undefined when there is no record. */
  status(id: string): Promise<MessageStatus | undefined>;
  /** Whole records of several ids in one round trip (undefined for those that are gone). */
  getMany(ids: readonly string[]): Promise<(StoredMessage | undefined)[]>;
  /** A page of summaries: never reads the content (see records.ts). */
  list(query: ListQuery): Promise<ListPage>;
}

/** An ioredis pipeline or multi the store writes into. */
export type ScriptPipeline = ChainableCommander;

/** The registered scripts; their raw answers go through `parseAnswer` (scripts.ts). */
interface ScriptCommands {
  courierCreate(...args: (string | number)[]): Promise<unknown>;
  /** Variable key count: the first argument is the number of keys. */
  courierCreateMany(...args: (string | number)[]): Promise<unknown>;
  /** Variable key count: the first argument is the number of keys (7, or 10 to re-create). */
  courierBegin(...args: (string | number)[]): Promise<unknown>;
  courierFinish(...args: (string | number)[]): Promise<unknown>;
  courierSetStatus(...args: (string | number)[]): Promise<unknown>;
  courierBeginMany(...args: (string | number)[]): Promise<unknown>;
  courierFinishMany(...args: (string | number)[]): Promise<unknown>;
}

/** Each script with its key count (undefined: the caller passes it first). */
const SCRIPTS: Record<keyof ScriptCommands, { lua: string; numberOfKeys?: number }> = {
  courierCreate: { lua: CREATE, numberOfKeys: CREATE_KEY_COUNT },
  courierCreateMany: { lua: CREATE_MANY },
  courierBegin: { lua: BEGIN },
  courierFinish: { lua: FINISH, numberOfKeys: STATUS_SCRIPT_KEY_COUNT },
  courierSetStatus: { lua: SET_STATUS, numberOfKeys: STATUS_SCRIPT_KEY_COUNT },
  // Variable key counts: the first argument is the number of keys.
  courierBeginMany: { lua: BEGIN_MANY },
  courierFinishMany: { lua: FINISH_MANY },
};

/** BEGIN's common path (no content) never creates: 'created' there is a broken script. */
function beginCommonAnswer(answer: BeginResult | 'missing'): BeginResult | 'missing' {
  if (answer === 'created') throw new Error('unexpected answer from begin.lua without content: created');
  return answer;
}

/** Most calls one batched script call carries. */
const MAX_BATCH = 64;

/**
 * Calls made during one event-loop turn (e.g. the SMTP replies or the jobs that
 * one poll phase delivered) go to Redis together, on `setImmediate`: one call
 * alone as `one`, several as `many` (one script call, the same steps per item).
 * An error of a batched call rejects every call in it; callers treat it as they
 * would their own call's error.
 */
function batched<Req, Res>(one: (req: Req) => Promise<Res>, many: (reqs: readonly Req[]) => Promise<Res[]>): (req: Req) => Promise<Res> {
  interface Pending {
    readonly req: Req;
    readonly resolve: (res: Res) => void;
    readonly reject: (err: unknown) => void;
  }
  let pending: Pending[] = [];
  const run = (batch: readonly Pending[]): void => {
    if (batch.length === 1) {
      const only = batch[0]!;
      one(only.req).then(only.resolve, only.reject);
      return;
    }
    many(batch.map((p) => p.req)).then(
      (results) => {
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  };
  const flush = (): void => {
    const all = pending;
    pending = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) run(all.slice(i, i + MAX_BATCH));
  };
  return (req) =>
    new Promise<Res>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ req, resolve, reject });
    });
}

function defineScripts(connection: RedisConnection): RedisConnection & ScriptCommands {
  for (const [name, definition] of Object.entries(SCRIPTS)) {
    if (!(name in connection)) connection.defineCommand(name, definition);
  }
  return connection as RedisConnection & ScriptCommands;
}

/**
 * Create the message store on a connection.
 *
 * @param prefix - The deployment's key prefix (`redis.prefix`).
 */
export function createMessageStore(connection: RedisConnection, prefix: string, retention: StoreRetention): MessageStore {
  const redis = defineScripts(connection);
  const keys = courierKeys(prefix);
  // Recipient indexes expire a day after their last message would have.
  const recipientTtl = retention.finishedTtlSeconds + 86_400;

  const statusIndexes = keys.statusIndexes;
  const queuedIndex = keys.statusIndex('queued');
  // Arguments as strings (ioredis would convert numbers on each call).
  const recipientTtlArg = String(recipientTtl);
  /** The indexes a new record is entered in besides its status index. */
  const entryIndexes = (payload: JobPayload): EntryIndexes => [
    keys.allIndex,
    keys.recipientIndex(payload.recipient),
    payload.template_type === undefined ? keys.noIndex : keys.templateIndex(payload.template_type),
  ];
  const newRecord = (payload: JobPayload, meta?: CreateMeta): NewRecord => ({
    id: payload.id,
    content: JSON.stringify(contentOf(payload)),
    summary: summaryFieldOf(payload, meta),
    recipientTtl: recipientTtlArg,
    hasTemplate: payload.template_type !== undefined,
  });
  const createArgs = (payload: JobPayload, meta: CreateMeta | undefined): string[] =>
    createCall({ message: keys.message(payload.id), queuedIndex, entryIndexes: entryIndexes(payload) }, newRecord(payload, meta), payload.created_at);
  const statusKeys = (id: string): StatusKeys => ({ message: keys.message(id), statusIndexes });

  // Attempts start and end in batches (see `batched`); the per-message scripts serve single calls.
  const beginCommon = batched<{ id: string; now: string; owner: string }, BeginResult | 'missing'>(
    async ({ id, now, owner }) => beginCommonAnswer(parseAnswer.begin(await redis.courierBegin(...beginCall(statusKeys(id), id, now, owner)))),
    async (reqs) => {
      // All of a batch's attempts start in the same turn: the first one's time stands for all.
      const args = beginManyCall(
        statusIndexes,
        reqs.map((r) => ({ message: keys.message(r.id), id: r.id, owner: r.owner })),
        reqs[0]!.now,
      );
      return parseAnswer.beginMany(await redis.courierBeginMany(...args)).map(beginCommonAnswer);
    },
  );
  const finishTtlArg = String(retention.finishedTtlSeconds);
  const finishOne = batched<FinishItem, FinishResult>(
    async (r) => parseAnswer.finish(await redis.courierFinish(...finishCall(statusIndexes, r, finishTtlArg))),
    async (reqs) => parseAnswer.finishMany(await redis.courierFinishMany(...finishManyCall(statusIndexes, reqs, finishTtlArg))),
  );

  return {
    keys,
    async create(payload, meta) {
      return parseAnswer.create(await redis.courierCreate(...createArgs(payload, meta)));
    },
    createIn(pipeline, payload, meta) {
      // On a pipeline the command queues and returns the pipeline; its answer comes with exec().
      (pipeline as unknown as { courierCreate(...args: string[]): ScriptPipeline }).courierCreate(...createArgs(payload, meta));
    },
    createManyIn(pipeline, items) {
      if (items.length === 1) {
        (pipeline as unknown as { courierCreate(...args: string[]): ScriptPipeline }).courierCreate(...createArgs(items[0]!.payload, items[0]!.meta));
        return;
      }
      const args = createManyCall(
        { queuedIndex, allIndex: keys.allIndex },
        items.map(({ payload, meta }) => ({
          message: keys.message(payload.id),
          recipientIndex: keys.recipientIndex(payload.recipient),
          templateIndexOrPlaceholder: payload.template_type === undefined ? keys.noIndex : keys.templateIndex(payload.template_type),
          record: newRecord(payload, meta),
          now: payload.created_at,
        })),
      );
      (pipeline as unknown as { courierCreateMany(...args: string[]): ScriptPipeline }).courierCreateMany(...args);
    },
    async begin(given, owner = '') {
      const now = new Date().toISOString();
      const begun = await beginCommon({ id: given.id, now, owner });
      if (begun !== 'missing') return begun;
      // Rare: the record expired or was lost. Only now send the content to re-create it.
      const payload = 'load' in given ? given.load() : given;
      // The creating key is not in the payload: a re-created record has none.
      const recreated = parseAnswer.begin(
        await redis.courierBegin(...beginCreateCall({ ...statusKeys(payload.id), entryIndexes: entryIndexes(payload) }, newRecord(payload), now, owner)),
      );
      if (recreated === 'missing') throw new Error('unreachable: BEGIN with content answered missing');
      return recreated;
    },
    finish(payload, outcome) {
      return finishOne({
        message: keys.message(payload.id),
        id: payload.id,
        at: outcome.dispatch.at,
        status: outcome.status,
        dispatch: JSON.stringify(outcome.dispatch),
        owner: outcome.owner ?? '',
        counted: outcome.counted ?? true,
      });
    },
    async transition(id, from, to) {
      return parseAnswer.setStatus(await redis.courierSetStatus(...setStatusCall(statusKeys(id), id, new Date().toISOString(), to, finishTtlArg, from)));
    },
    async get(id) {
      const h = await redis.hgetall(keys.message(id));
      return parseMessage(id, h);
    },
    async status(id) {
      const status = await redis.hget(keys.message(id), 'status');
      return status === null ? undefined : (status as MessageStatus);
    },
    async getMany(ids) {
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(keys.message(id));
      const results = (await pipeline.exec()) ?? [];
      return ids.map((id, i) => parseMessage(id, (results[i]?.[1] as Record<string, string> | undefined) ?? {}));
    },
    list(query) {
      return listSummaries(redis, keys, query);
    },
  };
}

/** True for statuses after which a message needs nothing more. */
export function isFinal(status: MessageStatus): boolean {
  return FINAL_STATUSES.has(status);
}
