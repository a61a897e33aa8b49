/**
 * Loading a part's source text and compiling it: from a URI configured in
 * `courier.templates`, or from a set of override files. Texts come through the one
 * template-source cache (`uri/cached-source.ts`, its refresh policy); a part is
 * recompiled only when the version of its text changed.
 */
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TemplateError } from '../../errors.js';
import type { TemplateType } from '../../message.js';
import type { LoadedSource } from '../../uri/load-uri.js';
import type { TemplatePart } from '../parts.js';
import { compilePart, partLabel, uriFileName } from './compile.js';
import type { OverrideFiles, TemplateSource } from './sources.js';
import type { CompiledPart, RegistryContext } from './types.js';

/**
 * The part from a configured URI, reusing `previous` when it was compiled from
 * the same text.
 *
 * @throws TemplateError with the loader's code (`TEMPLATE_LOAD_FAILED`, `TEMPLATE_URL_DISALLOWED`) or `TEMPLATE_COMPILE_FAILED`.
 */
export async function loadConfigured(
  registry: RegistryContext,
  type: TemplateType,
  part: TemplatePart,
  source: TemplateSource & { kind: 'config' },
  previous: CompiledPart | undefined,
): Promise<CompiledPart> {
  const { uri } = source;
  let loaded: LoadedSource;
  try {
    loaded = await registry.sourceOf(slotKey(type, part), uri)();
  } catch (err) {
    const reason = err instanceof TemplateError ? err.message : 'unexpected error';
    const code = err instanceof TemplateError ? err.code : 'TEMPLATE_LOAD_FAILED';
    throw new TemplateError(code, `${partLabel(type, part, source)} could not be loaded: ${reason}`, {
      cause: err,
    });
  }
  if (previous !== undefined && previous.identity === uri && previous.version === loaded.version) return previous;
  return {
    source,
    identity: uri,
    version: loaded.version,
    // Only a base64:// text never changes; files and remote templates are looked at again (see cached-source.ts).
    stable: uri.startsWith('base64://'),
    template: compilePart(type, part, source, [{ name: uriFileName(uri, part), source: loaded.text }]),
  };
}

/**
 * The part from an override entry and the files parsed with it; any file changing,
 * appearing or going reloads the set.
 *
 * @throws TemplateError `TEMPLATE_LOAD_FAILED` or `TEMPLATE_COMPILE_FAILED`.
 */
export async function loadOverride(
  registry: RegistryContext,
  type: TemplateType,
  part: TemplatePart,
  found: OverrideFiles,
  previous: CompiledPart | undefined,
): Promise<CompiledPart> {
  const source: TemplateSource = { kind: 'override', path: found.entry };
  const uris = found.files.map((f) => pathToFileURL(f).href);
  const identity = [found.entry, ...found.files].join('\n');
  let loaded: LoadedSource[];
  try {
    loaded = await Promise.all(uris.map((u) => registry.sourceOf(slotKey(type, part), u)()));
  } catch (err) {
    const reason = err instanceof TemplateError ? err.message : 'unexpected error';
    throw new TemplateError('TEMPLATE_LOAD_FAILED', `${partLabel(type, part, source)} could not be loaded: ${reason}`, {
      cause: err,
    });
  }
  const version = loaded.map((l) => l.version).join(',');
  if (previous !== undefined && previous.identity === identity && previous.version === version) return previous;
  const files = found.files.map((path, i) => ({ name: basename(path), path, source: loaded[i]?.text ?? '' }));
  return {
    source,
    identity,
    version,
    stable: false,
    template: compilePart(type, part, source, files, basename(found.entry)),
  };
}

/** The key of a part's slot: `<type>/<part>`. */
export function slotKey(type: TemplateType, part: TemplatePart): string {
  return `${type}/${part}`;
}
