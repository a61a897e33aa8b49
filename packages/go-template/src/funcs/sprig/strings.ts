/**
 * sprig string functions (Masterminds/sprig v3 strings.go, goutils, xstrings).
 * @module
 */
import { createHash } from 'node:crypto';
import { sprintf } from '../../printf.js';
import { GoTyped, mapOf, sliceOf } from '../../value.js';
import { gf, type FuncMap } from '../types.js';
import { strval } from './convert.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function bytesOf(s: string): Uint8Array {
  return enc.encode(s);
}
/** Go's `s[a:b]` on UTF-8 bytes. */
function byteSlice(s: string, a: number, b?: number): string {
  const by = bytesOf(s);
  const n = by.length;
  const hi = b ?? n;
  // Go's runtime boundsError texts (negative indexes print without the length)
  if (b !== undefined && b < 0) throw new Error(`runtime error: slice bounds out of range [:${b}]`);
  if (b !== undefined && b > n) throw new Error(`runtime error: slice bounds out of range [:${b}] with length ${n}`);
  if (a < 0) throw new Error(`runtime error: slice bounds out of range [${a}:]`);
  if (a > hi) throw new Error(`runtime error: slice bounds out of range [${a}:${hi}]`);
  return dec.decode(by.subarray(a, hi));
}

const GO_SPACE = new Set([9, 10, 11, 12, 13, 32, 0x85, 0xa0]);
/** goutils.DeleteWhiteSpace, byte-wise as the Go code is. */
function deleteWhiteSpace(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return /[\t\n\v\f\r ]/.test(s) ? s.replace(/[\t\n\v\f\r ]/g, '') : s;
  const by = bytesOf(s);
  let out = '';
  let count = 0;
  for (const b of by) {
    if (!GO_SPACE.has(b)) {
      out += String.fromCharCode(b);
      count++;
    }
  }
  return count === by.length ? s : out;
}

/** goutils.Initials (byte-wise). */
function initials(s: string): string {
  let out = '';
  let gap = true;
  for (const b of bytesOf(s)) {
    if (GO_SPACE.has(b)) gap = true;
    else if (gap) {
      out += String.fromCharCode(b);
      gap = false;
    }
  }
  return out;
}

const isLetter = (c: string) => /\p{L}/u.test(c);
const isUpper = (c: string) => /\p{Lu}/u.test(c);
const isLower = (c: string) => /\p{Ll}/u.test(c);
const isNumber = (c: string) => /\p{N}/u.test(c);
const isPunct = (c: string) => /\p{P}/u.test(c);
const isSpaceR = (c: string) => /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/.test(c);

/** Go's strings.Title: upper-cases letters that start words. */
function title(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) {
    let out = '';
    let sep = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const word = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
      out += sep && c >= 97 && c <= 122 ? String.fromCharCode(c - 32) : s[i]!;
      sep = !word;
    }
    return out;
  }
  let prev = ' ';
  let out = '';
  for (const c of s) {
    out += isSeparator(prev) ? toTitle(c) : c;
    prev = c;
  }
  return out;
}
/** Title case where it differs from upper case (Go's unicode.ToTitle): the Latin digraphs; Georgian keeps its letters. */
const TITLE_SPECIAL: Record<number, number> = {
  0x1c4: 0x1c5,
  0x1c5: 0x1c5,
  0x1c6: 0x1c5,
  0x1c7: 0x1c8,
  0x1c8: 0x1c8,
  0x1c9: 0x1c8,
  0x1ca: 0x1cb,
  0x1cb: 0x1cb,
  0x1cc: 0x1cb,
  0x1f1: 0x1f2,
  0x1f2: 0x1f2,
  0x1f3: 0x1f2,
};
function toTitle(c: string): string {
  const r = c.codePointAt(0)!;
  const t = TITLE_SPECIAL[r];
  if (t !== undefined) return String.fromCodePoint(t);
  if ((r >= 0x10d0 && r <= 0x10fa) || (r >= 0x10fd && r <= 0x10ff)) return c;
  const u = c.toUpperCase();
  return Array.from(u).length === 1 ? u : c;
}
function isSeparator(c: string): boolean {
  const r = c.codePointAt(0)!;
  if (r <= 0x7f) {
    if ((r >= 48 && r <= 57) || (r >= 97 && r <= 122) || (r >= 65 && r <= 90) || r === 95) return false;
    return true;
  }
  if (isLetter(c) || /\p{Nd}/u.test(c)) return false;
  return isSpaceR(c);
}

