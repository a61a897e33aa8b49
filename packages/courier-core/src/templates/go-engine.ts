/**
 * Compiling Go template sources (Kratos's engine) with `@courier/go-template`:
 * text/template for subjects, plaintext bodies and SMS, html/template for HTML
 * bodies, sprig's hermetic function map registered as Kratos does.
 */
import { parseFiles, TemplateExecError, TemplateParseError } from '@courier/go-template';
import { CompileFailure, type CompiledTemplate } from './compile.js';

/** One source file of a Go template set. */
export interface GoSourceFile {
  /** Base name, e.g. `email.body.gotmpl`: the name `{{template}}` and error messages use. */
  readonly name: string;
  readonly source: string;
  /** Where the file is, for error messages (defaults to the name). */
  readonly path?: string;
}

/**
 * Parse files into one Go template set (Kratos's `New(entry).Funcs(sprig).ParseFS(...)`): each
 * file is a template named by its base name, `define`s are shared (a later file's define
 * replaces an earlier one, as in Go), and the template named `entry` is executed.
 *
 * @param files - In Go's glob order (sorted by name).
 * @param entry - The file executed, e.g. `email.body.gotmpl`; must be one of `files`.
 * @param html - True: html/template (contextual escaping); false: text/template.
 * @throws CompileFailure naming file, line and column, for parse errors (an unknown function
 *   is one) and, for HTML, escaping errors that Go only reports on first execution.
 */
export function compileGoTemplate(files: readonly GoSourceFile[], entry: string, html: boolean): CompiledTemplate {
  let set: ReturnType<typeof parseFiles>;
  try {
    set = parseFiles(
      files.map((f) => ({ name: f.name, source: f.source })),
      { html },
    );
  } catch (err) {
    if (err instanceof TemplateParseError) {
      const path = files.find((f) => f.name === err.file)?.path ?? err.file;
      throw new CompileFailure(`${err.message} (file ${path}, line ${err.line}, column ${err.column})`, {
        cause: err,
        location: { file: path, line: err.line, column: err.column },
      });
    }
    throw new CompileFailure(`Go template: ${(err as Error).message}`, { cause: err });
  }
  if (html) {
    // html/template escapes the whole set on first execution; escaping errors depend on the
    // source only, so a dry run surfaces them now. Data errors of the dry run are ignored.
    try {
      set.executeTemplate(entry, {});
    } catch (err) {
      if (err instanceof TemplateExecError && err.message.startsWith('html/template')) {
        throw new CompileFailure(err.message, { cause: err });
      }
    }
  }
  return (input) => set.executeTemplate(entry, input.go);
}

/** Go's exec messages whose reason names template nodes and Go types only, never data values. */
const SAFE_REASON =
  /^(can't evaluate field \S+ in type \S+|nil pointer evaluating \S+|map has no entry for key "[^"]*"|wrong number of args for \S+: want (at least )?\d+ got \d+|\S+ is not a method but has arguments|exceeded maximum template depth \(\d+\))$/;

/**
 * An exec error's message with data left out: the position and node (template source)
 * are kept; the reason only when it is one of Go's messages that cannot quote data.
 */
export function describeGoExecError(err: unknown): string | undefined {
  if (!(err instanceof TemplateExecError)) return undefined;
  const m = /^(template: .*?executing "[^"]*" at <.*?>): (.*)$/s.exec(err.message);
  if (m === null) return err.message.startsWith('html/template') ? err.message : 'Go template execution failed';
  const [, where = '', reason = ''] = m;
  return SAFE_REASON.test(reason) ? `${where}: ${reason}` : `${where}: (reason withheld: it may quote template data)`;
}
