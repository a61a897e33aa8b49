/**
 * Compiling one part of a template type from its files, with errors that name the
 * type, the part and where the source came from (never template data).
 */
import { basename } from 'node:path';
import { TemplateError } from '../../errors.js';
import type { TemplateType } from '../../message.js';
import { CompileFailure, compileHandlebars, engineOf, type CompiledTemplate } from '../compile.js';
import { compileGoTemplate, type GoSourceFile } from '../go-engine.js';
import { TEMPLATE_PARTS, type TemplatePart } from '../parts.js';
import { describeSource, type TemplateSource } from './sources.js';

/** Name the built-in (Go) sources compile under. */
export const BUILTIN_NAME = 'builtin.gotmpl';

/**
 * Compile a part: Handlebars when the entry's name ends in `.hbs`, else Go (with
 * every file of the set parsed together).
 *
 * @param entry - The file executed (default: the first file).
 * @throws TemplateError `TEMPLATE_COMPILE_FAILED`
 */
export function compilePart(type: TemplateType, part: TemplatePart, source: TemplateSource, files: readonly GoSourceFile[], entry?: string): CompiledTemplate {
  const spec = TEMPLATE_PARTS[part];
  const main = entry ?? files[0]?.name ?? '';
  try {
    if (engineOf(main) === 'handlebars') return compileHandlebars(files[0]?.source ?? '', spec.escapeHtml);
    return compileGoTemplate(files, main, spec.escapeHtml);
  } catch (err) {
    const reason = err instanceof CompileFailure ? err.message : 'unexpected error';
    throw new TemplateError('TEMPLATE_COMPILE_FAILED', `${partLabel(type, part, source)} failed to compile: ${reason}`, {
      cause: err,
    });
  }
}

/**
 * The name a configured URI's source compiles under: the last segment of its path
 * (`.hbs` selects Handlebars), or for `base64://` Kratos's file name of the part (Go).
 */
export function uriFileName(uri: string, part: TemplatePart): string {
  const fallback = TEMPLATE_PARTS[part].overrideFiles[0] ?? part;
  if (uri.startsWith('base64://')) return fallback;
  try {
    const name = basename(decodeURIComponent(new URL(uri).pathname));
    return name === '' ? fallback : name;
  } catch {
    return fallback;
  }
}

/** How errors name a part: `template <type> <part> from <source>`. */
export function partLabel(type: TemplateType, part: TemplatePart, source: TemplateSource): string {
  return `template ${type} ${part} from ${describeSource(source)}`;
}
