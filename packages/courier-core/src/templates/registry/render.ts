/**
 * Rendering a message's parts: the engines' input (the Handlebars context and Kratos's
 * Go model), the fields a built-in template needs, and the content assembled from
 * the parts of the message's type.
 */
import { TemplateError } from '../../errors.js';
import { MESSAGE_TYPES, TEMPLATE_TYPES, type MessageType, type TemplateData, type TemplateType } from '../../message.js';
import { TEMPLATE_CATALOG } from '../catalog.js';
import { isHandlebarsError, type RenderInput } from '../compile.js';
import { describeGoExecError } from '../go-engine.js';
import { renderContext } from '../handlebars-context.js';
import { buildModel } from '../models.js';
import { PARTS_BY_MESSAGE_TYPE, type TemplatePart } from '../parts.js';
import type { PartCache } from './cache.js';
import { partLabel } from './compile.js';
import type { CompiledPart, RenderedContent } from './types.js';

/**
 * Render a message of `type` from the template `templateType`.
 *
 * @throws TemplateError `TEMPLATE_TYPE_UNKNOWN`, `TEMPLATE_DATA_INVALID`, `TEMPLATE_RENDER_FAILED`, or a part's load/compile error.
 */
export async function renderMessage(parts: PartCache, type: MessageType, templateType: TemplateType, data: TemplateData): Promise<RenderedContent> {
  if (!Object.hasOwn(TEMPLATE_CATALOG, templateType)) {
    throw new TemplateError('TEMPLATE_TYPE_UNKNOWN', `unknown template type "${templateType}"; expected one of ${TEMPLATE_TYPES.join(', ')}`);
  }
  if (!(MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw new TemplateError('TEMPLATE_TYPE_UNKNOWN', `unknown message type "${type}"; expected email or sms`);
  }
  const names = PARTS_BY_MESSAGE_TYPE[type];
  const compiled = await Promise.all(names.map((part) => parts(templateType, part)));
  const builtinParts = names.filter((_, i) => compiled[i]?.source.kind === 'builtin');
  if (builtinParts.length > 0) checkRequiredFields(templateType, builtinParts, data);

  const input: RenderInput = { handlebars: renderContext(data), go: buildModel(templateType, type, data) };
  const out = new Map<TemplatePart, string>();
  names.forEach((part, i) => {
    const c = compiled[i];
    if (c !== undefined) out.set(part, renderPart(templateType, part, c, input));
  });

  if (type === 'sms') return { body: (out.get('sms.body.plaintext') ?? '').trim() };
  return {
    // A subject is a single header line: template newlines would fold or break it.
    subject: (out.get('email.subject') ?? '').replace(/\s*[\r\n]+\s*/g, ' ').trim(),
    body: out.get('email.body.plaintext') ?? '',
    html_body: out.get('email.body.html') ?? '',
  };
}

function renderPart(type: TemplateType, part: TemplatePart, compiled: CompiledPart, input: RenderInput): string {
  try {
    return compiled.template(input);
  } catch (err) {
    // Only Handlebars' own messages and Go's data-free ones are known not to quote template data.
    const reason = isHandlebarsError(err) ? err.message : (describeGoExecError(err) ?? (err as Error).name);
    throw new TemplateError('TEMPLATE_RENDER_FAILED', `${partLabel(type, part, compiled.source)} failed to render: ${reason}`, { cause: err });
  }
}

/** Names the fields a built-in template needs, so a producer bug shows up as a clear error, not an empty code. */
function checkRequiredFields(type: TemplateType, builtinParts: readonly TemplatePart[], data: TemplateData): void {
  for (const field of TEMPLATE_CATALOG[type].requiredFields) {
    const value = data[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new TemplateError(
        'TEMPLATE_DATA_INVALID',
        `template ${type} needs template_data.${field}, which is missing or empty ` + `(required by the built-in ${builtinParts.join(', ')} template)`,
      );
    }
  }
}
