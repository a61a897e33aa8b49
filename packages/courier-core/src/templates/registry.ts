/**
 * The template registry: resolves, compiles, caches and renders the template of a
 * message.
 *
 * Each part (e-mail subject, HTML body, plaintext body, SMS body) of each template
 * type is resolved on its own, by precedence: the per-type URI in
 * `courier.templates.<kind>.<valid|invalid>...` > a file under
 * `template_override_path/<dir>/` > the built-in template.
 *
 * Caching: a part is compiled once and kept. Parts that can change on disk (override
 * files, `file://` URIs, and the built-in fallback when an override file may appear)
 * are re-checked with one `stat` per candidate file at most once per
 * `reloadCheckIntervalMs` (default 1 s; 0 checks on every render); a new
 * modification time or size recompiles. `base64://` never changes, and `http(s)://`
 * templates are fetched once per process (restart to pick up a changed remote template).
 * A reload that fails is reported on that render and retried on the next one: a
 * broken edit is never silently masked by the previous version.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TemplatesConfig } from '../config/schema.js';
import { TemplateError } from '../errors.js';
import { MESSAGE_TYPES, TEMPLATE_TYPES, type MessageType, type TemplateData, type TemplateType } from '../message.js';
import { currentVersion, loadUri, type LoadedSource } from '../uri/load-uri.js';
import { BUILTIN_TEMPLATES } from './builtin/index.js';
import { TEMPLATE_CATALOG } from './catalog.js';
import {
  CompileFailure,
  compileHandlebars,
  engineOf,
  isHandlebarsError,
  type CompiledTemplate,
  type RenderInput,
} from './compile.js';
import { compileGoTemplate, describeGoExecError, type GoSourceFile } from './go-engine.js';
import { renderContext } from './handlebars-context.js';
import { buildModel } from './models.js';
import { PARTS_BY_MESSAGE_TYPE, TEMPLATE_PARTS, type TemplatePart } from './parts.js';
import { configuredUri, describeSource, findOverrideFiles, type OverrideFiles, type TemplateSource } from './sources.js';

/** The rendered content of a message. */
export interface RenderedContent {
  /** E-mail subject, on one line. Absent for SMS. */
  subject?: string;
  /** Plaintext body: the e-mail's text part, or the SMS text (trimmed). */
  body: string;
  /** E-mail HTML body. Absent for SMS. */
  html_body?: string;
}

/** Renders templated messages. */
export interface TemplateRegistry {
  /** Render a template for an e-mail (subject, plaintext body, html body) or an SMS (plaintext body). */
  render(type: MessageType, templateType: TemplateType, data: TemplateData): Promise<RenderedContent>;
  /**
   * Load and compile every template that config or the override dir names, so bad templates fail at start-up.
   * Throws TemplateError naming the template type, part and source (all failures, when there are several).
   */
  preload(): Promise<void>;
}

/** Options of {@link createTemplateRegistry}. */
export interface TemplateRegistryOptions {
  /** `courier.templates` from the parsed config. */
  templates: TemplatesConfig;
  /** `courier.template_override_path`; relative paths are resolved against the working directory. */
  overridePath?: string | undefined;
  /** Timeout of each `http(s)://` template fetch. Default 10 000 ms. */
  httpTimeoutMs?: number;
  /** Minimum time between two change checks of one file-backed part. Default 1 000 ms; 0 checks on every render. */
  reloadCheckIntervalMs?: number;
  /** `clients.http.disallow_private_ip_ranges`: refuse `http(s)://` templates on non-public addresses. */
  disallowPrivateIpRanges?: boolean | undefined;
  /** `clients.http.private_ip_exception_urls`: template URLs the guard lets through. */
  privateIpExceptionUrls?: readonly string[] | undefined;
}

/** A compiled part and what it was compiled from. */
interface CompiledPart {
  readonly source: TemplateSource;
  /** Identifies the source location, so a switch (e.g. an override file appearing) forces a reload. */
  readonly identity: string;
  readonly version: string | undefined;
  /** True when the source can never change while the process runs: no need to check again. */
  readonly stable: boolean;
  readonly template: CompiledTemplate;
}

interface Slot {
  compiled: CompiledPart | undefined;
  checkedAt: number;
  pending: Promise<CompiledPart> | undefined;
}

const ALL_PARTS = Object.keys(TEMPLATE_PARTS) as TemplatePart[];

/**
 * Create a template registry.
 *
 * Render errors are {@link TemplateError}s: `TEMPLATE_LOAD_FAILED`, `TEMPLATE_COMPILE_FAILED`,
 * `TEMPLATE_RENDER_FAILED`, `TEMPLATE_DATA_INVALID` (a field a built-in template needs is
 * missing) or `TEMPLATE_TYPE_UNKNOWN`. Messages name the template type, part and source,
 * never template data values (they hold one-time codes).
 */
