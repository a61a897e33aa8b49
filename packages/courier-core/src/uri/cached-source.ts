/**
 * The one refresh policy for template sources, used by the template registry
 * (`templates/registry/`) and the HTTP strategy's Jsonnet body (`delivery/http/`):
 *
 * - `file://`: looked at (one `stat`) at most once per check interval (default 1 s;
 *   0 looks on every call); a new modification time or size reloads it.
 * - `base64://`: never changes.
 * - `http(s)://`: reused for an hour after it was fetched, then fetched again (Kratos
 *   caches remote templates for an hour too). An ETag, or else a hash of the text,
 *   tells whether it changed.
 *
 * Concurrent calls share one check or load. A reload that fails rejects that call
 * and is retried on the next one: a broken edit is never masked by the previous text.
 */
import type { OutboundHttpOptions } from '../net/http-client.js';
import { currentVersion, loadUri, type LoadedSource } from './load-uri.js';

/** Default shortest time between two looks at a `file://` source. */
const SOURCE_CHECK_INTERVAL_MS = 1_000;
/** How long an `http(s)://` source is reused before it is fetched again. */
export const REMOTE_SOURCE_TTL_MS = 60 * 60_000;
/** Default timeout of one `http(s)://` fetch. */
const REMOTE_SOURCE_TIMEOUT_MS = 10_000;

/** Options of {@link createCachedSource}. */
export interface CachedSourceOptions extends OutboundHttpOptions {
  /** Shortest time between two looks at the source (default {@link SOURCE_CHECK_INTERVAL_MS}; 0: every call). */
  readonly checkIntervalMs?: number | undefined;
  /** Timeout of each `http(s)://` fetch (default {@link REMOTE_SOURCE_TIMEOUT_MS}). */
  readonly timeoutMs?: number | undefined;
}

/** The current text of one source; its `version` changes when the text does. */
export type CachedSource = () => Promise<LoadedSource>;

/**
 * A loader for one template URI under the policy above.
 *
 * @throws (from the returned function) what `loadUri` throws: `TEMPLATE_LOAD_FAILED`, `TEMPLATE_URL_DISALLOWED`.
 */
export function createCachedSource(uri: string, options: CachedSourceOptions = {}): CachedSource {
  const checkIntervalMs = options.checkIntervalMs ?? SOURCE_CHECK_INTERVAL_MS;
  const timeoutMs = options.timeoutMs ?? REMOTE_SOURCE_TIMEOUT_MS;
  const outbound: OutboundHttpOptions = {
    disallowPrivateIpRanges: options.disallowPrivateIpRanges,
    privateIpExceptionUrls: options.privateIpExceptionUrls,
  };
  let cached: LoadedSource | undefined;
  let loadedAt = 0;
  let checkedAt = 0;
  let pending: Promise<LoadedSource> | undefined;

  async function refresh(): Promise<LoadedSource> {
    if (cached !== undefined) {
      const version = await currentVersion(uri);
      // undefined: a remote source, whose version is only known by fetching it.
      const unchanged = version === undefined ? Date.now() - loadedAt < REMOTE_SOURCE_TTL_MS : version === cached.version;
      if (unchanged) {
        checkedAt = Date.now();
        return cached;
      }
    }
    const fresh = await loadUri(uri, timeoutMs, outbound);
    cached = fresh;
    loadedAt = checkedAt = Date.now();
    return fresh;
  }

  return () => {
    if (cached !== undefined && Date.now() - checkedAt < checkIntervalMs) return Promise.resolve(cached);
    pending ??= refresh().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