function upper(s: string): string {
  let o = '';
  for (const c of s) {
    const u = c.toUpperCase();
    o += Array.from(u).length === 1 ? u : c;
  }
  return o;
}
function lower(s: string): string {
  let o = '';
  for (const c of s) {
    const l = c.toLowerCase();
    o += Array.from(l).length === 1 ? l : c;
  }
  return o;
}

/** Go's strings.TrimSpace. */
function trimSpace(s: string): string {
  return s.replace(
    /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g,
    '',
  );
}

/** Go's strings.Trim(s, cutset). */
function trimCut(s: string, cutset: string): string {
  if (s === '' || cutset === '') return s;
  const set = new Set(Array.from(cutset));
  const arr = Array.from(s);
  let a = 0;
  let b = arr.length;
  while (a < b && set.has(arr[a]!)) a++;
  while (b > a && set.has(arr[b - 1]!)) b--;
  return arr.slice(a, b).join('');
}

// ---- xstrings case conversions ----
/** xstrings isAlphabet: letters, except CJK ideographs. */
function isAlphabet(c: string): boolean {
  if (!isLetter(c)) return false;
  const r = c.codePointAt(0)!;
  if (r < 0x3400) return true;
  if ((r >= 0x4e00 && r <= 0x9fcc) || (r >= 0x3400 && r <= 0x4d85) || (r >= 0x20000 && r <= 0x2b81d)) return false;
  return true;
}

type WT = 'invalid' | 'number' | 'upper' | 'alpha' | 'connector' | 'punct' | 'other';
const isConnector = (c: string) => c === '-' || c === '_' || isSpaceR(c);

function nextWord(str: string[], at: number): [WT, number] {
  // returns the type and end index (exclusive) of the word starting at `at`; a port of xstrings.nextWord, including
  // its nextValidRune, which folds U+FFFD (utf8.RuneError) into the rune that follows it
  const n = str.length;
  if (at >= n) return ['invalid', at];
  const nvr = (i: number, prev: string): [string, number] => {
    let j = i;
    while (j < n && str[j] === '\ufffd') j++;
    if (j === n) return [prev, n - i];
    return [str[j]!, j - i + 1];
  };
  let [r, size] = nvr(at, '\ufffd');
  let offset = at + size;
  if (r === '\ufffd') return ['invalid', offset];
  let pos = offset;
  const run = (cond: (c: string) => boolean): void => {
    while (pos < n) {
      [r, size] = nvr(pos, r);
      if (!cond(r)) break;
      offset += size;
      pos += size;
    }
  };
  if (isConnector(r)) {
    run(isConnector);
    return ['connector', offset];
  }
  if (isPunct(r)) {
    run(isPunct);
    return ['punct', offset];
  }
  if (isUpper(r)) {
    if (pos >= n) return ['upper', offset];
    [r, size] = nvr(pos, r);
    if (isUpper(r)) {
      let prevSize = size;
      offset += size;
      pos += size;
      while (pos < n) {
        [r, size] = nvr(pos, r);
        if (!isUpper(r)) break;
        prevSize = size;
        offset += size;
        pos += size;
      }
      if (pos < n && isAlphabet(r)) offset -= prevSize;
    } else if (isAlphabet(r)) {
      offset += size;
      pos += size;
      run((c) => isAlphabet(c) && !isUpper(c));
    }
    return ['upper', offset];
  }
  if (isAlphabet(r)) {
    run((c) => isAlphabet(c) && !isUpper(c));
    return ['alpha', offset];
  }
  if (isNumber(r)) {
    run(isNumber);
    return ['number', offset];
  }
  run((c) => !(isConnector(c) || isAlphabet(c) || isNumber(c) || isPunct(c)));
  return ['other', offset];
}

