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

/** Query parameters of Kratos's list that its `Link` header carries over. */
const LINK_FILTERS: ReadonlySet<string> = new Set(['status', 'recipient']);

/**
 * Kratos's `Link` header (ory/x keysetpagination `SetLinkHeader`): always
 * `rel="first"`, and `rel="next"` when there is a next page, each the request's
 * query with `page_token` and `page_size` (the size in effect) set, keys sorted
 * as Go's `url.Values.Encode` sorts them, joined by `,`. The first page's token
 * is empty (Kratos's parser, and ours, read an empty token as "from the start").
 * Unlike Kratos, parameters the list does not read are not repeated.
 */
export function kratosLinkHeader(path: string, requestUrl: string, pageSize: number, nextPageToken: string | undefined): string {
  const q = requestUrl.indexOf('?');
  // Only the filters the list reads are carried over (Kratos copies the whole query): unknown
  // parameters of any length would otherwise make the header, twice over, as long as the URL.
  const filters = new URLSearchParams();
  for (const [k, v] of new URLSearchParams(q === -1 ? '' : requestUrl.slice(q + 1))) {
    if (LINK_FILTERS.has(k)) filters.append(k, v);
  }
  const part = (rel: string, token: string): string => {
    const params = new URLSearchParams(filters);
    params.set('page_token', token);
    params.set('page_size', String(pageSize));
    params.sort();
    return `<${path}?${params.toString()}>; rel="${rel}"`;
  };
  return [part('first', ''), ...(nextPageToken === undefined ? [] : [part('next', nextPageToken)])].join(',');
}
