/**
 * Context transitions over template text (Go's html/template/transition.go, js.go nextJSCtx, css.go decodeCSS).
 * Works on JS strings: every delimiter involved is ASCII, so string indexes behave as Go's byte indexes do.
 * @module
 */
import { sprintf } from '../printf.js';
import { A, ctx, D, E, errCtx, J, S, U, type Ctx } from './context.js';
import { nullProto } from '../value.js';

type TFn = (c: Ctx, s: string) => [Ctx, number];

function indexAny(s: string, chars: string, from = 0): number {
  for (let i = from; i < s.length; i++) if (chars.includes(s[i]!)) return i;
  return -1;
}

function tText(c: Ctx, s: string): [Ctx, number] {
  let k = 0;
  for (;;) {
    const i = s.indexOf('<', k);
    if (i < 0 || i + 1 === s.length) return [c, s.length];
    if (i + 4 <= s.length && s.startsWith('<!--', i)) return [ctx({ state: S.HTMLCmt }), i + 4];
    let j = i + 1;
    let end = false;
    if (s[j] === '/') {
      if (j + 1 === s.length) return [c, s.length];
      end = true;
      j++;
    }
    const [j2, e] = eatTagName(s, j);
    if (j2 !== j) return [ctx({ state: S.Tag, element: end ? E.None : e }), j2];
    k = j2;
  }
}

const ELEMENT_CONTENT = [S.Text, S.JS, S.CSS, S.RCDATA, S.RCDATA];

function tTag(c: Ctx, s: string): [Ctx, number] {
  const i = eatWhiteSpace(s, 0);
  if (i === s.length) return [c, s.length];
  if (s[i] === '>') return [ctx({ state: ELEMENT_CONTENT[c.element]!, element: c.element }), i + 1];
  const [j, err] = eatAttrName(s, i);
  if (err) return [err, s.length];
  if (i === j) return [errCtx(`expected space, attr name, or end of tag, but got ${sprintf('%q', [s.slice(i)])}`), s.length];
  const attrName = s.slice(i, j).toLowerCase();
  let attr = A.None;
  if (c.element === E.Script && attrName === 'type') attr = A.ScriptType;
  else {
    switch (attrType(attrName)) {
      case 'url':
        attr = A.URL;
        break;
      case 'css':
        attr = A.Style;
        break;
      case 'js':
        attr = A.Script;
        break;
      case 'srcset':
        attr = A.Srcset;
        break;
    }
  }
  return [ctx({ state: j === s.length ? S.AttrName : S.AfterName, element: c.element, attr }), j];
}

function tAttrName(c: Ctx, s: string): [Ctx, number] {
  const [i, err] = eatAttrName(s, 0);
  if (err) return [err, s.length];
  if (i !== s.length) c = { ...c, state: S.AfterName };
  return [c, i];
}

function tAfterName(c: Ctx, s: string): [Ctx, number] {
  const i = eatWhiteSpace(s, 0);
  if (i === s.length) return [c, s.length];
  if (s[i] !== '=') return [{ ...c, state: S.Tag }, i];
  return [{ ...c, state: S.BeforeValue }, i + 1];
}

/** Start state of an attribute value by attribute kind. */
export const ATTR_START = [S.Attr, S.JS, S.Attr, S.CSS, S.URL, S.Srcset];

function tBeforeValue(c: Ctx, s: string): [Ctx, number] {
  let i = eatWhiteSpace(s, 0);
  if (i === s.length) return [c, s.length];
  let delim = D.SpaceOrTagEnd;
  if (s[i] === "'") {
    delim = D.SingleQuote;
    i++;
  } else if (s[i] === '"') {
    delim = D.DoubleQuote;
    i++;
  }
  return [{ ...c, state: ATTR_START[c.attr]!, delim }, i];
}

function tHTMLCmt(c: Ctx, s: string): [Ctx, number] {
  const i = s.indexOf('-->');
  if (i !== -1) return [ctx(), i + 3];
  return [c, s.length];
}

const SPECIAL_END = ['', 'script', 'style', 'textarea', 'title'];

/** Go's tSpecialTagEnd. */
export function tSpecialTagEnd(c: Ctx, s: string): [Ctx, number] {
  if (c.element !== E.None) {
    const i = indexTagEnd(s, SPECIAL_END[c.element]!);
    if (i !== -1) return [ctx(), i];
  }
  return [c, s.length];
}

function indexTagEnd(s: string, tag: string): number {
  let res = 0;
  while (s.length > 0) {
    const i = s.indexOf('</');
    if (i === -1) return -1;
    s = s.slice(i + 2);
    if (tag.length <= s.length && s.slice(0, tag.length).toLowerCase() === tag) {
      s = s.slice(tag.length);
      if (s.length > 0 && '> \t\n\f/'.includes(s[0]!)) return res + i;
      res += tag.length;
    }
    res += i + 2;
  }
  return -1;
}

