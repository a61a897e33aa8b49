/**
 * sprig's `urlParse` / `urlJoin` (url.go) on a port of Go 1.19's net/url parsing and `URL.String()`.
 * Strings are handled as UTF-8 bytes (one char per byte), as Go does.
 * @module
 */
import { sprintf } from '../../printf.js';
import { GoTyped } from '../../value.js';
import { FuncError, gf, type FuncMap } from '../types.js';

const PATH = 1;
const PATH_SEGMENT = 2;
const HOST = 3;
const ZONE = 4;
const USER_PASSWORD = 5;
const QUERY_COMPONENT = 6;
const FRAGMENT = 7;

/** UTF-8 bytes as a binary string. */
const bin = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
/** A binary string back to text. */
const txt = (b: string) => Buffer.from(b, 'latin1').toString('utf8');
const quote = (b: string) => sprintf('%q', [txt(b)]);

class UrlErr extends Error {}

const ishex = (c: string) => /^[0-9a-fA-F]$/.test(c);
const unhex = (c: string) => parseInt(c, 16);

function shouldEscape(c: string, mode: number): boolean {
  if (/^[a-zA-Z0-9]$/.test(c)) return false;
  if ((mode === HOST || mode === ZONE) && '!$&\'()*+,;=:[]<>"'.includes(c)) return false;
  if ('-_.~'.includes(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) {
    switch (mode) {
      case PATH:
        return c === '?';
      case PATH_SEGMENT:
        return c === '/' || c === ';' || c === ',' || c === '?';
      case USER_PASSWORD:
        return c === '@' || c === '/' || c === '?' || c === ':';
      case QUERY_COMPONENT:
        return true;
      case FRAGMENT:
        return false;
    }
  }
  if (mode === FRAGMENT && '!()*'.includes(c)) return false;
  return true;
}

function unescape(s: string, mode: number): string {
  let n = 0;
  let hasPlus = false;
  for (let i = 0; i < s.length;) {
    const c = s[i]!;
    if (c === '%') {
      n++;
      if (i + 2 >= s.length || !ishex(s[i + 1]!) || !ishex(s[i + 2]!)) throw new UrlErr('invalid URL escape ' + quote(s.slice(i, i + 3)));
      if (mode === HOST && unhex(s[i + 1]!) < 8 && s.slice(i, i + 3) !== '%25') throw new UrlErr('invalid URL escape ' + quote(s.slice(i, i + 3)));
      if (mode === ZONE) {
        const v = String.fromCharCode(unhex(s.slice(i + 1, i + 3)));
        if (s.slice(i, i + 3) !== '%25' && v !== ' ' && shouldEscape(v, HOST)) throw new UrlErr('invalid URL escape ' + quote(s.slice(i, i + 3)));
      }
      i += 3;
    } else if (c === '+') {
      hasPlus = mode === QUERY_COMPONENT;
      i++;
    } else {
      if ((mode === HOST || mode === ZONE) && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) throw new UrlErr('invalid character ' + quote(c) + ' in host name');
      i++;
    }
  }
  if (n === 0 && !hasPlus) return s;
  let t = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      t += String.fromCharCode(unhex(s.slice(i + 1, i + 3)));
      i += 2;
    } else if (c === '+') t += mode === QUERY_COMPONENT ? ' ' : '+';
    else t += c;
  }
  return t;
}

function escape(s: string, mode: number): string {
  let t = '';
  for (const c of s) {
    if (c === ' ' && mode === QUERY_COMPONENT) t += '+';
    else if (shouldEscape(c, mode)) t += '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
    else t += c;
  }
  return t;
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^[0-9]*$/.test(port.slice(1));
}

