/**
 * What the parts of one batching renderer share: its settings, the queue of
 * renders waiting for a batch, the counters behind `stats()`, and the hooks a
 * running session is driven by. One object per renderer, handed to each unit
 * (`evaluate.ts`, `bisect.ts`, `session.ts`, `renderer.ts`), so nothing hides in
 * closures.
 */
import type { JsonnetTemplateSource } from './types.js';

/** One render waiting for its result. */
export interface Pending {
  readonly json: string;
  /** The context, kept to redact its strings from an error about it (collected only then). */
  readonly ctx: unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/** How a render ends: with the template's result, or an error. */
export type Outcome = { readonly value: unknown } | { readonly error: unknown };

/** The renderer's options, defaults applied. */
export interface BatchSettings {
  readonly source: () => Promise<JsonnetTemplateSource>;
  readonly maxBatch: number;
  readonly filename: string;
  readonly timeoutMs: number;
  readonly sessionsEnabled: boolean;
  readonly sessionIdleMs: number;
  readonly sessionMaxItems: number;
}

/** The mutable state of one renderer. */
export interface BatchState {
  readonly settings: BatchSettings;
  /** Renders not handed to an evaluation yet, oldest first. */
  readonly queue: Pending[];
  /** The counters behind `stats()`. */
  readonly counts: { evaluations: number; items: number; sessions: number };
  /** Set by `close()`: no new session starts, a running one ends at its next batch. */
  closed: boolean;
  /** Wakes a session waiting for work, if one is. */
  wakeSession: (() => void) | undefined;
}

export function createBatchState(settings: BatchSettings): BatchState {
  return { settings, queue: [], counts: { evaluations: 0, items: 0, sessions: 0 }, closed: false, wakeSession: undefined };
}

/** Finish one render (counted in `items`). */
export function settle(state: BatchState, p: Pending, outcome: Outcome): void {
  state.counts.items++;
  if ('error' in outcome) p.reject(outcome.error);
  else p.resolve(outcome.value);
}

/** Finish every render of a batch with the same error. */
export function settleAll(state: BatchState, batch: readonly Pending[], error: unknown): void {
  for (const p of batch) settle(state, p, { error });
}

/** Finish every render of a batch with its result, in order. */
export function settleResults(state: BatchState, batch: readonly Pending[], results: readonly unknown[]): void {
  batch.forEach((p, i) => settle(state, p, { value: results[i] }));
}

/** Take the next batch (at most `maxBatch` renders) off the queue. */
export function takeBatch(state: BatchState): Pending[] {
  return state.queue.splice(0, state.settings.maxBatch);
}