function tAttr(c: Ctx, s: string): [Ctx, number] {
  return [c, s.length];
}

function tURL(c: Ctx, s: string): [Ctx, number] {
  if (/[#?]/.test(s)) c = { ...c, urlPart: U.QueryOrFrag };
  else if (s.length !== eatWhiteSpace(s, 0) && c.urlPart === U.None) c = { ...c, urlPart: U.PreQuery };
  return [c, s.length];
}

function tJS(c: Ctx, s: string): [Ctx, number] {
  let i = indexAny(s, '"`\'/');
  if (i === -1) return [{ ...c, jsCtx: nextJSCtx(s, c.jsCtx) }, s.length];
  c = { ...c, jsCtx: nextJSCtx(s.slice(0, i), c.jsCtx) };
  switch (s[i]) {
    case '"':
      c = { ...c, state: S.JSDqStr, jsCtx: J.Regexp };
      break;
    case "'":
      c = { ...c, state: S.JSSqStr, jsCtx: J.Regexp };
      break;
    case '`':
      c = { ...c, state: S.JSBqStr, jsCtx: J.Regexp };
      break;
    case '/':
      if (i + 1 < s.length && s[i + 1] === '/') {
        c = { ...c, state: S.JSLineCmt };
        i++;
      } else if (i + 1 < s.length && s[i + 1] === '*') {
        c = { ...c, state: S.JSBlockCmt };
        i++;
      } else if (c.jsCtx === J.Regexp) c = { ...c, state: S.JSRegexp };
      else if (c.jsCtx === J.DivOp) c = { ...c, jsCtx: J.Regexp };
      else return [errCtx(`'/' could start a division or regexp: ${sprintf('%.32q', [s.slice(i)])}`), s.length];
  }
  return [c, i + 1];
}

function tJSDelimited(c: Ctx, s: string): [Ctx, number] {
  let specials = '\\"';
  if (c.state === S.JSSqStr) specials = "\\'";
  else if (c.state === S.JSBqStr) specials = '`\\';
  else if (c.state === S.JSRegexp) specials = '\\/[]';
  let k = 0;
  let inCharset = false;
  for (;;) {
    let i = indexAny(s, specials, k);
    if (i < 0) break;
    switch (s[i]) {
      case '\\':
        i++;
        if (i === s.length) return [errCtx(`unfinished escape sequence in JS string: ${sprintf('%q', [s])}`), s.length];
        break;
      case '[':
        inCharset = true;
        break;
      case ']':
        inCharset = false;
        break;
      default:
        if (!inCharset) return [{ ...c, state: S.JS, jsCtx: J.DivOp }, i + 1];
    }
    k = i + 1;
  }
  if (inCharset) return [errCtx(`unfinished JS regexp charset: ${sprintf('%q', [s])}`), s.length];
  return [c, s.length];
}

function tBlockCmt(c: Ctx, s: string): [Ctx, number] {
  const i = s.indexOf('*/');
  if (i === -1) return [c, s.length];
  return [{ ...c, state: c.state === S.JSBlockCmt ? S.JS : S.CSS }, i + 2];
}

function tLineCmt(c: Ctx, s: string): [Ctx, number] {
  const js = c.state === S.JSLineCmt;
  const i = indexAny(s, js ? '\n\r\u2028\u2029' : '\n\f\r');
  if (i === -1) return [c, s.length];
  return [{ ...c, state: js ? S.JS : S.CSS }, i];
}

function tCSS(c: Ctx, s: string): [Ctx, number] {
  let k = 0;
  for (;;) {
    const i = indexAny(s, '("\'/', k);
    if (i < 0) return [c, s.length];
    switch (s[i]) {
      case '(': {
        const p = s.slice(0, i).replace(/[\t\n\f\r ]+$/, '');
        if (endsWithCSSKeyword(p, 'url')) {
          const rest = s.slice(i + 1);
          let j = s.length - rest.replace(/^[\t\n\f\r ]+/, '').length;
          if (j !== s.length && s[j] === '"') {
            c = { ...c, state: S.CSSDqURL };
            j++;
          } else if (j !== s.length && s[j] === "'") {
            c = { ...c, state: S.CSSSqURL };
            j++;
          } else c = { ...c, state: S.CSSURL };
          return [c, j];
        }
        break;
      }
      case '/':
        if (i + 1 < s.length) {
          if (s[i + 1] === '/') return [{ ...c, state: S.CSSLineCmt }, i + 2];
          if (s[i + 1] === '*') return [{ ...c, state: S.CSSBlockCmt }, i + 2];
        }
        break;
      case '"':
        return [{ ...c, state: S.CSSDqStr }, i + 1];
      case "'":
        return [{ ...c, state: S.CSSSqStr }, i + 1];
    }
    k = i + 1;
  }
}

function tCSSStr(c: Ctx, s: string): [Ctx, number] {
  let endAndEsc: string;
  switch (c.state) {
    case S.CSSDqStr:
    case S.CSSDqURL:
      endAndEsc = '\\"';
      break;
    case S.CSSSqStr:
    case S.CSSSqURL:
      endAndEsc = "\\'";
      break;
    default:
      endAndEsc = '\\\t\n\f\r )';
  }
  let k = 0;
  for (;;) {
    let i = indexAny(s, endAndEsc, k);
    if (i < 0) {
      const [c2, nread] = tURL(c, decodeCSS(s.slice(k)));
      return [c2, k + nread];
    }
    if (s[i] === '\\') {
      i++;
      if (i === s.length) return [errCtx(`unfinished escape sequence in CSS string: ${sprintf('%q', [s])}`), s.length];
    } else return [{ ...c, state: S.CSS }, i + 1];
    c = tURL(c, decodeCSS(s.slice(0, i + 1)))[0];
    k = i + 1;
  }
}

function tError(c: Ctx, s: string): [Ctx, number] {
  return [c, s.length];
}

/** Transition functions by state. */
export const TRANSITION: TFn[] = [
  tText,
  tTag,
  tAttrName,
  tAfterName,
  tBeforeValue,
  tHTMLCmt,
  tSpecialTagEnd,
  tAttr,
  tURL,
  tURL,
  tJS,
  tJSDelimited,
  tJSDelimited,
  tJSDelimited,
  tJSDelimited,
  tBlockCmt,
  tLineCmt,
  tCSS,
  tCSSStr,
  tCSSStr,
  tCSSStr,
  tCSSStr,
  tCSSStr,
  tBlockCmt,
  tLineCmt,
  tError,
  tError,
];

function eatAttrName(s: string, i: number): [number, Ctx | null] {
  for (let j = i; j < s.length; j++) {
    switch (s[j]) {
      case ' ':
      case '\t':
      case '\n':
      case '\f':
      case '\r':
      case '=':
      case '>':
        return [j, null];
      case "'":
      case '"':
      case '<':
        return [-1, errCtx(`${sprintf('%q', [s[j]])} in attribute name: ${sprintf('%.32q', [s])}`)];
    }
  }
  return [s.length, null];
}

const ELEMENT_NAMES: Record<string, E> = nullProto({ script: E.Script, style: E.Style, textarea: E.Textarea, title: E.Title });
const asciiAlpha = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);
const asciiAlphaNum = (c: string | undefined) => c !== undefined && /^[A-Za-z0-9]$/.test(c);

function eatTagName(s: string, i: number): [number, E] {
  if (i === s.length || !asciiAlpha(s[i])) return [i, E.None];
  let j = i + 1;
  while (j < s.length) {
    const x = s[j];
    if (asciiAlphaNum(x)) {
      j++;
      continue;
    }
    if ((x === ':' || x === '-') && j + 1 < s.length && asciiAlphaNum(s[j + 1])) {
      j += 2;
      continue;
    }
    break;
  }
  return [j, ELEMENT_NAMES[s.slice(i, j).toLowerCase()] ?? E.None];
}

/** Index of the first non-HTML-space at or after i. */
function eatWhiteSpace(s: string, i: number): number {
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\f' && c !== '\r') return j;
  }
  return s.length;
}