interface Url {
  scheme: string;
  opaque: string;
  user: { username: string; password: string; passwordSet: boolean } | null;
  host: string;
  path: string;
  rawPath: string;
  omitHost: boolean;
  forceQuery: boolean;
  rawQuery: string;
  fragment: string;
  rawFragment: string;
}
const newUrl = (): Url => ({
  scheme: '',
  opaque: '',
  user: null,
  host: '',
  path: '',
  rawPath: '',
  omitHost: false,
  forceQuery: false,
  rawQuery: '',
  fragment: '',
  rawFragment: '',
});

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new UrlErr('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new UrlErr("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new UrlErr(`invalid port ${quote(colonPort)} after host`);
    const zone = host.slice(0, i).indexOf('%25');
    if (zone >= 0) return unescape(host.slice(0, zone), HOST) + unescape(host.slice(zone, i), ZONE) + unescape(host.slice(i), HOST);
  } else {
    const i = host.lastIndexOf(':');
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new UrlErr(`invalid port ${quote(colonPort)} after host`);
    }
  }
  return unescape(host, HOST);
}

function parseAuthority(u: Url, authority: string): void {
  const i = authority.lastIndexOf('@');
  u.host = parseHost(i < 0 ? authority : authority.slice(i + 1));
  if (i < 0) return;
  const userinfo = authority.slice(0, i);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw new UrlErr('net/url: invalid userinfo');
  const colon = userinfo.indexOf(':');
  if (colon < 0) u.user = { username: unescape(userinfo, USER_PASSWORD), password: '', passwordSet: false };
  else u.user = { username: unescape(userinfo.slice(0, colon), USER_PASSWORD), password: unescape(userinfo.slice(colon + 1), USER_PASSWORD), passwordSet: true };
}

function parse(raw: string): Url {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new UrlErr('net/url: invalid control character in URL');
  const u = newUrl();
  if (raw === '*') {
    u.path = '*';
    return u;
  }
  let rest: string;
  [u.scheme, rest] = getScheme(raw);
  u.scheme = u.scheme.toLowerCase();
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    u.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (u.scheme !== '') {
      u.opaque = rest;
      return u;
    }
    if (rest.split('/')[0]!.includes(':')) throw new UrlErr('first path segment in URL cannot contain colon');
  }
  if ((u.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const i = authority.indexOf('/');
    if (i >= 0) {
      rest = authority.slice(i);
      authority = authority.slice(0, i);
    }
    parseAuthority(u, authority);
  } else if (u.scheme !== '' && rest.startsWith('/')) u.omitHost = true;
  u.path = unescape(rest, PATH);
  u.rawPath = escape(u.path, PATH) === rest ? '' : rest;
  return u;
}

/** url.Parse; throws Go's `parse "…": …` message. */
function urlParseGo(rawText: string): Url {
  const raw = bin(rawText);
  const hash = raw.indexOf('#');
  const base = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? '' : raw.slice(hash + 1);
  let u: Url;
  try {
    u = parse(base);
  } catch (e) {
    if (e instanceof UrlErr) throw new UrlErr(`parse ${quote(base)}: ${e.message}`);
    throw e;
  }
  if (frag === '') return u;
  try {
    u.fragment = unescape(frag, FRAGMENT);
  } catch (e) {
    if (e instanceof UrlErr) throw new UrlErr(`parse ${quote(raw)}: ${e.message}`);
    throw e;
  }
  u.rawFragment = escape(u.fragment, FRAGMENT) === frag ? '' : frag;
  return u;
}

function validEncoded(s: string, mode: number): boolean {
  for (const c of s) if (!"!$&'()*+,;=:@[]%".includes(c) && shouldEscape(c, mode)) return false;
  return true;
}
function escapedPath(u: Url): string {
  if (u.rawPath !== '' && validEncoded(u.rawPath, PATH)) {
    try {
      if (unescape(u.rawPath, PATH) === u.path) return u.rawPath;
    } catch {
      /* fall through */
    }
  }
  if (u.path === '*') return '*';
  return escape(u.path, PATH);
}
function escapedFragment(u: Url): string {
  if (u.rawFragment !== '' && validEncoded(u.rawFragment, FRAGMENT)) {
    try {
      if (unescape(u.rawFragment, FRAGMENT) === u.fragment) return u.rawFragment;
    } catch {
      /* fall through */
    }
  }
  return escape(u.fragment, FRAGMENT);
}
function userString(user: NonNullable<Url['user']>): string {
  let s = escape(user.username, USER_PASSWORD);
  if (user.passwordSet) s += ':' + escape(user.password, USER_PASSWORD);
  return s;
}

