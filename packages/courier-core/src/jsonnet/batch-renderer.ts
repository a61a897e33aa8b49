/**
 * Rendering one Jsonnet template for many contexts at once.
 *
 * libjsonnet pays tens of milliseconds per evaluation for setting up its standard
 * library, whatever the template, while rendering one more context inside the same
 * evaluation costs microseconds. Two ways around that fixed cost:
 *
 * - **Sessions** (the default, while a slot is free, see `session-slots.ts`): one
 *   long-running evaluation loops, asking the renderer for the next batch through a
 *   native function and handing back the results through another, so the set-up is
 *   paid once per session instead of once per batch. A session ends when no render
 *   has been requested for `sessionIdleMs`, after `sessionMaxItems` renders, or when
 *   the template changes.
 * - **Batch evaluations**: renders requested while an evaluation is running (or
 *   within the same tick) are gathered into the next batch and evaluated together
 *   as one array.
 *
 * A template that fails for one context fails the whole array (and the session),
 * so a failed batch is split in halves and re-evaluated until the failing contexts
 * are isolated: only they reject.
 */
import { TemplateError } from '../errors.js';
import { findJsonnetImport } from './imports.js';
import { acquireSessionSlot } from './session-slots.js';
import {
  BATCH_SUFFIX,
  CONTEXTS_VAR,
  NEXT_NATIVE,
  SESSION_SUFFIX,
  TEMPLATE_PREFIX,
  newJsonnetVm,
} from './vm.js';

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
  /** Render in long-running sessions when a slot is free (default true); false: batch evaluations only. */
  readonly sessions?: boolean;
  /** End a session after this long without a render (default 1 s); it holds a libuv thread meanwhile. */
  readonly sessionIdleMs?: number;
  /** End a session after this many renders, so libjsonnet's heap starts afresh (default 100,000). */
  readonly sessionMaxItems?: number;
}

/** Counters that let callers (and tests) see how well renders were batched. */
export interface JsonnetRenderStats {
  /** libjsonnet evaluations run, including bisection retries and compile checks (one per template version). */
  readonly evaluations: number;
  /** Renders finished, successfully or not. */
  readonly items: number;
  /** Of the evaluations, the long-running sessions started. */
  readonly sessions: number;
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
  /**
   * End a running session now instead of after `sessionIdleMs` (it holds a libuv
   * thread). Resolves when it has ended: call it, and wait, before the process
   * exits, since exiting while a session waits in a native call never finishes.
   * Renders requested later still work, by batch evaluations.
   */
  close(): Promise<void>;
}

const DEFAULT_MAX_BATCH = 500;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_SESSION_IDLE_MS = 1_000;
const DEFAULT_SESSION_MAX_ITEMS = 100_000;
/** Longest close() waits for a session to end. */
const CLOSE_WAIT_MS = 5_000;
/** Context strings shorter than this are too common to be worth redacting from error text. */
const MIN_REDACTED_LENGTH = 4;

interface Pending {
  readonly json: string;
  /** The context, kept to redact its strings from an error about it (collected only then). */
  readonly ctx: unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

class EvaluationTimeout extends Error {}

/**
 * Why a session ended; after `failed` (which includes a session that ended without
 * rendering anything) the next batch is evaluated on its own, which reports the error.
 */
type SessionEnd = 'ended' | 'failed' | 'timeout';

/**
 * Create a batching renderer for one template.
 *
 * Evaluations run off the main thread (node-jsonnet runs libjsonnet on libuv's
 * pool), each on a fresh VM so no settings leak between them; one session or one
 * batch evaluation at a time per renderer.
 */
export function createJsonnetBatchRenderer(options: JsonnetBatchRendererOptions): JsonnetBatchRenderer {
  const maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
  const filename = options.filename ?? 'template.jsonnet';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const sessionsEnabled = options.sessions ?? true;
  const sessionIdleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const sessionMaxItems = options.sessionMaxItems ?? DEFAULT_SESSION_MAX_ITEMS;
  const queue: Pending[] = [];
  let draining = false;
  let evaluations = 0;
  let sessions = 0;
  let items = 0;
  let closed = false;
  /** Settles when the last session started has ended (its libjsonnet evaluation is over). */
  let sessionEnded: Promise<void> | undefined;
  /** Wakes a session waiting for work, if one is. */
  let wakeSession: (() => void) | undefined;

  async function evaluate(text: string, contexts: readonly string[]): Promise<unknown[]> {
    evaluations++;
    const vm = newJsonnetVm();
    vm.extCode(CONTEXTS_VAR, `[${contexts.join(',')}]`);
    const out = await withTimeout(vm.evaluateSnippet(TEMPLATE_PREFIX + text + BATCH_SUFFIX, filename), timeoutMs);
    return parseResults(out, contexts.length);
  }

  function settle(p: Pending, outcome: { value: unknown } | { error: unknown }): void {
    items++;
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.value);
  }

