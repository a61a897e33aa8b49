/**
 * html/template's escaper functions (`_html_template_*`), ports of html.go, js.go, css.go, url.go.
 * @module
 */
import { formatStructValue, sprint } from '../printf.js';
import { toJSON } from '../funcs/sprig/convert.js';
import { gf, type FuncMap } from '../funcs/types.js';
import { GoStruct, GoTyped, nullProto, type ContentType } from '../value.js';
import { ctx, D, E, S, isInTag, type Ctx } from './context.js';
import { attrType, decodeCSS, isCSSNmchar, TRANSITION } from './transition.js';

const FAILSAFE = 'ZgotmplZ';

/** Go's stringify: one trusted-typed value keeps its type; otherwise fmt.Sprint of the non-nil args. */
function stringify(args: readonly unknown[]): [string, ContentType | 'Plain'] {
  if (args.length === 1) {
    const a = args[0];
    if (typeof a === 'string') return [a, 'Plain'];
    if (a instanceof GoTyped) return [a.s, a.type];
    if (a instanceof GoStruct) return [formatStructValue(a), 'Plain'];
  }
  return [sprint(args.filter((a) => a !== null && a !== undefined)), 'Plain'];
}

type Table = Record<string, string>;
/** A replacement table indexed by char code (ASCII only). */
type CodeTable = (string | undefined)[];
function codeTable(t: Table): CodeTable {
  const a: CodeTable = new Array<string | undefined>(128).fill(undefined);
  for (const [k, v] of Object.entries(t)) a[k.charCodeAt(0)] = v;
  return a;
}
const HTML_TABLE: Table = { '\0': '\uFFFD', '"': '&#34;', '&': '&amp;', "'": '&#39;', '+': '&#43;', '<': '&lt;', '>': '&gt;' };
const HTML_NORM_TABLE: Table = { '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '+': '&#43;', '<': '&lt;', '>': '&gt;' };
const HTML_NOSPACE_TABLE: Table = {
  '\0': '&#xfffd;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\v': '&#11;',
  '\f': '&#12;',
  '\r': '&#13;',
  ' ': '&#32;',
  '"': '&#34;',
  '&': '&amp;',
  "'": '&#39;',
  '+': '&#43;',
  '<': '&lt;',
  '=': '&#61;',
  '>': '&gt;',
  '`': '&#96;',
};
const HTML_NOSPACE_NORM_TABLE: Table = { ...HTML_NOSPACE_TABLE };
delete HTML_NOSPACE_NORM_TABLE['&'];

const TABLES = new Map<Table, CodeTable>();

function htmlReplacer(s: string, tbl: Table, badRunes: boolean): string {
  let table = TABLES.get(tbl);
  if (!table) TABLES.set(tbl, (table = codeTable(tbl)));
  let out = '';
  let written = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      const repl = table[c];
      if (repl) {
        out += s.slice(written, i) + repl;
        written = i + 1;
      }
    } else if (!badRunes && ((c >= 0xfdd0 && c <= 0xfdef) || c >= 0xfff0)) {
      if (c >= 0xfff0 && c <= 0xffff) {
        out += s.slice(written, i) + '&#x' + c.toString(16) + ';';
        written = i + 1;
      } else if (c >= 0xfdd0 && c <= 0xfdef) {
        out += s.slice(written, i) + '&#x' + c.toString(16) + ';';
        written = i + 1;
      }
    }
  }
  return written === 0 ? s : out + s.slice(written);
}

/** Go's stripTags. */
function stripTags(html: string): string {
  let b = '';
  let c: Ctx = ctx();
  let i = 0;
  let allText = true;
  const s = html;
  const delimEnds = ['', '"', "'", ' \t\n\f\r>'];
  while (i !== s.length) {
    if (c.delim === D.None) {
      let st = c.state;
      if (c.element !== E.None && !isInTag(st)) st = S.RCDATA;
      const [d, nread] = TRANSITION[st]!(c, s.slice(i));
      const i1 = i + nread;
      if (c.state === S.Text || c.state === S.RCDATA) {
        let j = i1;
        if (d.state !== c.state) {
          for (let j1 = j - 1; j1 >= i; j1--) {
            if (s[j1] === '<') {
              j = j1;
              break;
            }
          }
        }
        b += s.slice(i, j);
      } else allText = false;
      c = d;
      i = i1;
      continue;
    }
    let i1 = -1;
    for (let k = i; k < s.length; k++)
      if (delimEnds[c.delim]!.includes(s[k]!)) {
        i1 = k;
        break;
      }
    if (i1 < i) break;
    if (c.delim !== D.SpaceOrTagEnd) i1++;
    c = ctx({ state: S.Tag, element: c.element });
    i = i1;
  }
  if (allText) return html;
  if (c.state === S.Text || c.state === S.RCDATA) b += s.slice(i);
  return b;
}

function htmlEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'HTML') return s;
  return htmlReplacer(s, HTML_TABLE, true);
}
function attrEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'HTML') return htmlReplacer(stripTags(s), HTML_NORM_TABLE, true);
  return htmlReplacer(s, HTML_TABLE, true);
}
function rcdataEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'HTML') return htmlReplacer(s, HTML_NORM_TABLE, true);
  return htmlReplacer(s, HTML_TABLE, true);
}
function nospaceEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'HTML') return htmlReplacer(stripTags(s), HTML_NOSPACE_NORM_TABLE, false);
  return htmlReplacer(s, HTML_NOSPACE_TABLE, false);
}
function htmlNameFilter(...args: unknown[]): string {
  const [s0, t] = stringify(args);
  let s = s0;
  if (t === 'HTMLAttr') return s;
  if (s.length === 0) return FAILSAFE;
  s = s.toLowerCase();
  if (attrType(s) !== 'plain') return FAILSAFE;
  if (!/^[0-9a-z]*$/.test(s)) return FAILSAFE;
  return s;
}

// ---- JS ----
const LOW_UNICODE: string[] = [];
for (let i = 0; i < 0x20; i++) LOW_UNICODE[i] = '\\u' + i.toString(16).padStart(4, '0');
LOW_UNICODE[9] = '\\t';
LOW_UNICODE[10] = '\\n';
LOW_UNICODE[12] = '\\f';
LOW_UNICODE[13] = '\\r';
const JS_STR: Table = { '"': '\\u0022', '`': '\\u0060', '&': '\\u0026', "'": '\\u0027', '+': '\\u002b', '/': '\\/', '<': '\\u003c', '>': '\\u003e', '\\': '\\\\' };
const JS_STR_NORM: Table = { ...JS_STR };
delete JS_STR_NORM['\\'];
const JS_REGEXP: Table = {
  '"': '\\u0022',
  $: '\\$',
  '&': '\\u0026',
  "'": '\\u0027',
  '(': '\\(',
  ')': '\\)',
  '*': '\\*',
  '+': '\\u002b',
  '-': '\\-',
  '.': '\\.',
  '/': '\\/',
  '<': '\\u003c',
  '>': '\\u003e',
  '?': '\\?',
  '[': '\\[',
  '\\': '\\\\',
  ']': '\\]',
  '^': '\\^',
  '{': '\\{',
  '|': '\\|',
  '}': '\\}',
};

function jsReplace(s: string, table: Table): string {
  let out = '';
  let written = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let repl: string | undefined;
    if (c < 0x20) repl = LOW_UNICODE[c];
    else if (c < 0x80) repl = table[s[i]!];
    else if (c === 0x2028) repl = '\\u2028';
    else if (c === 0x2029) repl = '\\u2029';
    if (repl === undefined) continue;
    out += s.slice(written, i) + repl;
    written = i + 1;
  }
  return written === 0 ? s : out + s.slice(written);
}

const isJSIdentPart = (c: string | undefined) => c !== undefined && /^[$0-9A-Z_a-z]$/.test(c);

function jsValEscaper(...args: unknown[]): string {
  let a: unknown;
  if (args.length === 1) {
    a = args[0];
    if (a instanceof GoTyped && a.type === 'JS') return a.s;
    if (a instanceof GoTyped && a.type === 'JSStr') return '"' + a.s + '"';
    if (a === undefined) a = null;
  } else a = sprint(args);
  let b: string;
  try {
    b = toJSON(a);
  } catch (e) {
    return ` /* ${(e as Error).message.replaceAll('*/', '* /')} */null `;
  }
  if (b.length === 0) return ' null ';
  const pad = isJSIdentPart(b[0]) || isJSIdentPart(b[b.length - 1]);
  const body = b.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return pad ? ' ' + body + ' ' : body;
}

function jsStrEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  return jsReplace(s, t === 'JSStr' ? JS_STR_NORM : JS_STR);
}
function jsRegexpEscaper(...args: unknown[]): string {
  const s = jsReplace(stringify(args)[0], JS_REGEXP);
  return s === '' ? '(?:)' : s;
}

// ---- CSS ----
const CSS_TABLE: Table = {
  '\0': '\\0',
  '\t': '\\9',
  '\n': '\\a',
  '\f': '\\c',
  '\r': '\\d',
  '"': '\\22',
  '&': '\\26',
  "'": '\\27',
  '(': '\\28',
  ')': '\\29',
  '+': '\\2b',
  '/': '\\2f',
  ':': '\\3a',
  ';': '\\3b',
  '<': '\\3c',
  '>': '\\3e',
  '\\': '\\\\',
  '{': '\\7b',
  '}': '\\7d',
};
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isCSSSpace = (c: string | undefined) => c === '\t' || c === '\n' || c === '\f' || c === '\r' || c === ' ';

function cssEscaper(...args: unknown[]): string {
  const s = stringify(args)[0];
  let out = '';
  let written = 0;
  for (let i = 0; i < s.length; i++) {
    const repl = s.charCodeAt(i) < 0x80 ? CSS_TABLE[s[i]!] : undefined;
    if (repl === undefined) continue;
    out += s.slice(written, i) + repl;
    written = i + 1;
    if (repl !== '\\\\' && (written === s.length || isHex(s[written]) || isCSSSpace(s[written]))) out += ' ';
  }
  return written === 0 ? s : out + s.slice(written);
}

function cssValueFilter(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'CSS') return s;
  const b = decodeCSS(s);
  const bytes = Buffer.from(b);
  let id = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    switch (c) {
      case 0:
      case 0x22:
      case 0x27:
      case 0x28:
      case 0x29:
      case 0x2f:
      case 0x3b:
      case 0x40:
      case 0x5b:
      case 0x5c:
      case 0x5d:
      case 0x60:
      case 0x7b:
      case 0x7d:
        return FAILSAFE;
      case 0x2d:
        if (i !== 0 && bytes[i - 1] === 0x2d) return FAILSAFE;
        break;
      default:
        if (c < 0x80 && isCSSNmchar(c)) id += String.fromCharCode(c);
    }
  }
  id = id.toLowerCase();
  if (id.includes('expression') || id.includes('mozbinding')) return FAILSAFE;
  return b;
}

// ---- URL ----
function isSafeURL(s: string): boolean {
  const k = s.indexOf(':');
  if (k >= 0) {
    const protocol = s.slice(0, k);
    if (!protocol.includes('/')) {
      const p = protocol.toLowerCase();
      if (p !== 'http' && p !== 'https' && p !== 'mailto') return false;
    }
  }
  return true;
}

function urlFilter(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'URL') return s;
  if (!isSafeURL(s)) return '#' + FAILSAFE;
  return s;
}

/** Go's processURLOnto on the UTF-8 bytes of s: [result, changed]. */
function processURL(s: string, norm: boolean): [string, boolean] {
  let out = '';
  let written = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      switch (c) {
        case 0x21:
        case 0x23:
        case 0x24:
        case 0x26:
        case 0x2a:
        case 0x2b:
        case 0x2c:
        case 0x2f:
        case 0x3a:
        case 0x3b:
        case 0x3d:
        case 0x3f:
        case 0x40:
        case 0x5b:
        case 0x5d:
          if (norm) continue;
          break;
        case 0x2d:
        case 0x2e:
        case 0x5f:
        case 0x7e:
          continue;
        case 0x25:
          if (norm && i + 2 < n && isHexB(s.charCodeAt(i + 1)) && isHexB(s.charCodeAt(i + 2))) continue;
          break;
        default:
          if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) continue;
      }
      out += s.slice(written, i) + '%' + c.toString(16).padStart(2, '0');
      written = i + 1;
      continue;
    }
    // non-ASCII: percent-encode each UTF-8 byte of the code point
    const cp = s.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    const ch = cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : String.fromCodePoint(cp);
    out += s.slice(written, i);
    for (const b of Buffer.from(ch)) out += '%' + b.toString(16).padStart(2, '0');
    i += w - 1;
    written = i + 1;
  }
  if (written === 0) return [s, false];
  return [out + s.slice(written), true];
}
function isHexB(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function urlProcessor(norm: boolean, args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'URL') norm = true;
  return processURL(s, norm)[0];
}

const isHTMLSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';
const isHTMLSpaceOrAlnum = (c: string) => isHTMLSpace(c) || /^[0-9A-Za-z]$/.test(c);

function filterSrcsetElement(s: string, left: number, right: number): string {
  let start = left;
  while (start < right && isHTMLSpace(s[start]!)) start++;
  let end = right;
  for (let i = start; i < right; i++) {
    if (isHTMLSpace(s[i]!)) {
      end = i;
      break;
    }
  }
  const url = s.slice(start, end);
  if (isSafeURL(url)) {
    let ok = true;
    for (let i = end; i < right; i++) {
      if (!isHTMLSpaceOrAlnum(s[i]!)) {
        ok = false;
        break;
      }
    }
    if (ok) return s.slice(left, start) + processURL(url, true)[0] + s.slice(end, right);
  }
  return '#' + FAILSAFE;
}

function srcsetEscaper(...args: unknown[]): string {
  const [s, t] = stringify(args);
  if (t === 'Srcset') return s;
  if (t === 'URL') return processURL(s, true)[0].replaceAll(',', '%2c');
  let out = '';
  let written = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === ',') {
      out += filterSrcsetElement(s, written, i) + ',';
      written = i + 1;
    }
  }
  return out + filterSrcsetElement(s, written, s.length);
}

function evalArgs(...args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined ? null : a)));
}

/** The escaper function map html/template adds to every escaped template. */
export function htmlEscaperFuncs(): FuncMap {
  const v = (fn: (...a: unknown[]) => string) => gf([], fn, 'any');
  return {
    _html_template_attrescaper: v(attrEscaper),
    _html_template_commentescaper: v(() => ''),
    _html_template_cssescaper: v(cssEscaper),
    _html_template_cssvaluefilter: v(cssValueFilter),
    _html_template_htmlnamefilter: v(htmlNameFilter),
    _html_template_htmlescaper: v(htmlEscaper),
    _html_template_jsregexpescaper: v(jsRegexpEscaper),
    _html_template_jsstrescaper: v(jsStrEscaper),
    _html_template_jsvalescaper: v(jsValEscaper),
    _html_template_nospaceescaper: v(nospaceEscaper),
    _html_template_rcdataescaper: v(rcdataEscaper),
    _html_template_srcsetescaper: v(srcsetEscaper),
    _html_template_urlescaper: v((...a: unknown[]) => urlProcessor(false, a)),
    _html_template_urlfilter: v(urlFilter),
    _html_template_urlnormalizer: v((...a: unknown[]) => urlProcessor(true, a)),
    _eval_args_: v(evalArgs),
  };
}

const ENTITIES: Record<string, string> = nullProto({
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  colon: ':',
  sol: '/',
  lpar: '(',
  rpar: ')',
  semi: ';',
  equals: '=',
  num: '#',
  quest: '?',
  period: '.',
  comma: ',',
  Tab: '\t',
  NewLine: '\n',
  excl: '!',
  percnt: '%',
  plus: '+',
});

/** Go's html.UnescapeString (numeric references and common named entities). */
export function unescapeHTML(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]+;?|#[0-9]+;?|[A-Za-z][A-Za-z0-9]*;?)/g, (m, body: string) => {
    if (body[0] === '#') {
      const hex = body[1] === 'x' || body[1] === 'X';
      let n = parseInt(body.slice(hex ? 2 : 1).replace(';', ''), hex ? 16 : 10);
      if (n === 0 || (n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) n = 0xfffd;
      return String.fromCodePoint(n);
    }
    const name = body.endsWith(';') ? body.slice(0, -1) : body;
    const v = ENTITIES[name];
    return v ?? m;
  });
}
