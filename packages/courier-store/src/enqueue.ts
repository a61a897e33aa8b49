/**
 * Enqueueing: each message's status record and its BullMQ job are written in one
 * Redis transaction (MULTI/EXEC), so they land together or not at all. A crash of
 * Redis mid-request can therefore never leave a `queued` record without a job
 * (which nothing would ever send) nor a job without a record.
 */
import { createIORedisClient, Job, type JobsOptions, type Queue } from 'bullmq';
import type { JobPayload } from '@courier/core';
import type { ChainableCommander } from 'ioredis';
import type { RedisConnection } from './connection.js';
import { leanMulti, loadLeanScripts, type LeanScripts } from './lean-multi.js';
import type { MessageStore } from './message-store.js';
import { jobNameFor, jobOptionsFor } from './queue.js';

/** The store's create scripts (one message, the messages of one call), as `createMessageStore` defines them. */
const CREATE_SCRIPT = 'courierCreate';
const CREATE_MANY_SCRIPT = 'courierCreateMany';
/**
 * The BullMQ scripts `Job#addJob` runs for a job without a parent (defined as
 * `<name>:<bullmq version>`); `addParentJob` is for flows, which Courier has none of.
 */
const ADD_JOB_SCRIPTS = ['addStandardJob:', 'addDelayedJob:', 'addPrioritizedJob:'] as const;

/** What an enqueue transaction carries: the record script and BullMQ's add scripts, nothing else. */
const ENQUEUE_SCRIPTS: LeanScripts = {
  keep: (name) => name === CREATE_SCRIPT || name === CREATE_MANY_SCRIPT || ADD_JOB_SCRIPTS.some((prefix) => name.startsWith(prefix)),
  required: [CREATE_SCRIPT, CREATE_MANY_SCRIPT, ...ADD_JOB_SCRIPTS],
};

/**
 * A MULTI on `redis` for an enqueue transaction, through BullMQ's client adapter
 * (which adds the `runCommand` BullMQ queues its scripts with). It carries only
 * the scripts an enqueue runs (see lean-multi.ts): building one with all of the
 * connection's scripts costs several times more.
 */
export function createEnqueueMulti(redis: RedisConnection): ChainableCommander {
  // The adapter is cached per connection by BullMQ.
  const client = createIORedisClient(redis);
  return leanMulti(redis, ENQUEUE_SCRIPTS, () => client.multi());
}

/** One message to enqueue, with its scheduling. */
export interface EnqueueItem {
  readonly payload: JobPayload;
  readonly delayMs?: number | undefined;
  readonly priority?: number | undefined;
  /** Non-secret id or name of the API key enqueueing it, kept in the record (`created_by`). */
  readonly createdBy?: string | undefined;
}

/**
 * Refuse at once on a fail-fast connection (the producer's) that is not ready:
 * no Redis means an immediate error (the API's 503), not a request hanging until
 * Redis returns. BullMQ loads its scripts once the queue is ready, which such a
 * connection must not wait for either.
 */
function refuseWhenNotReady(redis: RedisConnection): void {
  const failFast = (redis.options as { enableOfflineQueue?: boolean }).enableOfflineQueue === false;
  if (failFast && redis.status !== 'ready') throw new Error(`Connection is closed (Redis is ${redis.status})`);
}

/** Number of commands queued on a pipeline (ioredis counts MULTI itself too). */
function commandCount(multi: ChainableCommander): number {
  return (multi as unknown as { length: number }).length;
}

/** Commands one call queues: its records (one script call), then one job each. */
const commandsFor = (items: readonly EnqueueItem[]): number => 1 + items.length;

/** An enqueue transaction being built; {@link TransactionBuilder.add} queues one call's items. */
interface TransactionBuilder {
  readonly multi: ChainableCommander;
  /**
   * Queue the records of the items (one command: one script call for all of
   * them) and then the job of each. Returns where the call's commands start among
   * the transaction's results; the call has `1 + items.length` of them.
   * @throws when BullMQ did not queue exactly one command per job (the caller
   *   must then discard the transaction: it holds records without jobs).
   */
  add(items: readonly EnqueueItem[]): number;
}

function buildTransaction(redis: RedisConnection, queue: Queue<JobPayload>, store: MessageStore): TransactionBuilder {
  const multi = createEnqueueMulti(redis);
  if (typeof (multi as unknown as Record<string, unknown>)[CREATE_SCRIPT] !== 'function') {
    throw new Error('enqueueMessages: the queue and the store must share one Redis connection');
  }
  const first = commandCount(multi);
  // Queue#add merges the queue's defaults into a job's options, Job does not. The
  // getter copies them on each read: read once per transaction.
  const defaults = queue.defaultJobOptions;
  return {
    multi,
    add(items) {
      const before = commandCount(multi);
      // One script call for all the records of the call (a batch request): the item
      // is its own CreateMeta (`createdBy`), so nothing is allocated for it. The
      // records go first: a job never lands without its record in the same EXEC.
      store.createManyIn(
        multi,
        items.map((item) => ({ payload: item.payload, meta: item })),
      );
      for (const item of items) {
        const opts: JobsOptions = { ...defaults, ...jobOptionsFor(item.payload, { delayMs: item.delayMs, priority: item.priority }) };
        const job = new Job<JobPayload>(queue, jobNameFor(item.payload), item.payload, opts, opts.jobId);
        // Queues BullMQ's add script on the transaction synchronously; its own
        // promise settles with the transaction's outcome, which is checked by exec.
        job.addJob(multi as unknown as Parameters<typeof job.addJob>[0]).catch(() => undefined);
      }
      // The records' command and one command per job; if BullMQ could not queue
      // its part, nothing may be sent rather than records without jobs.
      const queued = commandCount(multi) - before;
      if (queued !== commandsFor(items)) {
        throw new Error(`enqueue transaction has ${queued} commands, expected ${commandsFor(items)}`);
      }
      return before - first;
    },
  };
}