  function timeoutError(): TemplateError {
    return new TemplateError('TEMPLATE_RENDER_TIMEOUT', `Jsonnet template ${filename} took longer than ${timeoutMs} ms to render`);
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
        const error = timeoutError();
        for (const p of batch) settle(p, { error });
        return;
      }
      const message = errorText(err);
      const kind = evaluationErrorKind(message);
      if (kind === 'template') {
        // A template that does not compile fails every context alike: no need to bisect.
        const error = compileError(filename, message, source.text, err);
        for (const p of batch) settle(p, { error });
        return;
      }
      const [only] = batch;
      if (batch.length === 1 && only !== undefined) {
        if (kind === 'context') {
          const reason = (message.split('\n')[0] ?? '').replace(/^STATIC ERROR: <extvar:[^>]*>:[\d:-]*:?\s*/, '');
          settle(only, {
            error: new TemplateError('TEMPLATE_RENDER_FAILED', `this message's data cannot be handed to Jsonnet template ${filename}: ${reason}`),
          });
          return;
        }
        const detail = redact(describeJsonnetError(message, filename, source.text), collectStrings(only.ctx));
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

  /** The last template version checked by {@link standalone}, and the check's outcome. */
  let checked: { readonly version: string; readonly outcome: Promise<void> } | undefined;

  /**
   * Check that the template is one whole Jsonnet expression on its own (once per
   * version). The wrapper pastes the text between parentheses; unbalanced ones
   * could otherwise close the wrapper's and reach the batch or the session. The
   * bare text is evaluated in a VM of its own: only a static (parse) error fails
   * the check; a function template failing to manifest, or a template missing its
   * `ctx`, is the expected runtime error.
   *
   * @throws TemplateError `TEMPLATE_COMPILE_FAILED`
   */
  function standalone(source: JsonnetTemplateSource): Promise<void> {
    if (checked?.version !== source.version) {
      const outcome = (async () => {
        const found = findJsonnetImport(source.text);
        if (found !== undefined) {
          throw new TemplateError(
            'TEMPLATE_COMPILE_FAILED',
            `Jsonnet template ${filename} does not compile: ${filename}:${found.line}:${found.column}: ` +
              `${found.keyword} is not allowed (templates cannot read files)`,
          );
        }
        evaluations++;
        try {
          await withTimeout(newJsonnetVm().evaluateSnippet(source.text, filename), timeoutMs);
        } catch (err) {
          const message = errorText(err);
          if (!(err instanceof EvaluationTimeout) && message.startsWith('STATIC ERROR')) {
            throw compileError(filename, message, source.text, err, 0);
          }
        }
      })();
      checked = { version: source.version, outcome };
    }
    return checked.outcome;
  }

  /** The template, loaded and checked by {@link standalone}. */
  async function checkedSource(): Promise<JsonnetTemplateSource> {
    const source = await options.source();
    await standalone(source);
    return source;
  }

  /** Take the next batch off the queue and evaluate it on its own. */
  async function evaluateNextBatch(): Promise<void> {
    const batch = queue.splice(0, maxBatch);
    let source: JsonnetTemplateSource;
    try {
      source = await checkedSource();
    } catch (err) {
      for (const p of batch) settle(p, { error: err });
      return;
    }
    await renderBatch(source, batch);
  }

  /** Resolves when a render is queued, or after `ms`. */
  function workOrIdle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wakeSession = undefined;
        resolve();
      }
      wakeSession = done;
    });
  }

  /**
   * Run one session until it ends. Resolves when it has ended or was given up on
   * (a batch that timed out); the slot is released only when libjsonnet's
   * evaluation has really finished, since until then it keeps its thread.
   */
  async function runSession(release: () => void): Promise<SessionEnd> {
    let source: JsonnetTemplateSource;
    try {
      source = await checkedSource();
    } catch {
      release();
      return 'failed';
    }
    evaluations++;
    sessions++;
    let inflight: Pending[] | undefined;
    let timer: NodeJS.Timeout | undefined;
    let abandoned = false;
    let handled = 0;
    let handedOut = 0;

    return new Promise<SessionEnd>((resolve) => {
      let vm: ReturnType<typeof newJsonnetVm>;
      try {
        vm = newJsonnetVm();
      } catch {
        release();
        resolve('failed');
        return;
      }
      /** The template's version as last seen, refreshed in the background whenever a batch is handed out. */
      let latestVersion = source.version;
      let sourceFailed = false;
      const refreshVersion = (): void => {
        options.source().then(
          (current) => (latestVersion = current.version),
          () => (sourceFailed = true), // the next batch evaluation reports the source's error
        );
      };
      /** The next batch as JSON text; null ends the session; undefined: nothing queued yet. */
      const handOut = (): string | null | undefined => {
        if (abandoned || closed || sourceFailed || handled >= sessionMaxItems || latestVersion !== source.version) return null;
        if (queue.length === 0) return undefined;
        refreshVersion();
        const batch = queue.splice(0, maxBatch);
        inflight = batch;
        handedOut++;
        timer = setTimeout(() => {
          abandoned = true;
          inflight = undefined;
          const error = timeoutError();
          for (const p of batch) settle(p, { error });
          resolve('timeout');
        }, timeoutMs);
        return `[${batch.map((p) => p.json).join(',')}]`;
      };
      const afterWaiting = async (): Promise<string | null> => {
        await workOrIdle(sessionIdleMs);
        // Let every render requested in this turn join the batch.
        await new Promise((r) => setImmediate(r));
        // After a pause the template may have changed: check before rendering with it.
        try {
          latestVersion = (await options.source()).version;
        } catch {
          sourceFailed = true;
        }
        return handOut() ?? null;
      };
      // While renders are queued, the next batch is handed out at once (no promise, no extra turn).
      /** Settle the batch handed out last with the results the session brought back. */
      const takeResults = (out: string): void => {
        clearTimeout(timer);
        const batch = inflight;
        inflight = undefined;
        if (batch === undefined) return; // the first call, or a batch already timed out
        handled += batch.length;
        try {
          const results = parseResults(out, batch.length);
          batch.forEach((p, i) => settle(p, { value: results[i] }));
        } catch (err) {
          for (const p of batch) settle(p, { error: err });
        }
      };
      // One call per batch: it brings the previous batch's results and takes the next batch,
      // at once while renders are queued (no promise, no extra turn).
      vm.nativeCallback(
        NEXT_NATIVE,
        (out: string): string | null | Promise<string | null> => {
          takeResults(out);
          const batch = handOut();
          return batch === undefined ? afterWaiting() : batch;
        },
        'out',
      );
      let evaluation: Promise<string>;
      try {
        evaluation = vm.evaluateSnippet(TEMPLATE_PREFIX + source.text + SESSION_SUFFIX, filename);
      } catch (err) {
        evaluation = Promise.reject(err);
      }
      evaluation.then(
        () => resolve(handedOut > 0 || queue.length === 0 ? 'ended' : 'failed'),
        () => {
          clearTimeout(timer);
          if (abandoned) return;
          const batch = inflight;
          inflight = undefined;
          // The batch the session failed on goes through batch evaluations, which
          // find the contexts that fail (or report a compile error to all).
          if (batch === undefined) resolve('failed');
          else void renderBatch(source, batch).finally(() => resolve('failed'));
        },
      );
      evaluation.catch(() => undefined).finally(release);
    });
  }

  async function drain(): Promise<void> {
    let sessionAllowed = sessionsEnabled && !closed;
    while (queue.length > 0) {
      const release = sessionAllowed ? acquireSessionSlot() : undefined;
      if (release !== undefined) {
        let ended!: () => void;
        sessionEnded = new Promise<void>((resolve) => (ended = resolve));
        const end = await runSession(() => {
          release();
          ended();
        });
        // After a session that failed (or rendered nothing), the next batch is evaluated on
        // its own: that reports the failure, and guarantees progress.
        sessionAllowed = end === 'failed' ? false : sessionsEnabled && !closed;
        continue;
      }
      await evaluateNextBatch();
      sessionAllowed = sessionsEnabled && !closed;
    }
  }

  function schedule(): void {
    if (draining) {
      wakeSession?.();
      return;
    }
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
        json = wellFormedJson(JSON.stringify(ctx));
      } catch (err) {
        return Promise.reject(
          new TemplateError('TEMPLATE_RENDER_FAILED', 'Jsonnet context is not serialisable as JSON', { cause: err }),
        );
      }
      if (json === undefined) {
        return Promise.reject(new TemplateError('TEMPLATE_RENDER_FAILED', 'Jsonnet context is undefined'));
      }
      return new Promise((resolve, reject) => {
        queue.push({ json, ctx, resolve, reject });
        schedule();
      });
    },

    async check(): Promise<void> {
      const source = await options.source();
      await standalone(source);
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

    stats: () => ({ evaluations, items, sessions }),

    async close(): Promise<void> {
      closed = true;
      wakeSession?.();
      // A session waits for the main thread inside a native call; a process that
      // exits meanwhile waits forever for that thread (libuv joins its pool at
      // exit). So close() resolves once the session's evaluation is over (bounded:
      // one that timed out computing cannot be waited for).
      if (sessionEnded !== undefined) await withTimeout(sessionEnded, CLOSE_WAIT_MS).catch(() => undefined);
    },
  };
}

