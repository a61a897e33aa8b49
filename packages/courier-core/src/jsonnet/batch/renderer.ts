/**
 * Rendering one Jsonnet template for many contexts at once.
 *
 * libjsonnet pays tens of milliseconds per evaluation for setting up its standard
 * library, whatever the template, while rendering one more context inside the same
 * evaluation costs microseconds. Two ways around that fixed cost:
 *
 * - **Sessions** (the default, while a slot is free, see `session-slots.ts`): one
 *   long-running evaluation renders batch after batch (`session.ts`).
 * - **Batch evaluations**: renders requested while an evaluation is running (or
 *   within the same tick) are gathered into the next batch and evaluated together
 *   as one array (`evaluate.ts`); a failed batch is bisected to isolate the
 *   contexts that fail (`bisect.ts`).
 *
 * This module queues renders and drives the two: one session or one batch
 * evaluation at a time per renderer. The renderer's shared state is in `state.ts`.
 */
import { TemplateError } from '../../errors.js';
import { renderBatch } from './bisect.js';
import { compileError, errorText, EvaluationTimeout, withTimeout } from './errors.js';
import { createStandaloneCheck, evaluateBatch } from './evaluate.js';
import { wellFormedJson } from './json.js';
import { runSession } from './session.js';
import { acquireSessionSlot } from './session-slots.js';
import { createBatchState, settle, settleAll, takeBatch, type BatchState } from './state.js';
import type { JsonnetBatchRenderer, JsonnetBatchRendererOptions, JsonnetTemplateSource } from './types.js';

const DEFAULT_MAX_BATCH = 500;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_SESSION_IDLE_MS = 1_000;
const DEFAULT_SESSION_MAX_ITEMS = 100_000;
/** Longest close() waits for a session to end. */
const CLOSE_WAIT_MS = 5_000;

/**
 * Create a batching renderer for one template.
 *
 * Evaluations run off the main thread (node-jsonnet runs libjsonnet on libuv's
 * pool), each on a fresh VM so no settings leak between them; one session or one
 * batch evaluation at a time per renderer.
 */
export function createJsonnetBatchRenderer(options: JsonnetBatchRendererOptions): JsonnetBatchRenderer {
  const state = createBatchState({
    source: options.source,
    maxBatch: Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH),
    filename: options.filename ?? 'template.jsonnet',
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    sessionsEnabled: options.sessions ?? true,
    sessionIdleMs: options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS,
    sessionMaxItems: options.sessionMaxItems ?? DEFAULT_SESSION_MAX_ITEMS,
  });
  const { filename, sessionsEnabled } = state.settings;
  const standalone = createStandaloneCheck(state);
  let draining = false;
  /** Settles when the last session started has ended (its libjsonnet evaluation is over). */
  let sessionEnded: Promise<void> | undefined;

  /** The template, loaded and checked by {@link standalone}. */
  async function checkedSource(): Promise<JsonnetTemplateSource> {
    const source = await options.source();
    await standalone(source);
    return source;
  }

  async function drain(): Promise<void> {
    let sessionAllowed = sessionsEnabled && !state.closed;
    while (state.queue.length > 0) {
      const release = sessionAllowed ? acquireSessionSlot() : undefined;
      if (release !== undefined) {
        let ended!: () => void;
        sessionEnded = new Promise<void>((resolve) => (ended = resolve));
        const end = await runSession(state, checkedSource, () => {
          release();
          ended();
        });
        // After a session that failed (or rendered nothing), the next batch is evaluated on
        // its own: that reports the failure, and guarantees progress.
        sessionAllowed = end === 'failed' ? false : sessionsEnabled && !state.closed;
        continue;
      }
      await evaluateNextBatch(state, checkedSource);
      sessionAllowed = sessionsEnabled && !state.closed;
    }
  }

  function schedule(): void {
    if (draining) {
      state.wakeSession?.();
      return;
    }
    draining = true;
    // setImmediate lets every render requested in the current tick join the first batch.
    setImmediate(() => {
      drain()
        .catch((err: unknown) => {
          // renderBatch settles every item itself; this only guards against a bug leaving callers hanging.
          for (const p of state.queue.splice(0)) settle(state, p, { error: err });
        })
        .finally(() => {
          draining = false;
          if (state.queue.length > 0) schedule();
        });
    });
  }

  return {
    render(ctx: unknown): Promise<unknown> {
      let json: string | undefined;
      try {
        json = wellFormedJson(JSON.stringify(ctx));
      } catch (err) {
        return Promise.reject(new TemplateError('TEMPLATE_RENDER_FAILED', 'Jsonnet context is not serialisable as JSON', { cause: err }));
      }
      if (json === undefined) {
        return Promise.reject(new TemplateError('TEMPLATE_RENDER_FAILED', 'Jsonnet context is undefined'));
      }
      return new Promise((resolve, reject) => {
        state.queue.push({ json, ctx, resolve, reject });
        schedule();
      });
    },

    async check(): Promise<void> {
      const source = await options.source();
      await standalone(source);
      try {
        // With no contexts the template is parsed and statically checked but never evaluated.
        await evaluateBatch(state, source.text, []);
      } catch (err) {
        if (err instanceof EvaluationTimeout) {
          throw new TemplateError('TEMPLATE_COMPILE_FAILED', `Jsonnet template ${filename} took too long to compile`);
        }
        throw compileError(filename, errorText(err), source.text, err);
      }
    },

    stats: () => ({ ...state.counts }),

    async close(): Promise<void> {
      state.closed = true;
      state.wakeSession?.();
      // A session waits for the main thread inside a native call; a process that
      // exits meanwhile waits forever for that thread (libuv joins its pool at
      // exit). So close() resolves once the session's evaluation is over (bounded:
      // one that timed out computing cannot be waited for).
      if (sessionEnded !== undefined) await withTimeout(sessionEnded, CLOSE_WAIT_MS).catch(() => undefined);
    },
  };
}

/** Take the next batch off the queue and evaluate it on its own. */
async function evaluateNextBatch(state: BatchState, checkedSource: () => Promise<JsonnetTemplateSource>): Promise<void> {
  const batch = takeBatch(state);
  let source: JsonnetTemplateSource;
  try {
    source = await checkedSource();
  } catch (err) {
    settleAll(state, batch, err);
    return;
  }
  await renderBatch(state, source, batch);
}