export function createTemplateRegistry(options: TemplateRegistryOptions): TemplateRegistry {
  const templates = options.templates;
  const overrideDir = options.overridePath === undefined ? undefined : resolve(options.overridePath);
  const httpTimeoutMs = options.httpTimeoutMs ?? 10_000;
  const checkInterval = options.reloadCheckIntervalMs ?? 1_000;
  const slots = new Map<string, Slot>();

  function getPart(type: TemplateType, part: TemplatePart): Promise<CompiledPart> {
    const key = `${type}/${part}`;
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = { compiled: undefined, checkedAt: 0, pending: undefined };
      slots.set(key, slot);
    }
    const current = slot.compiled;
    if (current !== undefined && (current.stable || Date.now() - slot.checkedAt < checkInterval)) {
      return Promise.resolve(current);
    }
    // Concurrent renders share one check/load, so a burst of messages does not stat or fetch N times.
    if (slot.pending !== undefined) return slot.pending;
    const s = slot;
    const pending = refresh(type, part, current)
      .then((compiled) => {
        s.compiled = compiled;
        s.checkedAt = Date.now();
        return compiled;
      })
      .finally(() => {
        s.pending = undefined;
      });
    s.pending = pending;
    return pending;
  }

  async function refresh(
    type: TemplateType,
    part: TemplatePart,
    previous: CompiledPart | undefined,
  ): Promise<CompiledPart> {
    const entry = TEMPLATE_CATALOG[type];
    const spec = TEMPLATE_PARTS[part];

    const configured = configuredUri(templates, entry, spec);
    if (configured !== undefined) {
      const source: TemplateSource = { kind: 'config', ...configured };
      return loadAndCompile(type, part, source, configured.uri, previous);
    }

    if (overrideDir !== undefined) {
      let found: OverrideFiles | undefined;
      try {
        found = await findOverrideFiles(overrideDir, entry, spec);
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new TemplateError(
          'TEMPLATE_LOAD_FAILED',
          `template ${type} ${part}: cannot look for override files in ${overrideDir}/${entry.dir} (${reason})`,
          { cause: err },
        );
      }
      if (found !== undefined) return loadOverride(type, part, found, previous);
    }

    if (previous?.source.kind === 'builtin') return previous;
    const source: TemplateSource = { kind: 'builtin' };
    return {
      source,
      identity: 'builtin',
      version: undefined,
      // With an override directory, a file may appear later, so keep checking.
      stable: overrideDir === undefined,
      template: compileOrThrow(type, part, source, [{ name: BUILTIN_NAME, source: BUILTIN_TEMPLATES[type][spec.builtin] }]),
    };
  }

  /** Load an override entry and the files parsed with it; any file changing, appearing or going reloads the set. */
  async function loadOverride(
    type: TemplateType,
    part: TemplatePart,
    found: OverrideFiles,
    previous: CompiledPart | undefined,
  ): Promise<CompiledPart> {
    const source: TemplateSource = { kind: 'override', path: found.entry };
    const uris = found.files.map((f) => pathToFileURL(f).href);
    const identity = [found.entry, ...found.files].join('\n');
    if (previous !== undefined && previous.identity === identity) {
      const version = (await Promise.all(uris.map((u) => currentVersion(u)))).join(',');
      if (version === previous.version) return previous;
    }
    let loaded: LoadedSource[];
    try {
      loaded = await Promise.all(uris.map((u) => loadUri(u, httpTimeoutMs)));
    } catch (err) {
      const reason = err instanceof TemplateError ? err.message : 'unexpected error';
      throw new TemplateError('TEMPLATE_LOAD_FAILED', `${label(type, part, source)} could not be loaded: ${reason}`, {
        cause: err,
      });
    }
    const files = found.files.map((path, i) => ({ name: basename(path), path, source: loaded[i]?.text ?? '' }));
    return {
      source,
      identity,
      version: loaded.map((l) => l.version).join(','),
      stable: false,
      template: compileOrThrow(type, part, source, files, basename(found.entry)),
    };
  }

  async function loadAndCompile(
    type: TemplateType,
    part: TemplatePart,
    source: TemplateSource,
    uri: string,
    previous: CompiledPart | undefined,
  ): Promise<CompiledPart> {
    if (previous !== undefined && previous.identity === uri) {
      const version = await currentVersion(uri);
      // undefined: an http(s) template, which is fetched once per process.
      if (version === undefined || version === previous.version) return previous;
    }
    let loaded: LoadedSource;
    try {
      loaded = await loadUri(uri, httpTimeoutMs, {
        disallowPrivateIpRanges: options.disallowPrivateIpRanges,
        privateIpExceptionUrls: options.privateIpExceptionUrls,
      });
    } catch (err) {
      const reason = err instanceof TemplateError ? err.message : 'unexpected error';
      const code = err instanceof TemplateError ? err.code : 'TEMPLATE_LOAD_FAILED';
      throw new TemplateError(code, `${label(type, part, source)} could not be loaded: ${reason}`, {
        cause: err,
      });
    }
    const stable = !uri.startsWith('file://');
    return {
      source,
      identity: uri,
      version: loaded.version,
      stable,
      template: compileOrThrow(type, part, source, [{ name: uriFileName(uri, part), source: loaded.text }]),
    };
  }

  function compileOrThrow(
    type: TemplateType,
    part: TemplatePart,
    source: TemplateSource,
    files: readonly GoSourceFile[],
    entry?: string,
  ): CompiledTemplate {
    const spec = TEMPLATE_PARTS[part];
    const main = entry ?? files[0]?.name ?? '';
    try {
      if (engineOf(main) === 'handlebars') return compileHandlebars(files[0]?.source ?? '', spec.escapeHtml);
      return compileGoTemplate(files, main, spec.escapeHtml);
    } catch (err) {
      const reason = err instanceof CompileFailure ? err.message : 'unexpected error';
      throw new TemplateError('TEMPLATE_COMPILE_FAILED', `${label(type, part, source)} failed to compile: ${reason}`, {
        cause: err,
      });
    }
  }

  function renderPart(
    type: TemplateType,
    part: TemplatePart,
    compiled: CompiledPart,
    input: RenderInput,
  ): string {
    try {
      return compiled.template(input);
    } catch (err) {
      // Only Handlebars' own messages and Go's data-free ones are known not to quote template data.
      const reason = isHandlebarsError(err) ? err.message : (describeGoExecError(err) ?? (err as Error).name);
      throw new TemplateError(
        'TEMPLATE_RENDER_FAILED',
        `${label(type, part, compiled.source)} failed to render: ${reason}`,
        { cause: err },
      );
    }
  }

  async function render(type: MessageType, templateType: TemplateType, data: TemplateData): Promise<RenderedContent> {
    if (!Object.hasOwn(TEMPLATE_CATALOG, templateType)) {
      throw new TemplateError(
        'TEMPLATE_TYPE_UNKNOWN',
        `unknown template type "${String(templateType)}"; expected one of ${TEMPLATE_TYPES.join(', ')}`,
      );
    }
    if (!(MESSAGE_TYPES as readonly string[]).includes(type)) {
      throw new TemplateError('TEMPLATE_TYPE_UNKNOWN', `unknown message type "${String(type)}"; expected email or sms`);
    }
    const parts = PARTS_BY_MESSAGE_TYPE[type];
    const compiled = await Promise.all(parts.map((part) => getPart(templateType, part)));
    const builtinParts = parts.filter((_, i) => compiled[i]?.source.kind === 'builtin');
    if (builtinParts.length > 0) checkRequiredFields(templateType, builtinParts, data);

    const input: RenderInput = { handlebars: renderContext(data), go: buildModel(templateType, type, data) };
    const out = new Map<TemplatePart, string>();
    parts.forEach((part, i) => {
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

  async function preload(): Promise<void> {
    if (overrideDir !== undefined) {
      const st = await stat(overrideDir).catch(() => undefined);
      if (st === undefined || !st.isDirectory()) {
        throw new TemplateError(
          'TEMPLATE_LOAD_FAILED',
          `template_override_path ${overrideDir} ${st === undefined ? 'does not exist' : 'is not a directory'}`,
        );
      }
    }
    const jobs = TEMPLATE_TYPES.flatMap((type) => ALL_PARTS.map((part) => getPart(type, part)));
    const results = await Promise.allSettled(jobs);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [toTemplateError(r.reason)] : []));
    const [first] = failures;
    if (first === undefined) return;
    if (failures.length === 1) throw first;
    throw new TemplateError(
      first.code,
      `${failures.length} templates failed to load:\n${failures.map((f) => `  - ${f.message}`).join('\n')}`,
      { cause: new AggregateError(failures) },
    );
  }

  return { render, preload };
}

