/**
 * Finding the source of one template part, by precedence: the per-type URI in
 * `courier.templates` > a file in the override directory > the built-in.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TemplatesConfig } from '../config/schema.js';
import { filePathOf } from '../uri/load-uri.js';
import type { TemplateCatalogEntry } from './catalog.js';
import type { TemplatePartSpec } from './parts.js';

/** Where a part's source comes from. */
export type TemplateSource =
  | { readonly kind: 'config'; readonly uri: string; readonly key: string }
  | { readonly kind: 'override'; readonly path: string }
  | { readonly kind: 'builtin' };

/** The per-type URI configured for a part, with its config key path, if any. */
export function configuredUri(
  templates: TemplatesConfig,
  entry: TemplateCatalogEntry,
  spec: TemplatePartSpec,
): { uri: string; key: string } | undefined {
  const path = [...entry.configKey, ...spec.configPath];
  let node: unknown = templates;
  for (const key of path) {
    node = isRecord(node) ? node[key] : undefined;
  }
  return typeof node === 'string' ? { uri: node, key: `courier.templates.${path.join('.')}` } : undefined;
}

/**
 * The first override file that exists for a part, or undefined. Only "not found" means
 * absent: any other stat failure is reported, since silently falling back to the
 * built-in would hide a broken deployment.
 */
export async function findOverrideFile(
  overrideDir: string,
  entry: TemplateCatalogEntry,
  spec: TemplatePartSpec,
): Promise<string | undefined> {
  for (const name of spec.overrideFiles) {
    const path = join(overrideDir, entry.dir, name);
    try {
      await stat(path);
      return path;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
  }
  return undefined;
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