const ATTR_TYPES: Record<string, string> = nullProto({
  'accept-charset': 'unsafe',
  action: 'url',
  archive: 'url',
  async: 'unsafe',
  background: 'url',
  cite: 'url',
  challenge: 'unsafe',
  charset: 'unsafe',
  classid: 'url',
  codebase: 'url',
  content: 'unsafe',
  crossorigin: 'unsafe',
  data: 'url',
  defer: 'unsafe',
  enctype: 'unsafe',
  form: 'unsafe',
  formaction: 'url',
  formenctype: 'unsafe',
  formmethod: 'unsafe',
  formnovalidate: 'unsafe',
  href: 'url',
  'http-equiv': 'unsafe',
  icon: 'url',
  keytype: 'unsafe',
  language: 'unsafe',
  longdesc: 'url',
  manifest: 'url',
  method: 'unsafe',
  novalidate: 'unsafe',
  pattern: 'unsafe',
  poster: 'url',
  profile: 'url',
  rel: 'unsafe',
  sandbox: 'unsafe',
  src: 'url',
  srcdoc: 'html',
  srcset: 'srcset',
  style: 'css',
  type: 'unsafe',
  usemap: 'url',
  value: 'unsafe',
  xmlns: 'url',
});

/** Go's attrType: content type of an attribute by (lower-case) name: plain, url, css, js, srcset, html, unsafe. */
export function attrType(name: string): string {
  if (name.startsWith('data-')) name = name.slice(5);
  else {
    const k = name.indexOf(':');
    if (k >= 0) {
      if (name.slice(0, k) === 'xmlns') return 'url';
      name = name.slice(k + 1);
    }
  }
  const t = ATTR_TYPES[name];
  if (t !== undefined) return t;
  if (name.startsWith('on')) return 'js';
  if (name.includes('src') || name.includes('uri') || name.includes('url')) return 'url';
  return 'plain';
}