/**
 * Run the transaction; its results (one per command), or the error that
 * discarded it whole. When Redis had lost the scripts (SCRIPT FLUSH), they are
 * loaded again before the caller learns of the failure, so a retry succeeds.
 */
async function execTransaction(redis: RedisConnection, multi: ChainableCommander): Promise<[error: Error | null, result: unknown][]> {
  const results = (await multi.exec()) ?? [];
  if (results.length === 0) throw new Error('enqueue transaction was discarded');
  if (results.some(([err]) => err !== null && err.message.includes('NOSCRIPT'))) {
    await loadLeanScripts(redis, ENQUEUE_SCRIPTS).catch(() => undefined);
  }
  return results;
}

/** The first error among one call's results (`count` commands from `start`), if any. */
function firstError(results: readonly [Error | null, unknown][], start: number, count: number): Error | undefined {
  for (let i = start; i < start + count; i++) {
    const entry = results[i];
    if (entry === undefined) return new Error(`enqueue transaction answered ${results.length} results, expected more`);
    if (entry[0] !== null) return entry[0];
  }
  return undefined;
}

/**
 * Record and enqueue messages in one transaction (one round trip).
 *
 * @param redis - The connection both the store and the queue use.
 * @throws whatever Redis threw; then nothing of this call was written, or (when
 *   only the reply was lost) all of it was.
 */
export async function enqueueMessages(redis: RedisConnection, queue: Queue<JobPayload>, store: MessageStore, items: readonly EnqueueItem[]): Promise<void> {
  if (items.length === 0) return;
  refuseWhenNotReady(redis);
  await queue.waitUntilReady();
  const tx = buildTransaction(redis, queue, store);
  try {
    tx.add(items);
  } catch (err) {
    tx.multi.discard();
    throw err;
  }
  const error = firstError(await execTransaction(redis, tx.multi), 0, commandsFor(items));
  if (error !== undefined) throw error;
}

/** Enqueues messages like {@link enqueueMessages}, sharing transactions between calls. */
export interface Enqueuer {
  /**
   * Record and enqueue `items`: all in one transaction, which may also carry the
   * items of other calls made in the same turn of the event loop.
   *
   * @throws as {@link enqueueMessages}: then nothing of this call was written, or
   *   (when only the reply was lost) all of it was.
   */
  enqueue(items: readonly EnqueueItem[]): Promise<void>;
}

/** Options of {@link createEnqueuer}. */
export interface EnqueuerOptions {
  /** Items after which a shared transaction is sent without waiting for the turn to end (default 1,000). */
  readonly maxItems?: number;
}

interface PendingCall {
  readonly items: readonly EnqueueItem[];
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Create an enqueuer that writes the calls made in one turn of the event loop
 * (e.g. the requests an HTTP server read in one go) as one transaction: one
 * MULTI/EXEC, one socket write and one reply for all of them, instead of one per
 * call. Every call's records and jobs still land together or not at all (they
 * are in the same MULTI); calls only ever share a transaction's outcome as a
 * whole when the transaction fails as a whole (connection lost, EXECABORT);
 * an error of one command fails only the call it belongs to.
 *
 * A call waits at most until the end of the current turn (`setImmediate`).
 */
export function createEnqueuer(redis: RedisConnection, queue: Queue<JobPayload>, store: MessageStore, options: EnqueuerOptions = {}): Enqueuer {
  const maxItems = options.maxItems ?? 1_000;
  let pending: PendingCall[] = [];
  let pendingItems = 0;
  let scheduled = false;

  const send = async (calls: readonly PendingCall[]): Promise<void> => {
    const starts: number[] = [];
    let multi: ChainableCommander | undefined;
    try {
      const tx = buildTransaction(redis, queue, store);
      multi = tx.multi;
      for (const call of calls) starts.push(tx.add(call.items));
    } catch (err) {
      // Nothing was sent. A call whose items BullMQ refused (it validates job
      // options as it queues) must not fail the others: each goes alone then.
      multi?.discard();
      if (calls.length === 1) calls[0]!.reject(err);
      else for (const call of calls) void send([call]);
      return;
    }
    let results: [Error | null, unknown][];
    try {
      results = await execTransaction(redis, multi);
    } catch (err) {
      for (const call of calls) call.reject(err);
      return;
    }
    calls.forEach((call, i) => {
      const error = firstError(results, starts[i]!, commandsFor(call.items));
      if (error === undefined) call.resolve();
      else call.reject(error);
    });
  };

  const flush = (): void => {
    const calls = pending;
    pending = [];
    pendingItems = 0;
    if (calls.length > 0) void send(calls);
  };

  return {
    async enqueue(items) {
      if (items.length === 0) return;
      refuseWhenNotReady(redis);
      await queue.waitUntilReady();
      return new Promise<void>((resolve, reject) => {
        if (pendingItems > 0 && pendingItems + items.length > maxItems) flush();
        pending.push({ items, resolve, reject });
        pendingItems += items.length;
        if (pendingItems >= maxItems) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            flush();
          });
        }
      });
    },
  };
}