function toLowerWord(wt: WT, word: string[], connector: string): string {
  if (wt !== 'upper' && wt !== 'connector') return word.join('');
  let o = '';
  for (const c of word) o += isConnector(c) ? connector : isUpper(c) ? lower(c) : c;
  return o;
}

function camelCaseToLowerCase(s: string, connector: string): string {
  if (s === '') return '';
  const str = Array.from(s);
  let out = '';
  let pos = 0;
  const next = (): [WT, string[]] => {
    const [wt, end] = nextWord(str, pos);
    const w = str.slice(pos, end);
    pos = end;
    return [wt, w];
  };
  let [wt, word] = next();
  while (pos < str.length) {
    if (wt !== 'connector') out += toLowerWord(wt, word, connector);
    const prev = wt;
    const last = word;
    [wt, word] = next();
    switch (prev) {
      case 'number':
        while (wt === 'alpha' || wt === 'number') {
          out += toLowerWord(wt, word, connector);
          [wt, word] = next();
        }
        if (wt !== 'invalid' && wt !== 'punct' && wt !== 'connector') out += connector;
        break;
      case 'connector':
        out += toLowerWord(prev, last, connector);
        break;
      case 'punct':
        break;
      default: {
        if (wt !== 'number') {
          if (wt !== 'connector' && wt !== 'punct') out += connector;
          break;
        }
        if (pos >= str.length) break;
        const last2 = word;
        [wt, word] = next();
        if (wt !== 'alpha') {
          out += toLowerWord('number', last2, connector);
          if (wt !== 'connector' && wt !== 'punct') out += connector;
          break;
        }
        out += connector;
        out += toLowerWord('number', last2, connector);
        while (wt === 'alpha' || wt === 'number') {
          out += toLowerWord(wt, word, connector);
          [wt, word] = next();
        }
        if (wt !== 'invalid' && wt !== 'connector' && wt !== 'punct') out += connector;
      }
    }
  }
  out += toLowerWord(wt, word, connector);
  return out;
}

function toCamelCase(s: string): string {
  if (s === '') return '';
  const str = Array.from(s);
  let out = '';
  let i = 0;
  let r0 = '';
  let size = 0;
  for (; i < str.length;) {
    r0 = str[i]!;
    size = 1;
    i++;
    if (!isConnector(r0)) {
      r0 = upper(r0);
      break;
    }
    out += r0;
  }
  if (i >= str.length) return size !== 0 ? out + r0 : out;
  while (i < str.length) {
    const r1 = r0;
    r0 = str[i]!;
    i++;
    if (isConnector(r0) && isConnector(r1)) {
      out += r1;
      continue;
    }
    if (isConnector(r1)) r0 = upper(r0);
    else {
      r0 = lower(r0);
      out += r1;
    }
  }
  return out + r0;
}

function swapCase(s: string): string {
  let o = '';
  for (const c of s) o += isUpper(c) ? lower(c) : isLower(c) ? upper(c) : c;
  return o;
}

function wrapCustom(str: string, wrapLength: number, newLine: string, wrapLong: boolean): string {
  if (str === '') return '';
  if (newLine === '') newLine = '\n';
  if (wrapLength < 1) wrapLength = 1;
  const b = Buffer.from(str);
  const len = b.length;
  let offset = 0;
  let out = '';
  const sl = (a: number, e: number) => b.subarray(a, e).toString();
  while (len - offset > wrapLength) {
    if (b[offset] === 0x20) {
      offset++;
      continue;
    }
    const end = wrapLength + offset + 1;
    const sub = b.subarray(offset, end);
    const sp = sub.lastIndexOf(0x20) + offset;
    if (sp >= offset) {
      out += sl(offset, sp) + newLine;
      offset = sp + 1;
    } else if (wrapLong) {
      out += sl(offset, wrapLength + offset) + newLine;
      offset += wrapLength;
    } else {
      const e2 = wrapLength + offset;
      const idx = b.subarray(e2).indexOf(0x20);
      if (idx === -1) {
        out += sl(offset, len);
        offset = len;
      } else {
        const at = idx + e2;
        out += sl(offset, at) + newLine;
        offset = at + 1;
      }
    }
  }
  return out + sl(offset, len);
}

function quoteGoStr(s: string): string {
  return sprintf('%q', [s]);
}

