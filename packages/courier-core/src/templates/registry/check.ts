/**
 * `courier templates check`: the start-up preload pass (`preload.ts`), reported
 * part by part instead of thrown: where each part comes from and, for each one
 * that fails to load or compile, the file (or config key / URL) and, when the
 * compiler says, the line and column.
 */
import { TemplateError } from '../../errors.js';
import type { TemplateType } from '../../message.js';
import { filePathOf } from '../../uri/load-uri.js';
import { TEMPLATE_CATALOG } from '../catalog.js';
import { CompileFailure } from '../compile.js';
import { TEMPLATE_PARTS, type TemplatePart } from '../parts.js';
import type { PartCache } from './cache.js';
import { overrideDirProblem, preloadEach } from './preload.js';
import { configuredUri, describeSource, findOverrideFiles, type TemplateSource } from './sources.js';
import type { RegistryContext, TemplateCheckReport, TemplateProblem, TemplateSourceSummary } from './types.js';

/** Check every part of every template type, as the worker does at start-up. */
export async function checkAll(parts: PartCache, registry: RegistryContext): Promise<TemplateCheckReport> {
  const dirProblem = await overrideDirProblem(registry.overrideDir);
  if (dirProblem !== undefined) {
    return { parts: [], problems: [{ code: dirProblem.code, file: registry.overrideDir, message: dirProblem.message }] };
  }
  const outcomes = await preloadEach(parts);
  const summaries: TemplateSourceSummary[] = [];
  const problems: TemplateProblem[] = [];
  for (const o of outcomes) {
    const source = 'compiled' in o ? o.compiled.source : await sourceOf(registry, o.type, o.part);
    summaries.push({ template_type: o.type, part: o.part, source: source.kind, where: where(source) });
    if ('error' in o) problems.push(problemOf(o.type, o.part, source, o.error));
  }
  return { parts: summaries, problems };
}

/** The source a failed part was loaded from, by the registry's precedence. */
async function sourceOf(registry: RegistryContext, type: TemplateType, part: TemplatePart): Promise<TemplateSource> {
  const entry = TEMPLATE_CATALOG[type];
  const spec = TEMPLATE_PARTS[part];
  const configured = configuredUri(registry.templates, entry, spec);
  if (configured !== undefined) return { kind: 'config', ...configured };
  if (registry.overrideDir !== undefined) {
    const found = await findOverrideFiles(registry.overrideDir, entry, spec).catch(() => undefined);
    if (found !== undefined) return { kind: 'override', path: found.entry };
  }
  return { kind: 'builtin' };
}

/** A file path for file sources; the config key and URI description otherwise. */
function where(source: TemplateSource): string {
  if (source.kind === 'override') return source.path;
  if (source.kind === 'config' && source.uri.startsWith('file://')) return filePathOf(source.uri);
  return describeSource(source);
}

function problemOf(type: TemplateType, part: TemplatePart, source: TemplateSource, error: TemplateError): TemplateProblem {
  const location = compileLocation(error);
  // A Go error names the file of the set it is in (a layout file, say); Handlebars only the line.
  const file = location?.file !== undefined && (source.kind === 'override' || location.file.startsWith('/')) ? location.file : where(source);
  return {
    template_type: type,
    part,
    code: error.code,
    file,
    ...(location === undefined ? {} : { line: location.line, column: location.column }),
    message: error.message,
  };
}

function compileLocation(error: unknown): CompileFailure['location'] {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof CompileFailure) return e.location;
  }
  return undefined;
}
