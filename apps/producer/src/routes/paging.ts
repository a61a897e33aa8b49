/**
 * `Link: <...>; rel="next"` headers for paged lists (RFC 8288), keeping the
 * caller's filters and replacing the page token.
 */

/** Build the Link header value for the next page. */
export function nextLink(path: string, query: unknown, nextPageToken: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (k !== 'page_token' && typeof v === 'string') params.set(k, v);
  }
  params.set('page_token', nextPageToken);
  return `<${path}?${params.toString()}>; rel="next"`;
}
