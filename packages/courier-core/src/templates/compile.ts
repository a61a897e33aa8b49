/**
 * Compiling template sources. The engine follows the source's name: a name ending in
 * `.hbs` is Handlebars; every other source (`.gotmpl`, no extension, `base64://`) is a
 * Go template, as in Kratos.
 *
 * Handlebars runs in an isolated environment: no global helpers or partials registered
 * by other code can leak in, only the built-in helpers (`if`, `unless`, `each`, `with`,
 * `lookup`, `log`) exist, and prototype access stays off.
 */
import Handlebars from 'handlebars';
import { TemplateError } from '../errors.js';

const hb = Handlebars.create();

const RUNTIME_OPTIONS: Handlebars.RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
};

/** The template engines Courier runs. */
export type TemplateEngine = 'go' | 'handlebars';

/** What a compiled template renders: the Handlebars context or the Go model, per engine. */
export interface RenderInput {
  /** Snake_case template data plus Kratos's Go names, for Handlebars templates. */
  readonly handlebars: Record<string, unknown>;
  /** Kratos's model of the template type, for Go templates. */
  readonly go: unknown;
}

/** A compiled template: renders its input to text. */
export type CompiledTemplate = (input: RenderInput) => string;

/**
 * A source that could not be compiled; the message is safe to show (it holds no
 * template data). The registry wraps it in a `TemplateError` naming the part and source.
 */
export class CompileFailure extends TemplateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TEMPLATE_COMPILE_FAILED', message, options);
  }
}

/** The engine of a source, from its file name or URI path: `.hbs` is Handlebars, anything else Go. */
export function engineOf(name: string): TemplateEngine {
  return name.toLowerCase().endsWith('.hbs') ? 'handlebars' : 'go';
}

/**
 * Compile a Handlebars source.
 *
 * @param escapeHtml - True for HTML bodies; subjects, plaintext and SMS are compiled with `noEscape`.
 * @throws CompileFailure with a reason fit for an operator.
 */
export function compileHandlebars(source: string, escapeHtml: boolean): CompiledTemplate {
  let template: Handlebars.TemplateDelegate;
  try {
    template = hb.compile(source, { noEscape: !escapeHtml, strict: false, knownHelpersOnly: true });
    // Handlebars compiles lazily on first call; a dry run with no data forces syntax and
    // partial errors out now, so they surface at preload rather than on the first message.
    template({}, RUNTIME_OPTIONS);
  } catch (err) {
    throw new CompileFailure((err as Error).message, { cause: err });
  }
  return (input) => template(input.handlebars, RUNTIME_OPTIONS);
}

/** True when a render-time error comes from Handlebars itself, whose messages never quote data. */
export function isHandlebarsError(err: unknown): err is Error {
  return err instanceof hb.Exception;
}