/**
 * Whose fault an evaluation error is: `template` for a static error in the
 * template (it fails every context alike), `context` for a static error in the
 * contexts handed in (one message's data: the batch is bisected to find it), and
 * `render` for a runtime error (the template failing for some context).
 */
export function evaluationErrorKind(message: string): 'template' | 'context' | 'render' {
  if (!message.startsWith('STATIC ERROR')) return 'render';
  return message.startsWith(`STATIC ERROR: <extvar:${CONTEXTS_VAR}>`) ? 'context' : 'template';
}

/** `\uXXXX` escapes of lone surrogates, not themselves escaped (preceded by an even number of backslashes). */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/**
 * JSON text whose strings are all well-formed UTF-16. `JSON.stringify` writes a
 * lone surrogate as a `\udXXX` escape (paired ones are written as they are),
 * which Jsonnet refuses for the whole batch; such escapes become U+FFFD, as
 * `String.prototype.toWellFormed` would make them. The API refuses such strings;
 * this keeps a job written before that check from failing others.
 */
export function wellFormedJson(json: string | undefined): string | undefined {
  if (json === undefined || !json.includes('\\ud')) return json;
  return json.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd');
}

/** Parse an evaluation's output: a JSON array with one result per context. */
function parseResults(out: string, count: number): unknown[] {
  const parsed: unknown = JSON.parse(out);
  if (!Array.isArray(parsed) || parsed.length !== count) {
    throw new Error('Jsonnet batch returned an unexpected shape');
  }
  return parsed;
}

function compileError(filename: string, message: string, text: string, cause: unknown, columnShift = TEMPLATE_PREFIX.length): TemplateError {
  return new TemplateError(
    'TEMPLATE_COMPILE_FAILED',
    `Jsonnet template ${filename} does not compile: ${describeJsonnetError(message, filename, text, columnShift)}`,
    { cause },
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The first line of a Jsonnet error (and, for runtime errors, the first stack
 * position), with positions translated back to the template's own coordinates.
 *
 * @param columnShift - What the wrapper added before line 1 (0 for a template evaluated bare).
 */
export function describeJsonnetError(message: string, filename: string, templateText: string, columnShift = TEMPLATE_PREFIX.length): string {
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
    const shift = (c: string) => Math.max(1, Number(c) - columnShift);
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
