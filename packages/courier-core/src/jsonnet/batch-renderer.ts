/**
 * Rendering one Jsonnet template for many contexts at once.
 *
 * libjsonnet pays tens of milliseconds per evaluation for setting up its standard
 * library, whatever the template, while rendering one more context inside the same
 * evaluation costs microseconds. So renders requested while an evaluation is
 * running (or within the same tick) are gathered into the next batch and evaluated
 * together as one array. A template that fails for one context would fail the
 * whole array, so a failed batch is split in halves and re-evaluated until the
 * failing contexts are isolated: only they reject.
 */
import { createRequire } from 'node:module';
import { TemplateError } from '../errors.js';

/**
 * The part of node-jsonnet's `Jsonnet` class used here. Declared locally because the
 * package's `exports` map hides its typings from NodeNext resolution, and because
 * those typings name the stack setter `maxStack` while the addon registers `setMaxStack`.
 */
interface JsonnetVm {
  extCode(name: string, code: string): JsonnetVm;
  evaluateSnippet(snippet: string, filename?: string): Promise<string>;
  setMaxStack(value: number): JsonnetVm;
}

const { Jsonnet } = createRequire(import.meta.url)('@hanazuki/node-jsonnet') as { Jsonnet: new () => JsonnetVm };

/** A template's text and a stamp that changes when the text does. */
export interface JsonnetTemplateSource {
  readonly text: string;
  readonly version: string;
}

/** Options of {@link createJsonnetBatchRenderer}. */
export interface JsonnetBatchRendererOptions {
  /** The template; called once per batch, so it should cache (see `uri/load-uri.ts`). */
  readonly source: () => Promise<JsonnetTemplateSource>;
  /** Most contexts evaluated together (default 500). */
  readonly maxBatch?: number;
  /** Name used in error positions, e.g. `body.jsonnet` (default `template.jsonnet`). */
  readonly filename?: string;
  /**
   * Give up waiting for one evaluation after this long (default 10 s). libjsonnet
   * cannot be interrupted, so the evaluation's thread finishes in the background.
   */
  readonly timeoutMs?: number;
}

/** Counters that let callers (and tests) see how well renders were batched. */
export interface JsonnetRenderStats {
  /** libjsonnet evaluations run, including bisection retries and compile checks. */
  readonly evaluations: number;
  /** Renders finished, successfully or not. */
  readonly items: number;
}

/** A batching Jsonnet renderer for one template. */
export interface JsonnetBatchRenderer {
  /**
   * Render the template for `ctx`: a `function(ctx)` template is called with it; any
   * other template can read it as `std.extVar('ctx')`. Resolves with the parsed JSON
   * result.
   *
   * @throws TemplateError `TEMPLATE_RENDER_FAILED` when the template fails for this
   *   context, `TEMPLATE_COMPILE_FAILED` when it does not compile,
   *   `TEMPLATE_RENDER_TIMEOUT` when evaluation takes too long, or the source's own
   *   error (e.g. `TEMPLATE_LOAD_FAILED`).
   */
  render(ctx: unknown): Promise<unknown>;
  /**
   * Load the template and check its syntax and static semantics (unknown variables)
   * without rendering it.
   *
   * @throws TemplateError `TEMPLATE_COMPILE_FAILED` naming the template and the first error line.
   */
  check(): Promise<void>;
  stats(): JsonnetRenderStats;
}

const CONTEXTS_VAR = '__courier_ctxs';
const DEFAULT_MAX_BATCH = 500;
const DEFAULT_TIMEOUT_MS = 10_000;
/** libjsonnet's own default; set explicitly so a deep template fails fast rather than overflowing. */
const MAX_STACK = 500;
/** Context strings shorter than this are too common to be worth redacting from error text. */
const MIN_REDACTED_LENGTH = 4;

/**
 * The wrapper put around a template. The template text starts on line 1, so the
 * line numbers in Jsonnet's errors are the template's own (only line-1 columns are
 * shifted, by {@link PREFIX}'s length, and corrected in messages).
 *
 * `std` is shadowed so that `std.extVar('ctx')` yields this item's context and every
 * other external variable is undefined: a template can never read the whole batch.
 * The parameter is not called `ctx`, so a non-function template that names a free
 * `ctx` is a static error, as it is in Kratos.
 */
const PREFIX =
  'local __std = std; local __render(__courier_ctx) = (local std = __std + { extVar(name):: ' +
  "if name == 'ctx' then __courier_ctx else error ('Undefined external variable: ' + name) }; local __courier_t = (";
const SUFFIX =
  '\n); if std.isFunction(__courier_t) then __courier_t(__courier_ctx) else __courier_t); ' +
  `[__render(c) for c in __std.extVar('${CONTEXTS_VAR}')]\n`;

