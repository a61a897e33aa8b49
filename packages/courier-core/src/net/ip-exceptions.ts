/**
 * Kratos's `clients.http.private_ip_exception_urls`: URLs that may be called
 * although `disallow_private_ip_ranges` is on. As in Ory's HTTP client, each
 * entry is a glob matched against the request URL without its query and
 * fragment, with `.` and `/` as separators: `*` and `?` stay within a host label
 * or path segment, `**` crosses them, `{a,b}` and `[...]` as usual.
 */
import type { OutboundHttpOptions } from './http-client.js';

/** A glob of Ory's form as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      out += escape(glob[++i]!);
    } else if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else {
        out += '[^./]*';
      }
    } else if (c === '?') {
      out += '[^./]';
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end === -1) {
        out += escape(c);
      } else {
        out += `(?:${glob
          .slice(i + 1, end)
          .split(',')
          .map(escapeAll)
          .join('|')})`;
        i = end;
      }
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) {
        out += escape(c);
      } else {
        const body = glob.slice(i + 1, end);
        out += body.startsWith('!') ? `[^${body.slice(1).replace(/[\\\]^]/g, '\\$&')}]` : `[${body.replace(/[\\\]^]/g, '\\$&')}]`;
        i = end;
      }
    } else {
      out += escape(c);
    }
  }
  return new RegExp(`^${out}$`);
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeAll(s: string): string {
  return Array.from(s, escape).join('');
}

/** The URL as the exceptions are matched against it: without query and fragment. */
function matchable(url: URL): string {
  const u = new URL(url.href);
  u.search = '';
  u.hash = '';
  return u.href;
}

/**
 * The options to use for requests to `url`: the guard is off for a URL that
 * matches one of `options.privateIpExceptionUrls`, as in Kratos.
 */
export function outboundOptionsFor(options: OutboundHttpOptions, url: URL): OutboundHttpOptions {
  const exceptions = options.privateIpExceptionUrls ?? [];
  if (options.disallowPrivateIpRanges !== true || exceptions.length === 0) return options;
  const target = matchable(url);
  return exceptions.some((glob) => globToRegExp(glob).test(target)) ? { ...options, disallowPrivateIpRanges: false } : options;
}
