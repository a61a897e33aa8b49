/**
 * The template registry: resolves, compiles, caches and renders the template of a
 * message.
 *
 * Each part (e-mail subject, HTML body, plaintext body, SMS body) of each template
 * type is resolved on its own, by precedence (`resolve.ts`): the per-type URI in
 * `courier.templates.<kind>.<valid|invalid>...` > a file under
 * `template_override_path/<dir>/` > the built-in template.
 *
 * Caching (`cache.ts`): a part is compiled once and kept. Parts that can change
 * (override files, `file://` and `http(s)://` URIs, and the built-in fallback when
 * an override file may appear) are resolved again at most once per
 * `reloadCheckIntervalMs` (default 1 s; 0 checks on every render); their texts come
 * through the one template-source cache (`uri/cached-source.ts`): a file is
 * re-read when its modification time or size changed, a remote template is fetched
 * again after an hour, `base64://` never changes. A changed text recompiles. A
 * reload that fails is reported on that render and retried on the next one: a
 * broken edit is never silently masked by the previous version.
 */
import { resolve } from 'node:path';
import { createCachedSource, type CachedSource } from '../../uri/cached-source.js';
import { createPartCache } from './cache.js';
import { checkAll } from './check.js';
import { preloadAll } from './preload.js';
import { renderMessage } from './render.js';
import type { RegistryContext, TemplateRegistry, TemplateRegistryOptions } from './types.js';

/**
 * Create a template registry.
 *
 * Render errors are `TemplateError`s: `TEMPLATE_LOAD_FAILED`, `TEMPLATE_URL_DISALLOWED`,
 * `TEMPLATE_COMPILE_FAILED`, `TEMPLATE_RENDER_FAILED`, `TEMPLATE_DATA_INVALID` (a field a
 * built-in template needs is missing) or `TEMPLATE_TYPE_UNKNOWN`. Messages name the
 * template type, part and source, never template data values (they hold one-time codes).
 */
export function createTemplateRegistry(options: TemplateRegistryOptions): TemplateRegistry {
  const checkIntervalMs = options.reloadCheckIntervalMs ?? 1_000;
  const sourceOptions = {
    checkIntervalMs,
    timeoutMs: options.httpTimeoutMs ?? 10_000,
    disallowPrivateIpRanges: options.disallowPrivateIpRanges,
    privateIpExceptionUrls: options.privateIpExceptionUrls,
  };
  /** One cached source per part and URI, so each part sees changes as it did when it loaded on its own. */
  const sources = new Map<string, CachedSource>();
  const registry: RegistryContext = {
    templates: options.templates,
    overrideDir: options.overridePath === undefined ? undefined : resolve(options.overridePath),
    checkIntervalMs,
    sourceOf(slot, uri) {
      const key = `${slot}\n${uri}`;
      let source = sources.get(key);
      if (source === undefined) {
        source = createCachedSource(uri, sourceOptions);
        sources.set(key, source);
      }
      return source;
    },
  };
  const parts = createPartCache(registry);
  return {
    render: (type, templateType, data) => renderMessage(parts, type, templateType, data),
    preload: () => preloadAll(parts, registry.overrideDir),
    check: () => checkAll(parts, registry),
  };
}
