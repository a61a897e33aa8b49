/**
 * node-jsonnet, typed for what Courier uses, and the wrapper put around every
 * Jsonnet template it evaluates.
 */
import { createRequire } from 'node:module';

/**
 * The part of node-jsonnet's `Jsonnet` class used here. Declared locally because the
 * package's `exports` map hides its typings from NodeNext resolution, and because
 * those typings name the stack setter `maxStack` while the addon registers `setMaxStack`.
 */
export interface JsonnetVm {
  extCode(name: string, code: string): JsonnetVm;
  evaluateSnippet(snippet: string, filename?: string): Promise<string>;
  setMaxStack(value: number): JsonnetVm;
  /** A native function; it receives primitives only and may return JSON values or a Promise for one. */
  nativeCallback(name: string, fun: (...args: never[]) => unknown, ...params: string[]): JsonnetVm;
}

type JsonnetClass = new () => JsonnetVm;
let Jsonnet: JsonnetClass | undefined;

/** libjsonnet's own default; set explicitly so a deep template fails fast rather than overflowing. */
const MAX_STACK = 500;

/** A fresh VM: no settings, external variables or natives leak between evaluations. */
export function newJsonnetVm(): JsonnetVm {
  // The native addon is loaded on the first VM: a process without Jsonnet templates never loads it.
  Jsonnet ??= (createRequire(import.meta.url)('@hanazuki/node-jsonnet') as { Jsonnet: JsonnetClass }).Jsonnet;
  return new Jsonnet().setMaxStack(MAX_STACK);
}

/** External variable holding a batch's contexts (batch evaluations). */
export const CONTEXTS_VAR = '__courier_ctxs';
/**
 * The native function of a session: `next(results)` takes the previous batch's
 * results (JSON text; `''` on the first call) and yields the next batch of
 * contexts as JSON text, or null to end the session.
 */
export const NEXT_NATIVE = '__courier_next';

/**
 * The start of the wrapper. The template text follows it on line 1, so the line
 * numbers in Jsonnet's errors are the template's own (only line-1 columns are
 * shifted, by this prefix's length, and corrected in messages).
 *
 * `std` is shadowed so that `std.extVar('ctx')` yields this item's context, every
 * other external variable is undefined and `std.native` is unavailable, and the
 * real `std` is hidden: a template can never read the whole batch or drive a
 * session. The parameter is not called `ctx`, so a non-function template that
 * names a free `ctx` is a static error, as it is in Kratos.
 */
export const TEMPLATE_PREFIX =
  'local __std = std; local __render(__courier_ctx) = (local std = __std + { extVar(name):: ' +
  "if name == 'ctx' then __courier_ctx else error ('Undefined external variable: ' + name), " +
  "native(name):: error 'std.native is not available to templates' }; local __std = null; local __courier_t = (";

const RENDER_ONE = '\n); if std.isFunction(__courier_t) then __courier_t(__courier_ctx) else __courier_t); ';

/** After the template, for one evaluation of a batch: an array with one result per context. */
export const BATCH_SUFFIX = `${RENDER_ONE}[__render(c) for c in __std.extVar('${CONTEXTS_VAR}')]\n`;

/**
 * After the template, for a session: a loop that hands back the last batch's
 * results and asks for the next batch in one call, renders it, and calls again,
 * until `next` yields null. Results travel as JSON text (natives take primitives
 * only; `toString` manifests with libjsonnet's C++ writer, unlike the much slower
 * `manifestJsonMinified`). `tailstrict` renders a batch before the next call and
 * keeps the stack flat however long the session runs.
 */
export const SESSION_SUFFIX =
  `${RENDER_ONE}local __step(out) = local cs = __std.native('${NEXT_NATIVE}')(out); ` +
  'if cs == null then null else __step(__std.toString([__render(c) for c in __std.parseJson(cs)])) tailstrict; ' +
  "__step('')\n";