const REGEXP_PRECEDERS = new Set(['break', 'case', 'continue', 'delete', 'do', 'else', 'finally', 'in', 'instanceof', 'return', 'throw', 'try', 'typeof', 'void']);
const isJSIdentPartC = (c: string) => /^[$0-9A-Z_a-z]$/.test(c);

/** Go's nextJSCtx. */
function nextJSCtx(s: string, preceding: J): J {
  s = s.replace(/[\t\n\f\r \u2028\u2029]+$/, '');
  if (s.length === 0) return preceding;
  const n = s.length;
  const c = s[n - 1]!;
  switch (c) {
    case '+':
    case '-': {
      let start = n - 1;
      while (start > 0 && s[start - 1] === c) start--;
      return (n - start) & 1 ? J.Regexp : J.DivOp;
    }
    case '.':
      return n !== 1 && s[n - 2]! >= '0' && s[n - 2]! <= '9' ? J.DivOp : J.Regexp;
  }
  if (',<>=*%&|^?!~([:;{}'.includes(c)) return J.Regexp;
  let j = n;
  while (j > 0 && isJSIdentPartC(s[j - 1]!)) j--;
  if (REGEXP_PRECEDERS.has(s.slice(j))) return J.Regexp;
  return J.DivOp;
}

/** Go's isJSType for `<script type=...>`. */
export function isJSType(mime: string): boolean {
  mime = mime.split(';')[0]!.toLowerCase().trim();
  return [
    'application/ecmascript',
    'application/javascript',
    'application/json',
    'application/ld+json',
    'application/x-ecmascript',
    'application/x-javascript',
    'module',
    'text/ecmascript',
    'text/javascript',
    'text/javascript1.0',
    'text/javascript1.1',
    'text/javascript1.2',
    'text/javascript1.3',
    'text/javascript1.4',
    'text/javascript1.5',
    'text/jscript',
    'text/livescript',
    'text/x-ecmascript',
    'text/x-javascript',
  ].includes(mime);
}

/** Go's isCSSNmchar. */
export function isCSSNmchar(r: number): boolean {
  return (
    (r >= 97 && r <= 122) ||
    (r >= 65 && r <= 90) ||
    (r >= 48 && r <= 57) ||
    r === 45 ||
    r === 95 ||
    (r >= 0x80 && r <= 0xd7ff) ||
    (r >= 0xe000 && r <= 0xfffd) ||
    (r >= 0x10000 && r <= 0x10ffff)
  );
}

function endsWithCSSKeyword(b: string, kw: string): boolean {
  const i = b.length - kw.length;
  if (i < 0) return false;
  if (i !== 0) {
    const r = b.codePointAt(i - 1)!;
    const lastCp = r >= 0xdc00 && r <= 0xdfff && i >= 2 ? b.codePointAt(i - 2)! : r;
    if (isCSSNmchar(lastCp)) return false;
  }
  return b.slice(i).toLowerCase() === kw;
}

const isHexC = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** Go's decodeCSS. */
export function decodeCSS(s: string): string {
  if (!s.includes('\\')) return s;
  let b = '';
  while (s.length !== 0) {
    let i = s.indexOf('\\');
    if (i === -1) i = s.length;
    b += s.slice(0, i);
    s = s.slice(i);
    if (s.length < 2) break;
    if (isHexC(s[1])) {
      let j = 2;
      while (j < s.length && j < 7 && isHexC(s[j])) j++;
      let r = parseInt(s.slice(1, j), 16);
      if (r > 0x10ffff) {
        r = Math.floor(r / 16);
        j--;
      }
      b += r >= 0xd800 && r <= 0xdfff ? '\ufffd' : String.fromCodePoint(r);
      s = skipCSSSpace(s.slice(j));
    } else {
      const cp = s.codePointAt(1)!;
      const ch = String.fromCodePoint(cp);
      b += ch;
      s = s.slice(1 + ch.length);
    }
  }
  return b;
}

function skipCSSSpace(c: string): string {
  if (c.length === 0) return c;
  switch (c[0]) {
    case '\t':
    case '\n':
    case '\f':
    case ' ':
      return c.slice(1);
    case '\r':
      return c.length >= 2 && c[1] === '\n' ? c.slice(2) : c.slice(1);
  }
  return c;
}