/** URL.String(). */
function urlString(u: Url): string {
  let buf = '';
  if (u.scheme !== '') buf += u.scheme + ':';
  if (u.opaque !== '') buf += u.opaque;
  else {
    if (u.scheme !== '' || u.host !== '' || u.user !== null) {
      if (!(u.omitHost && u.host === '' && u.user === null)) {
        if (u.host !== '' || u.path !== '' || u.user !== null) buf += '//';
        if (u.user !== null) buf += userString(u.user) + '@';
        if (u.host !== '') buf += escape(u.host, HOST);
      }
    }
    const path = escapedPath(u);
    if (path !== '' && path[0] !== '/' && u.host !== '') buf += '/';
    if (buf === '' && path.split('/')[0]!.includes(':')) buf += './';
    buf += path;
  }
  if (u.forceQuery || u.rawQuery !== '') buf += '?' + u.rawQuery;
  if (u.fragment !== '') buf += '#' + escapedFragment(u);
  return buf;
}

function hostname(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && validOptionalPort(host.slice(colon))) host = host.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return host;
}

/** reflect Kind names for sprig's dictGetOrEmpty message. */
function kindOf(v: unknown): string {
  const t = sprintf('%T', [v]);
  if (t.startsWith('[]')) return 'slice';
  if (t.startsWith('map[')) return 'map';
  if (t.startsWith('template.')) return 'string';
  if (t.startsWith('*')) return 'ptr';
  if (t.startsWith('func')) return 'func';
  return t;
}

function dictGetOrEmpty(d: Record<string, unknown> | null, key: string): string {
  if (d === null || !Object.hasOwn(d, key)) return '';
  const v = d[key];
  if (v === null || v === undefined) throw new FuncError('runtime error: invalid memory address or nil pointer dereference');
  if (v instanceof GoTyped) return v.s;
  if (typeof v !== 'string') throw new FuncError(`unable to parse ${key} key, must be of type string, but ${kindOf(v)} found`);
  return v;
}

/** Functions. */
export function urlFuncs(): FuncMap {
  return {
    urlParse: gf(['string'], (v: string) => {
      let u: Url;
      try {
        u = urlParseGo(v);
      } catch (e) {
        if (e instanceof UrlErr) throw new FuncError(`unable to parse url: ${e.message}`);
        throw e;
      }
      return {
        fragment: txt(u.fragment),
        host: txt(u.host),
        hostname: txt(hostname(u.host)),
        opaque: txt(u.opaque),
        path: txt(u.path),
        query: txt(u.rawQuery),
        scheme: txt(u.scheme),
        userinfo: u.user === null ? '' : txt(userString(u.user)),
      };
    }),
    urlJoin: gf(['map[string]interface {}'], (d: Record<string, unknown> | null) => {
      const u = newUrl();
      u.scheme = bin(dictGetOrEmpty(d, 'scheme'));
      u.host = bin(dictGetOrEmpty(d, 'host'));
      u.path = bin(dictGetOrEmpty(d, 'path'));
      u.rawQuery = bin(dictGetOrEmpty(d, 'query'));
      u.opaque = bin(dictGetOrEmpty(d, 'opaque'));
      u.fragment = bin(dictGetOrEmpty(d, 'fragment'));
      const userinfo = dictGetOrEmpty(d, 'userinfo');
      if (userinfo !== '') {
        let t: Url;
        try {
          t = urlParseGo(`proto://${userinfo}@host`);
        } catch (e) {
          if (e instanceof UrlErr) throw new FuncError(`unable to parse userinfo in dict: ${e.message}`);
          throw e;
        }
        u.user = t.user;
      }
      return txt(urlString(u));
    }),
  };
}
