/**
 * The parts of Go's strconv the parser needs: Unquote, UnquoteChar, ParseInt/ParseUint/ParseFloat (base 0).
 * @module
 */

/** Thrown for strconv syntax errors (Go's `strconv.ErrSyntax`, message "invalid syntax"). */
export class SyntaxErr extends Error {
  constructor() {
    super('invalid syntax');
  }
}

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** Go's strconv.UnquoteChar: returns [decoded, rest]. */
export function unquoteChar(s: string, quote: string): [string, string] {
  const c = s[0];
  if (c === undefined) throw new SyntaxErr();
  if (c === quote && (quote === "'" || quote === '"')) throw new SyntaxErr();
  if (c !== '\\') {
    const cp = s.codePointAt(0)!;
    const ch = String.fromCodePoint(cp);
    return [ch, s.slice(ch.length)];
  }
  if (s.length <= 1) throw new SyntaxErr();
  const e = s[1]!;
  s = s.slice(2);
  if (SIMPLE[e] !== undefined) return [SIMPLE[e], s];
  switch (e) {
    case 'x':
    case 'u':
    case 'U': {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      if (s.length < n) throw new SyntaxErr();
      const hex = s.slice(0, n);
      if (!/^[0-9a-fA-F]+$/.test(hex)) throw new SyntaxErr();
      const v = parseInt(hex, 16);
      s = s.slice(n);
      if (e === 'x') return [String.fromCharCode(v), s];
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new SyntaxErr();
      return [String.fromCodePoint(v), s];
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      const oct = e + s.slice(0, 2);
      if (!/^[0-7]{3}$/.test(oct)) throw new SyntaxErr();
      const v = parseInt(oct, 8);
      if (v > 255) throw new SyntaxErr();
      return [String.fromCharCode(v), s.slice(2)];
    }
    case "'":
    case '"':
      if (e !== quote) throw new SyntaxErr();
      return [e, s];
  }
  throw new SyntaxErr();
}

/** Go's strconv.Unquote for "..." `...` and '...'. */
export function unquote(s: string): string {
  const n = s.length;
  if (n < 2) throw new SyntaxErr();
  const q = s[0]!;
  if (q !== s[n - 1]) throw new SyntaxErr();
  let body = s.slice(1, n - 1);
  if (q === '`') {
    if (body.includes('`')) throw new SyntaxErr();
    return body.replace(/\r/g, '');
  }
  if (q !== '"' && q !== "'") throw new SyntaxErr();
  if (body.includes('\n')) throw new SyntaxErr();
  if (!body.includes('\\') && !body.includes(q)) {
    if (q === '"') return body;
    if (Array.from(body).length === 1) return body;
  }
  let out = '';
  while (body.length > 0) {
    const [c, rest] = unquoteChar(body, q);
    out += c;
    body = rest;
    if (q === "'" && body.length !== 0) throw new SyntaxErr();
  }
  if (q === "'" && out.length === 0) throw new SyntaxErr();
  return out;
}

function underscoreOK(s: string): boolean {
  // Go's strconv.underscoreOK
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** Go's ParseInt(s, 0, 64) / ParseUint(s, 0, 64): a bigint or null on any error. */
export function parseIntBase0(s: string, unsigned: boolean): bigint | null {
  let neg = false;
  let t = s;
  if (!unsigned && (t[0] === '+' || t[0] === '-')) {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  if (t.length === 0) return null;
  let base = 10;
  let digits = t;
  if (t[0] === '0') {
    if (t.length >= 2 && (t[1] === 'x' || t[1] === 'X')) {
      base = 16;
      digits = t.slice(2);
    } else if (t.length >= 2 && (t[1] === 'o' || t[1] === 'O')) {
      base = 8;
      digits = t.slice(2);
    } else if (t.length >= 2 && (t[1] === 'b' || t[1] === 'B')) {
      base = 2;
      digits = t.slice(2);
    } else {
      base = 8;
      digits = t.slice(1);
      if (digits.length === 0) return 0n;
    }
  }
  if (digits.includes('_') && !underscoreOK(t)) return null;
  digits = digits.replace(/_/g, '');
  if (digits.length === 0) return null;
  const valid = base === 16 ? /^[0-9a-fA-F]+$/ : base === 10 ? /^[0-9]+$/ : base === 8 ? /^[0-7]+$/ : /^[01]+$/;
  if (!valid.test(digits)) return null;
  let v = 0n;
  const B = BigInt(base);
  for (const ch of digits) v = v * B + BigInt(parseInt(ch, 16));
  if (neg) v = -v;
  if (unsigned) {
    if (v > 0xffffffffffffffffn) return null;
  } else if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n) return null;
  return v;
}

/** Go's ParseFloat(s, 64): a number or null on syntax error (overflow gives null too, as Go reports an error). */
export function parseFloatGo(s: string): number | null {
  let t = s;
  if (t.includes('_')) {
    if (!underscoreOK(t)) return null;
    t = t.replace(/_/g, '');
  }
  let sign = 1;
  if (t[0] === '+' || t[0] === '-') {
    if (t[0] === '-') sign = -1;
    t = t.slice(1);
  }
  if (/^0[xX]/.test(t)) {
    const m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(t);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return null;
    const mant = parseInt((m[1] || '0') + (m[2] ?? ''), 16);
    const v = mant * Math.pow(2, Number(m[3]) - 4 * (m[2] ?? '').length);
    return Number.isFinite(v) ? sign * v : null;
  }
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(t)) return null;
  const v = Number(t);
  if (!Number.isFinite(v)) return null;
  return sign * v;
}
