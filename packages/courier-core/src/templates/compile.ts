/**
 * Compiling template sources with an isolated Handlebars environment: no global
 * helpers or partials registered by other code can leak in, only the built-in helpers
 * (`if`, `unless`, `each`, `with`, `lookup`, `log`) exist, and prototype access stays off.
 */
import Handlebars from 'handlebars';
import { findGoAction, rewriteGoFieldReferences } from './go-compat.js';

const hb = Handlebars.create();

const RUNTIME_OPTIONS: Handlebars.RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
};

/** A compiled template: renders a context to text. */
export type CompiledTemplate = (context: Record<string, unknown>) => string;

/** A source that could not be compiled; the message is safe to show (it holds no template data). */
export class CompileFailure extends Error {}

/**
 * Compile a template source (after the Go-compat rewrite).
 *
 * @param escapeHtml - True for HTML bodies; subjects, plaintext and SMS are compiled with `noEscape`.
 * @throws CompileFailure with a reason fit for an operator.
 */
export function compileTemplate(source: string, escapeHtml: boolean): CompiledTemplate {
  const rewritten = rewriteGoFieldReferences(source);
  const action = findGoAction(rewritten);
  if (action !== undefined) {
    throw new CompileFailure(
      `it uses the Go template action "{{${action}}}"; only simple field references like {{ .RecoveryCode }} ` +
        'are translated from Go templates, rewrite control structures in Handlebars (e.g. {{#if Field}}...{{/if}})',
    );
  }
  let template: Handlebars.TemplateDelegate;
  try {
    template = hb.compile(rewritten, { noEscape: !escapeHtml, strict: false, knownHelpersOnly: true });
    // Handlebars compiles lazily on first call; a dry run with no data forces syntax and
    // partial errors out now, so they surface at preload rather than on the first message.
    template({}, RUNTIME_OPTIONS);
  } catch (err) {
    throw new CompileFailure((err as Error).message, { cause: err });
  }
  return (context) => template(context, RUNTIME_OPTIONS);
}

/** True when a render-time error comes from Handlebars itself, whose messages never quote data. */
export function isHandlebarsError(err: unknown): err is Error {
  return err instanceof hb.Exception;
}