/** String functions. */
export function stringFuncs(): FuncMap {
  return {
    abbrev: gf(['int', 'string'], (w: number, s: string) => {
      if (w < 4) return s;
      if (s === '') return '';
      if (bytesOf(s).length <= w) return s;
      return byteSlice(s, 0, w - 3) + '...';
    }),
    trunc: gf(['int', 'string'], (c: number, s: string) => {
      const n = bytesOf(s).length;
      if (c < 0 && n + c > 0) return byteSlice(s, n + c);
      if (c >= 0 && n > c) return byteSlice(s, 0, c);
      return s;
    }),
    trim: gf(['string'], trimSpace),
    upper: gf(['string'], upper),
    lower: gf(['string'], lower),
    title: gf(['string'], title),
    untitle: gf(['string'], (s: string) => {
      // goutils.Uncapitalize: lower-cases the first rune of every whitespace-separated word
      let out = '';
      let next = true;
      for (const c of s) {
        if (isSpaceR(c)) {
          next = true;
          out += c;
        } else if (next) {
          out += lower(c);
          next = false;
        } else out += c;
      }
      return out;
    }),
    substr: gf(['int', 'int', 'string'], (start: number, end: number, s: string) => {
      const n = bytesOf(s).length;
      if (start < 0) return byteSlice(s, 0, end);
      if (end < 0 || end > n) return byteSlice(s, start);
      return byteSlice(s, start, end);
    }),
    repeat: gf(['int', 'string'], (count: number, s: string) => goRepeat(s, count)),
    trimall: gf(['string', 'string'], (a: string, b: string) => trimCut(b, a)),
    trimAll: gf(['string', 'string'], (a: string, b: string) => trimCut(b, a)),
    trimSuffix: gf(['string', 'string'], (a: string, b: string) => (a !== '' && b.endsWith(a) ? b.slice(0, b.length - a.length) : b)),
    trimPrefix: gf(['string', 'string'], (a: string, b: string) => (a !== '' && b.startsWith(a) ? b.slice(a.length) : b)),
    nospace: gf(['string'], (s: string) => (s === '' ? s : deleteWhiteSpace(s))),
    initials: gf(['string'], (s: string) => (s === '' ? s : initials(s))),
    swapcase: gf(['string'], swapCase),
    snakecase: gf(['string'], (s: string) => camelCaseToLowerCase(s, '_')),
    kebabcase: gf(['string'], (s: string) => camelCaseToLowerCase(s, '-')),
    camelcase: gf(['string'], toCamelCase),
    wrap: gf(['int', 'string'], (l: number, s: string) => wrapCustom(s, l, '\n', false)),
    wrapWith: gf(['int', 'string', 'string'], (l: number, sep: string, s: string) => wrapCustom(s, l, sep, true)),
    contains: gf(['string', 'string'], (sub: string, s: string) => s.includes(sub)),
    hasPrefix: gf(['string', 'string'], (sub: string, s: string) => s.startsWith(sub)),
    hasSuffix: gf(['string', 'string'], (sub: string, s: string) => s.endsWith(sub)),
    quote: gf(
      [],
      (...a: unknown[]) =>
        a
          .filter((x) => x !== null && x !== undefined)
          .map((x) => quoteGoStr(strval(x)))
          .join(' '),
      'any',
    ),
    squote: gf(
      [],
      (...a: unknown[]) =>
        a
          .filter((x) => x !== null && x !== undefined)
          .map((x) => sprintf("'%v'", [x]))
          .join(' '),
      'any',
    ),
    cat: gf(
      [],
      (...a: unknown[]) => {
        const v = a.filter((x) => x !== null && x !== undefined);
        return sprintf('%v '.repeat(v.length).trim(), v);
      },
      'any',
    ),
    indent: gf(['int', 'string'], (n: number, s: string) => {
      const pad = goRepeat(' ', n);
      return pad + s.split('\n').join('\n' + pad);
    }),
    nindent: gf(['int', 'string'], (n: number, s: string) => {
      const pad = goRepeat(' ', n);
      return '\n' + pad + s.split('\n').join('\n' + pad);
    }),
    replace: gf(['string', 'string', 'string'], (o: string, n: string, src: string) => goReplaceAll(src, o, n)),
    plural: gf(['string', 'string', 'int'], (one: string, many: string, c: number) => (c === 1 ? one : many)),
    sha1sum: gf(['string'], (s: string) => createHash('sha1').update(s).digest('hex')),
    sha256sum: gf(['string'], (s: string) => createHash('sha256').update(s).digest('hex')),
    adler32sum: gf(['string'], (s: string) => String(adler32(bytesOf(s)))),
    toString: gf(['any'], strval),
    split: gf(['string', 'string'], (sep: string, orig: string) => {
      const parts = goSplit(orig, sep);
      const res: Record<string, string> = {};
      parts.forEach((p, i) => (res['_' + i] = p));
      return mapOf('string', res);
    }),
    splitList: gf(['string', 'string'], (sep: string, orig: string) => sliceOf('string', goSplit(orig, sep))),
    splitn: gf(['string', 'int', 'string'], (sep: string, n: number, orig: string) => {
      const parts = goSplitN(orig, sep, n);
      const res: Record<string, string> = {};
      parts.forEach((p, i) => (res['_' + i] = p));
      return mapOf('string', res);
    }),
    b64enc: gf(['string'], (s: string) => Buffer.from(s).toString('base64')),
    b64dec: gf(['string'], (s: string) => {
      if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return base64Err(s);
      return Buffer.from(s, 'base64').toString('utf8');
    }),
    b32enc: gf(['string'], (s: string) => base32(bytesOf(s))),
    toStrings: gf(['any'], (v: unknown) => sliceOf('string', strslice(v))),
    join: gf(['string', 'any'], (sep: string, v: unknown) => strslice(v).join(sep)),
    hello: gf([], () => 'Hello!'),
    atoi: gf(['string'], (a: string) => {
      const m = /^[+-]?[0-9]+$/.test(a) ? Number(a) : 0;
      return Number.isSafeInteger(m) ? m : 0;
    }),
  };
}