/** Name the built-in (Go) sources compile under. */
const BUILTIN_NAME = 'builtin.gotmpl';

/**
 * The name a configured URI's source compiles under: the last segment of its path
 * (`.hbs` selects Handlebars), or for `base64://` Kratos's file name of the part (Go).
 */
function uriFileName(uri: string, part: TemplatePart): string {
  const fallback = TEMPLATE_PARTS[part].overrideFiles[0] ?? part;
  if (uri.startsWith('base64://')) return fallback;
  try {
    const name = basename(decodeURIComponent(new URL(uri).pathname));
    return name === '' ? fallback : name;
  } catch {
    return fallback;
  }
}

function label(type: TemplateType, part: TemplatePart, source: TemplateSource): string {
  return `template ${type} ${part} from ${describeSource(source)}`;
}

/** Names the fields a built-in template needs, so a producer bug shows up as a clear error, not an empty code. */
function checkRequiredFields(type: TemplateType, builtinParts: readonly TemplatePart[], data: TemplateData): void {
  for (const field of TEMPLATE_CATALOG[type].requiredFields) {
    const value = data[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new TemplateError(
        'TEMPLATE_DATA_INVALID',
        `template ${type} needs template_data.${field}, which is missing or empty ` +
          `(required by the built-in ${builtinParts.join(', ')} template)`,
      );
    }
  }
}

function toTemplateError(err: unknown): TemplateError {
  if (err instanceof TemplateError) return err;
  return new TemplateError('TEMPLATE_LOAD_FAILED', `unexpected error while loading templates: ${(err as Error).name}`, {
    cause: err,
  });
}
