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
  /** Where in the source the compiler stopped, when it says (line and column from 1). */
  readonly location: SourceLocation | undefined;

  constructor(message: string, options?: { cause?: unknown; location?: SourceLocation | undefined }) {
    super('TEMPLATE_COMPILE_FAILED', message, options);
    this.location = options?.location;
  }
}

/** A position in a template source; `file` is set when the compiler names one of several files. */
export interface SourceLocation {
  readonly file?: string | undefined;
  readonly line: number;
  readonly column: number;
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
    const location = handlebarsLocation(err);
    const where = location === undefined ? '' : ` (line ${location.line}, column ${location.column})`;
    throw new CompileFailure(`${(err as Error).message}${where}`, { cause: err, location });
  }
  return (input) => template(input.handlebars, RUNTIME_OPTIONS);
}

/**
 * Where a Handlebars compile error points: a compiler exception carries its node's line and
 * (0-based) column; a parse error only says its line in the message, and the lexer, which
 * has just stopped (compiling is synchronous), still holds the token's position.
 */
function handlebarsLocation(err: unknown): SourceLocation | undefined {
  if (err instanceof hb.Exception) {
    const e = err as Error & { lineNumber?: unknown; column?: unknown };
    if (typeof e.lineNumber === 'number' && typeof e.column === 'number') return { line: e.lineNumber, column: e.column + 1 };
  }
  const line = /^Parse error on line (\d+):/.exec(err instanceof Error ? err.message : '')?.[1];
  if (line === undefined) return undefined;
  const loc = (hb as unknown as { Parser?: { lexer?: { yylloc?: { first_line?: unknown; first_column?: unknown } } } }).Parser?.lexer?.yylloc;
  const column = loc?.first_line === Number(line) && typeof loc.first_column === 'number' ? loc.first_column + 1 : 1;
  return { line: Number(line), column };
}

/** True when a render-time error comes from Handlebars itself, whose messages never quote data. */
export function isHandlebarsError(err: unknown): err is Error {
  return err instanceof hb.Exception;
}
