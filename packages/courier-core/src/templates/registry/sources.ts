/**
 * Finding the source of one template part, by precedence: the per-type URI in
 * `courier.templates` > a file in the override directory > the built-in.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TemplatesConfig } from '../../config/schema.js';
import { filePathOf } from '../../uri/load-uri.js';
import type { TemplateCatalogEntry } from '../catalog.js';
import { engineOf } from '../compile.js';
import type { TemplatePartSpec } from '../parts.js';

/** Where a part's source comes from. */
export type TemplateSource =
  { readonly kind: 'config'; readonly uri: string; readonly key: string } | { readonly kind: 'override'; readonly path: string } | { readonly kind: 'builtin' };

/** The per-type URI configured for a part, with its config key path, if any. */
export function configuredUri(templates: TemplatesConfig, entry: TemplateCatalogEntry, spec: TemplatePartSpec): { uri: string; key: string } | undefined {
  const path = [...entry.configKey, ...spec.configPath];
  let node: unknown = templates;
  for (const key of path) {
    node = isRecord(node) ? node[key] : undefined;
  }
  return typeof node === 'string' ? { uri: node, key: `courier.templates.${path.join('.')}` } : undefined;
}

/** The override files of one part: the entry file and, for Go, the files parsed with it. */
export interface OverrideFiles {
  /** Path of the file executed. */
  readonly entry: string;
  /** Every file of the template set, in Go's glob order (sorted by name); just the entry for Handlebars. */
  readonly files: readonly string[];
}

/**
 * The override files of a part, or undefined when its directory has no entry file. A Go
 * entry (e.g. `email.body.gotmpl`) comes with every non-`.hbs` file whose name starts with
 * the part's prefix (Kratos's `email.body*` glob). Only "not found" means absent: any
 * other failure is reported, since silently falling back to the built-in would hide a
 * broken deployment.
 */
export async function findOverrideFiles(overrideDir: string, entry: TemplateCatalogEntry, spec: TemplatePartSpec): Promise<OverrideFiles | undefined> {
  const dir = join(overrideDir, entry.dir);
  for (const name of spec.overrideFiles) {
    const path = join(dir, name);
    try {
      await stat(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      continue;
    }
    if (engineOf(name) === 'handlebars') return { entry: path, files: [path] };
    const siblings = await readdir(dir, { withFileTypes: true });
    const files = siblings
      .filter((d) => d.name.startsWith(spec.overridePrefix) && engineOf(d.name) === 'go' && !d.isDirectory())
      .map((d) => d.name)
      .sort(compareBytes)
      .map((n) => join(dir, n));
    return { entry: path, files };
  }
  return undefined;
}

/** Go's string order (UTF-8 bytes), which `fs.Glob` sorts by. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Describe a source for an error message: file paths and http locations are shown,
 * base64 contents, URL credentials and query strings are not.
 */
export function describeSource(source: TemplateSource): string {
  switch (source.kind) {
    case 'builtin':
      return 'built-in template';
    case 'override':
      return `override file ${source.path}`;
    case 'config':
      return `${source.key} (${describeUri(source.uri)})`;
  }
}

function describeUri(uri: string): string {
  if (uri.startsWith('file://')) return `file ${filePathOf(uri)}`;
  if (uri.startsWith('base64://')) return 'base64:// URI';
  try {
    const url = new URL(uri);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'unparseable URI';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