interface Pending {
  readonly json: string;
  readonly strings: readonly string[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

class EvaluationTimeout extends Error {}

/**
 * Create a batching renderer for one template.
 *
 * Evaluations run one at a time, off the main thread (node-jsonnet runs libjsonnet
 * on libuv's pool), each on a fresh `Jsonnet` instance so no settings leak between
 * batches.
 */
export function createJsonnetBatchRenderer(options: JsonnetBatchRendererOptions): JsonnetBatchRenderer {
  const maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
  const filename = options.filename ?? 'template.jsonnet';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const queue: Pending[] = [];
  let draining = false;
  let evaluations = 0;
  let items = 0;

  async function evaluate(text: string, contexts: readonly string[]): Promise<unknown[]> {
    evaluations++;
    const vm = new Jsonnet().setMaxStack(MAX_STACK);
    vm.extCode(CONTEXTS_VAR, `[${contexts.join(',')}]`);
    const out = await withTimeout(vm.evaluateSnippet(PREFIX + text + SUFFIX, filename), timeoutMs);
    const parsed: unknown = JSON.parse(out);
    if (!Array.isArray(parsed) || parsed.length !== contexts.length) {
      throw new Error('Jsonnet batch returned an unexpected shape');
    }
    return parsed;
  }

  function settle(p: Pending, outcome: { value: unknown } | { error: unknown }): void {
    items++;
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.value);
  }

  async function renderBatch(source: JsonnetTemplateSource, batch: readonly Pending[]): Promise<void> {
    let results: unknown[];
    try {
      results = await evaluate(
        source.text,
        batch.map((p) => p.json),
      );
    } catch (err) {
      if (err instanceof EvaluationTimeout) {
        const error = new TemplateError(
          'TEMPLATE_RENDER_TIMEOUT',
          `Jsonnet template ${filename} took longer than ${timeoutMs} ms to render`,
        );
        for (const p of batch) settle(p, { error });
        return;
      }
      const message = errorText(err);
      if (message.startsWith('STATIC ERROR')) {
        // A template that does not compile fails every context alike: no need to bisect.
        const error = compileError(filename, message, source.text, err);
        for (const p of batch) settle(p, { error });
        return;
      }
      const [only] = batch;
      if (batch.length === 1 && only !== undefined) {
        const detail = redact(describeJsonnetError(message, filename, source.text), only.strings);
        settle(only, {
          error: new TemplateError('TEMPLATE_RENDER_FAILED', `Jsonnet template ${filename} failed: ${detail}`),
        });
        return;
      }
      const middle = Math.ceil(batch.length / 2);
      await Promise.all([renderBatch(source, batch.slice(0, middle)), renderBatch(source, batch.slice(middle))]);
      return;
    }
    batch.forEach((p, i) => settle(p, { value: results[i] }));
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      let source: JsonnetTemplateSource;
      try {
        source = await options.source();
      } catch (err) {
        for (const p of batch) settle(p, { error: err });
        continue;
      }
      await renderBatch(source, batch);
    }
  }

  function schedule(): void {
    if (draining) return;
    draining = true;
    // setImmediate lets every render requested in the current tick join the first batch.
    setImmediate(() => {
      drain()
        .catch((err: unknown) => {
          // renderBatch settles every item itself; this only guards against a bug leaving callers hanging.
          for (const p of queue.splice(0)) settle(p, { error: err });
        })
        .finally(() => {
          draining = false;
          if (queue.length > 0) schedule();
        });
    });
  }

  return {
    render(ctx: unknown): Promise<unknown> {
      let json: string | undefined;
      try {
        json = JSON.stringify(ctx);
      } catch (err) {
        return Promise.reject(
          new TemplateError('TEMPLATE_RENDER_FAILED', 'Jsonnet context is not serialisable as JSON', { cause: err }),
        );
      }
      if (json === undefined) {
        return Promise.reject(new TemplateError('TEMPLATE_RENDER_FAILED', 'Jsonnet context is undefined'));
      }
      const strings = collectStrings(ctx);
      return new Promise((resolve, reject) => {
        queue.push({ json, strings, resolve, reject });
        schedule();
      });
    },

    async check(): Promise<void> {
      const source = await options.source();
      try {
        // With no contexts the template is parsed and statically checked but never evaluated.
        await evaluate(source.text, []);
      } catch (err) {
        if (err instanceof EvaluationTimeout) {
          throw new TemplateError('TEMPLATE_COMPILE_FAILED', `Jsonnet template ${filename} took too long to compile`);
        }
        throw compileError(filename, errorText(err), source.text, err);
      }
    },

    stats: () => ({ evaluations, items }),
  };
}

function compileError(filename: string, message: string, text: string, cause: unknown): TemplateError {
  return new TemplateError(
    'TEMPLATE_COMPILE_FAILED',
    `Jsonnet template ${filename} does not compile: ${describeJsonnetError(message, filename, text)}`,
    { cause },
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The first line of a Jsonnet error (and, for runtime errors, the first stack
 * position), with positions translated back to the template's own coordinates.
 */
export function describeJsonnetError(message: string, filename: string, templateText: string): string {
  const lines = message.split('\n');
  let text = (lines[0] ?? '').trim();
  const frame = lines.slice(1).find((l) => l.includes(`${filename}:`));
  if (text.startsWith('RUNTIME ERROR') && frame !== undefined) {
    const position = frame.trim().split('\t')[0];
    if (position !== undefined && position.length > 0) text += ` (at ${position})`;
  }
  const templateLines = templateText.split('\n').length;
  const escaped = filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  text = text.replace(new RegExp(`${escaped}:(\\d+):(\\d+)(?:-(\\d+))?`, 'g'), (whole, l: string, c1: string, c2?: string) => {
    const line = Number(l);
    if (line > templateLines) return `${filename}:end of template`;
    if (line !== 1) return whole;
    const shift = (c: string) => Math.max(1, Number(c) - PREFIX.length);
    return `${filename}:1:${shift(c1)}${c2 === undefined ? '' : `-${shift(c2)}`}`;
  });
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** Every string value in a context, so that none can leak through a template's `error` message. */
function collectStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.length >= MIN_REDACTED_LENGTH) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) collectStrings(v, out);
  }
  return out;
}

function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  // Longest first, so a value containing a shorter one is removed whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (result.includes(s)) result = result.split(s).join('[redacted]');
  }
  return result;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EvaluationTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
