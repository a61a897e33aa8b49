/**
 * What goes wrong in a Jsonnet evaluation, and how it is reported: whose fault an
 * error is (template, one context, or a render), libjsonnet's message translated
 * back to the template's own positions, and the `TemplateError`s callers see, with
 * the context's strings redacted (a template's `error` may quote them).
 */
import { CourierError, TemplateError } from '../../errors.js';
import { redactSecrets } from '../../redaction/secrets.js';
import { CONTEXTS_VAR, TEMPLATE_PREFIX } from '../vm.js';

/** Context strings shorter than this are too common to be worth redacting from error text. */
const MIN_REDACTED_LENGTH = 4;

/** An evaluation did not finish in time (libjsonnet keeps computing in the background). */
export class EvaluationTimeout extends CourierError {
  constructor() {
    super('EVALUATION_TIMEOUT', 'Jsonnet evaluation timed out');
  }
}

/** `promise`, or an {@link EvaluationTimeout} rejection after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EvaluationTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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

/** `TEMPLATE_COMPILE_FAILED`: the template does not compile (the same for every context). */
export function compileError(filename: string, message: string, text: string, cause: unknown, columnShift = TEMPLATE_PREFIX.length): TemplateError {
  return new TemplateError('TEMPLATE_COMPILE_FAILED', `Jsonnet template ${filename} does not compile: ${describeJsonnetError(message, filename, text, columnShift)}`, { cause });
}

/** `TEMPLATE_RENDER_TIMEOUT`: an evaluation took longer than `timeoutMs`. */
export function timeoutError(filename: string, timeoutMs: number): TemplateError {
  return new TemplateError('TEMPLATE_RENDER_TIMEOUT', `Jsonnet template ${filename} took longer than ${timeoutMs} ms to render`);
}

/** `TEMPLATE_RENDER_FAILED` for a context Jsonnet cannot parse (a static error in the context, not the template). */
export function contextError(filename: string, message: string): TemplateError {
  const reason = (message.split('\n')[0] ?? '').replace(/^STATIC ERROR: <extvar:[^>]*>:[\d:-]*:?\s*/, '');
  return new TemplateError('TEMPLATE_RENDER_FAILED', `this message's data cannot be handed to Jsonnet template ${filename}: ${reason}`);
}

/** `TEMPLATE_RENDER_FAILED` for a template failing for one context; none of the context's strings is repeated. */
export function renderError(filename: string, message: string, templateText: string, ctx: unknown): TemplateError {
  const detail = redactSecrets(describeJsonnetError(message, filename, templateText), collectStrings(ctx));
  return new TemplateError('TEMPLATE_RENDER_FAILED', `Jsonnet template ${filename} failed: ${detail}`);
}

/** Every string value in a context, so that none can leak through a template's `error` message. */
export function collectStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.length >= MIN_REDACTED_LENGTH) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) collectStrings(v, out);
  }
  return out;
}
