/**
 * sprig flow/default functions (defaults.go), JSON, base64 and regex helpers.
 * @module
 */
import { sprintf } from '../../printf.js';
import { GoObject, GoTyped, isMap, sliceOf } from '../../value.js';
import { FuncError, gf, type FuncMap } from '../types.js';
import { empty, fromParsedJSON, toJSON } from './convert.js';

/** Go RE2 syntax to a JS RegExp (common subset: flags groups `(?i)`, named groups `(?P<n>`). */
function goRegExp(re: string, global: boolean): RegExp {
  let flags = global ? 'gu' : 'u';
  let src = re;
  const m = /^\(\?([imsU]+)\)/.exec(src);
  if (m) {
    src = src.slice(m[0].length);
    if (m[1]!.includes('i')) flags += 'i';
    if (m[1]!.includes('s')) flags += 's';
    if (m[1]!.includes('m')) flags += 'm';
  }
  src = src.replace(/\(\?P</g, '(?<').replace(/\\z/g, '$(?![\\s\\S])');
  src = literalBraces(src);
  try {
    return new RegExp(src, flags);
  } catch {
    throw new FuncError(`error parsing regexp: invalid or unsupported Perl syntax: ${JSON.stringify(re)}`);
  }
}

/** RE2 reads a `{` that does not start a repetition `{n}`, `{n,}`, `{n,m}` (and a lone `}`) as a literal; JS's u-mode rejects them. */
function literalBraces(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      out += c + (src[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') {
        out += '\\]'; // RE2: a leading ] is literal
        i++;
      }
    } else if (c === '{') {
      const m = /^\{\d+(,\d*)?\}/.exec(src.slice(i));
      if (m) {
        out += m[0];
        i += m[0].length - 1;
      } else out += '\\{';
    } else if (c === '}') out += '\\}';
    else out += c;
  }
  return out;
}

/** Go's Regexp.FindAllStringIndex: no empty match right after a previous match; n < 0 means all. */
function goFindAllIndex(re: RegExp, s: string, n: number): [number, number][] {
  if (n < 0) n = s.length + 1;
  const out: [number, number][] = [];
  for (let pos = 0, prevEnd = -1; out.length < n && pos <= s.length;) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      pos += pos < s.length ? (s.codePointAt(pos)! > 0xffff ? 2 : 1) : 1;
    } else pos = end;
    prevEnd = end;
    if (accept) out.push([start, end]);
  }
  return out;
}

/** Go's Regexp.Split. */
function goSplit(re: RegExp, expr: string, s: string, n: number): string[] {
  if (n === 0) return [];
  if (expr.length > 0 && s.length === 0) return [''];
  const parts: string[] = [];
  let beg = 0;
  let end = 0;
  for (const [a, b] of goFindAllIndex(re, s, n)) {
    if (n > 0 && parts.length === n - 1) break;
    end = a;
    if (b !== 0) parts.push(s.slice(beg, end));
    beg = b;
  }
  if (end !== s.length) parts.push(s.slice(beg));
  return parts;
}

/** Go's regexp Expand template ($1, ${1}, $name, $$) to a JS replacement function. */
function goExpand(repl: string): (...m: unknown[]) => string {
  return (...args: unknown[]) => {
    const hasGroups = typeof args[args.length - 1] === 'object' && args[args.length - 1] !== undefined;
    const groups = (hasGroups ? args[args.length - 1] : undefined) as Record<string, string> | undefined;
    const nCaps = args.length - (hasGroups ? 3 : 2);
    const caps = args.slice(0, nCaps) as (string | undefined)[];
    return repl.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_all, d: string, br?: string, bare?: string) => {
      if (d === '$') return '$';
      const name = br ?? bare!;
      if (/^[0-9]+$/.test(name)) return caps[Number(name)] ?? '';
      return groups?.[name] ?? '';
    });
  };
}

/** Defaults, JSON, regex. */
export function defaultFuncs(): FuncMap {
  return {
    default: gf(['any'], (d: unknown, ...given: unknown[]) => (given.length === 0 || empty(given[0]) ? d : given[0]), 'any'),
    empty: gf(['any'], empty),
    coalesce: gf([], (...v: unknown[]) => v.find((x) => !empty(x)) ?? null, 'any'),
    all: gf([], (...v: unknown[]) => v.every((x) => !empty(x)), 'any'),
    any: gf([], (...v: unknown[]) => v.some((x) => !empty(x)), 'any'),
    ternary: gf(['any', 'any', 'bool'], (a: unknown, b: unknown, c: boolean) => (c ? a : b)),
    toJson: gf(['any'], (v: unknown) => {
      try {
        return toJSON(v);
      } catch {
        return '';
      }
    }),
    mustToJson: gf(['any'], (v: unknown) => toJSON(v)),
    toPrettyJson: gf(['any'], (v: unknown) => {
      try {
        return toJSON(v, true, '  ');
      } catch {
        return '';
      }
    }),
    toRawJson: gf(['any'], (v: unknown) => toJSON(v, false)),
    fromJson: gf(['string'], (s: string) => {
      try {
        return fromParsedJSON(JSON.parse(s));
      } catch {
        return null;
      }
    }),
    fail: gf(['string'], (msg: string) => {
      throw new FuncError(msg);
    }),
    regexMatch: gf(['string', 'string'], (re: string, s: string) => {
      try {
        return goRegExp(re, false).test(s);
      } catch {
        return false;
      }
    }),
    mustRegexMatch: gf(['string', 'string'], (re: string, s: string) => goRegExp(re, false).test(s)),
    regexFindAll: gf(['string', 'string', 'int'], (re: string, s: string, n: number) =>
      sliceOf(
        'string',
        goFindAllIndex(goRegExp(re, true), s, n).map(([a, b]) => s.slice(a, b)),
      ),
    ),
    regexFind: gf(['string', 'string'], (re: string, s: string) => goRegExp(re, false).exec(s)?.[0] ?? ''),
    regexReplaceAll: gf(['string', 'string', 'string'], (re: string, s: string, repl: string) => s.replace(goRegExp(re, true), goExpand(repl))),
    regexReplaceAllLiteral: gf(['string', 'string', 'string'], (re: string, s: string, repl: string) => s.replace(goRegExp(re, true), () => repl)),
    regexSplit: gf(['string', 'string', 'int'], (re: string, s: string, n: number) => sliceOf('string', goSplit(goRegExp(re, true), re, s, n))),
    regexQuoteMeta: gf(['string'], (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')),
    typeOf: gf(['any'], (v: unknown) => sprintf('%T', [v])),
    kindOf: gf(['any'], (v: unknown) => kind(v)),
    kindIs: gf(['string', 'any'], (k: string, v: unknown) => kind(v) === k),
    typeIs: gf(['string', 'any'], (t: string, v: unknown) => sprintf('%T', [v]) === t),
  };
}

function kind(v: unknown): string {
  if (v === null || v === undefined) return 'invalid';
  if (typeof v === 'string' || v instanceof GoTyped) return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'slice';
  if (isMap(v)) return 'map';
  if (v instanceof GoObject) return v.type.startsWith('*') ? 'ptr' : 'struct';
  return sprintf('%T', [v]);
}