/** Go's strings.Repeat (panics on a negative count). */
function goRepeat(s: string, n: number): string {
  if (n < 0) throw new Error('strings: negative Repeat count');
  return s.repeat(n);
}

function base64Err(s: string): string {
  // Go's CorruptInputError message: illegal base64 data at input byte N
  const by = bytesOf(s);
  let i = 0;
  const valid = (b: number) => (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b === 43 || b === 47;
  for (; i < by.length; i++) if (!valid(by[i]!)) break;
  if (i === by.length) {
    // length not a multiple of 4
    return `illegal base64 data at input byte ${by.length - (by.length % 4 === 1 ? 1 : 0) - (by.length % 4 === 1 ? 0 : 0)}`;
  }
  return `illegal base64 data at input byte ${i}`;
}

function adler32(b: Uint8Array): number {
  let a = 1;
  let c = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    c = (c + a) % 65521;
  }
  return ((c << 16) | a) >>> 0;
}

function base32(b: Uint8Array): string {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let val = 0;
  let out = '';
  for (const x of b) {
    val = (val << 8) | x;
    bits += 8;
    while (bits >= 5) {
      out += alpha[(val >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
  }
  if (bits > 0) out += alpha[(val << (5 - bits)) & 31]!;
  while (out.length % 8) out += '=';
  return out;
}

/** Go's strings.Split. */
function goSplit(s: string, sep: string): string[] {
  if (sep === '') return Array.from(s);
  return s.split(sep);
}
function goSplitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (n < 0) return goSplit(s, sep);
  const all = sep === '' ? Array.from(s) : s.split(sep);
  if (all.length <= n) return all;
  return [...all.slice(0, n - 1), all.slice(n - 1).join(sep)];
}
/** Go's strings.Replace(s, old, new, -1). */
function goReplaceAll(s: string, o: string, n: string): string {
  if (o === '') {
    const r = Array.from(s);
    return n + r.join(n) + (r.length ? n : '');
  }
  return s.split(o).join(n);
}

/** sprig's strslice. */
function strslice(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === null || v === undefined) return [];
  if (v instanceof GoTyped) return [v.s];
  return [strval(v)];
}
