/**
 * Resolving one part of a template type, by precedence: the per-type URI in
 * `courier.templates.<kind>.<valid|invalid>...` > a file under
 * `template_override_path/<dir>/` > the built-in template.
 */
import { TemplateError } from '../../errors.js';
import type { TemplateType } from '../../message.js';
import { BUILTIN_TEMPLATES } from '../builtin/index.js';
import { TEMPLATE_CATALOG } from '../catalog.js';
import { TEMPLATE_PARTS, type TemplatePart } from '../parts.js';
import { BUILTIN_NAME, compilePart } from './compile.js';
import { loadConfigured, loadOverride } from './load.js';
import { configuredUri, findOverrideFiles, type OverrideFiles, type TemplateSource } from './sources.js';
import type { CompiledPart, RegistryContext } from './types.js';

/**
 * The part as its sources stand now; `previous` is returned when nothing changed.
 *
 * @throws TemplateError `TEMPLATE_LOAD_FAILED`, `TEMPLATE_URL_DISALLOWED` or `TEMPLATE_COMPILE_FAILED`.
 */
export async function resolvePart(registry: RegistryContext, type: TemplateType, part: TemplatePart, previous: CompiledPart | undefined): Promise<CompiledPart> {
  const entry = TEMPLATE_CATALOG[type];
  const spec = TEMPLATE_PARTS[part];

  const configured = configuredUri(registry.templates, entry, spec);
  if (configured !== undefined) {
    return loadConfigured(registry, type, part, { kind: 'config', ...configured }, previous);
  }

  const { overrideDir } = registry;
  if (overrideDir !== undefined) {
    let found: OverrideFiles | undefined;
    try {
      found = await findOverrideFiles(overrideDir, entry, spec);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new TemplateError('TEMPLATE_LOAD_FAILED', `template ${type} ${part}: cannot look for override files in ${overrideDir}/${entry.dir} (${reason})`, { cause: err });
    }
    if (found !== undefined) return loadOverride(registry, type, part, found, previous);
  }

  if (previous?.source.kind === 'builtin') return previous;
  const source: TemplateSource = { kind: 'builtin' };
  return {
    source,
    identity: 'builtin',
    version: undefined,
    // With an override directory, a file may appear later, so keep checking.
    stable: overrideDir === undefined,
    template: compilePart(type, part, source, [{ name: BUILTIN_NAME, source: BUILTIN_TEMPLATES[type][spec.builtin] }]),
  };
}
