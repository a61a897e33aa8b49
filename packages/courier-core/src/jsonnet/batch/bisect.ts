/**
 * Rendering a batch by one evaluation, and isolating the contexts that fail it.
 *
 * A template that fails for one context fails the whole array, so a failed batch
 * is split in halves and re-evaluated until the failing contexts are isolated:
 * only they reject. A template that does not compile fails every context alike
 * (no bisection), and so does a timeout.
 */
import { compileError, contextError, errorText, evaluationErrorKind, EvaluationTimeout, renderError, timeoutError } from './errors.js';
import { evaluateBatch } from './evaluate.js';
import { settle, settleAll, settleResults, type BatchState, type Pending } from './state.js';
import type { JsonnetTemplateSource } from './types.js';

/** Evaluate `batch` and settle every render in it, bisecting on a render error. */
export async function renderBatch(state: BatchState, source: JsonnetTemplateSource, batch: readonly Pending[]): Promise<void> {
  const { filename, timeoutMs } = state.settings;
  let results: unknown[];
  try {
    results = await evaluateBatch(
      state,
      source.text,
      batch.map((p) => p.json),
    );
  } catch (err) {
    if (err instanceof EvaluationTimeout) {
      settleAll(state, batch, timeoutError(filename, timeoutMs));
      return;
    }
    const message = errorText(err);
    const kind = evaluationErrorKind(message);
    if (kind === 'template') {
      // A template that does not compile fails every context alike: no need to bisect.
      settleAll(state, batch, compileError(filename, message, source.text, err));
      return;
    }
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) {
      const error = kind === 'context' ? contextError(filename, message) : renderError(filename, message, source.text, only.ctx);
      settle(state, only, { error });
      return;
    }
    const middle = Math.ceil(batch.length / 2);
    await Promise.all([renderBatch(state, source, batch.slice(0, middle)), renderBatch(state, source, batch.slice(middle))]);
    return;
  }
  settleResults(state, batch, results);
}
