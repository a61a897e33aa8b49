/**
 * The public contract of the batching Jsonnet renderer (`renderer.ts`): its
 * options, its template source and what it reports.
 */

/** A template's text and a stamp that changes when the text does. */
export interface JsonnetTemplateSource {
  readonly text: string;
  readonly version: string;
}

/** Options of `createJsonnetBatchRenderer`. */
export interface JsonnetBatchRendererOptions {
  /** The template; called once per batch, so it should cache (see `uri/cached-source.ts`). */
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
interface JsonnetRenderStats {
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
