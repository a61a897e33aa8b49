/**
 * One-shot evaluations: a batch of contexts evaluated as one array, and the
 * check that a template is one whole Jsonnet expression on its own. Each runs on a
 * fresh VM, off the main thread (node-jsonnet runs libjsonnet on libuv's pool),
 * and counts in `stats().evaluations`.
 */
import { TemplateError } from '../../errors.js';
import { findJsonnetImport } from '../imports.js';
import { BATCH_SUFFIX, CONTEXTS_VAR, TEMPLATE_PREFIX, newJsonnetVm } from '../vm.js';
import { compileError, errorText, EvaluationTimeout, withTimeout } from './errors.js';
import { contextsArray, parseResults } from './json.js';
import type { BatchState } from './state.js';
import type { JsonnetTemplateSource } from './types.js';

/**
 * Evaluate the template for each context (JSON texts) at once.
 *
 * @returns one result per context.
 * @throws libjsonnet's error, or {@link EvaluationTimeout}.
 */
export async function evaluateBatch(state: BatchState, text: string, contexts: readonly string[]): Promise<unknown[]> {
  const { filename, timeoutMs } = state.settings;
  state.counts.evaluations++;
  const vm = newJsonnetVm();
  vm.extCode(CONTEXTS_VAR, contextsArray(contexts));
  const out = await withTimeout(vm.evaluateSnippet(TEMPLATE_PREFIX + text + BATCH_SUFFIX, filename), timeoutMs);
  return parseResults(out, contexts.length);
}

/**
 * The check that a template is one whole Jsonnet expression on its own, run once
 * per template version (the last version's outcome is kept). The wrapper pastes the
 * text between parentheses; unbalanced ones could otherwise close the wrapper's and
 * reach the batch or the session. Imports are refused first (templates cannot read
 * files). The bare text is then evaluated in a VM of its own: only a static (parse)
 * error fails the check; a function template failing to manifest, or a template
 * missing its `ctx`, is the expected runtime error.
 *
 * @returns a function that resolves when `source` passed, and rejects with
 *   `TEMPLATE_COMPILE_FAILED` otherwise.
 */
export function createStandaloneCheck(state: BatchState): (source: JsonnetTemplateSource) => Promise<void> {
  let checked: { readonly version: string; readonly outcome: Promise<void> } | undefined;
  return (source) => {
    if (checked?.version !== source.version) {
      checked = { version: source.version, outcome: checkStandalone(state, source) };
    }
    return checked.outcome;
  };
}

async function checkStandalone(state: BatchState, source: JsonnetTemplateSource): Promise<void> {
  const { filename, timeoutMs } = state.settings;
  const found = findJsonnetImport(source.text);
  if (found !== undefined) {
    throw new TemplateError(
      'TEMPLATE_COMPILE_FAILED',
      `Jsonnet template ${filename} does not compile: ${filename}:${found.line}:${found.column}: ` + `${found.keyword} is not allowed (templates cannot read files)`,
    );
  }
  state.counts.evaluations++;
  try {
    await withTimeout(newJsonnetVm().evaluateSnippet(source.text, filename), timeoutMs);
  } catch (err) {
    const message = errorText(err);
    if (!(err instanceof EvaluationTimeout) && message.startsWith('STATIC ERROR')) {
      throw compileError(filename, message, source.text, err, 0);
    }
  }
}
