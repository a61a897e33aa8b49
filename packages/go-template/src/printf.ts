/**
 * Go's fmt package for the template model: `Sprint`, `Sprintln`, `Sprintf` with the verbs used in practice.
 * @module
 */
import { GoNum, GoObject, GoStruct, GoTyped, isMap, sortedKeys, typeName, wrap } from './value.js';

interface Flags {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number; // -1 = none
  prec: number; // -1 = none
}

const NO_FLAGS: Flags = { minus: false, plus: false, sharp: false, space: false, zero: false, width: -1, prec: -1 };

const enc = new TextEncoder();

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

function pad(s: string, f: Flags, zeroOk = false): string {
  if (f.width < 0) return s;
  const n = f.width - runeCount(s);
  if (n <= 0) return s;
  if (f.minus) return s + ' '.repeat(n);
  if (f.zero) {
    // numbers: zeros go after the sign; everything else (Go 1.19) is zero-padded on the left too
    if (zeroOk && (s[0] === '-' || s[0] === '+' || s[0] === ' ')) return s[0] + '0'.repeat(n) + s.slice(1);
    return '0'.repeat(n) + s;
  }
  return ' '.repeat(n) + s;
}

/** Go's `strconv.Quote` (or QuoteToASCII with `ascii`). */
function quoteGo(s: string, ascii = false, q = '"'): string {
  let out = q;
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') {
      out += '\\' + ch;
      continue;
    }
    if (ascii ? r < 0x7f && r >= 0x20 : isPrint(r)) {
      out += ch;
      continue;
    }
    switch (ch) {
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (r < 0x20 || r === 0x7f) out += '\\x' + r.toString(16).padStart(2, '0');
    else if (r >= 0xd800 && r <= 0xdfff) out += '\\ufffd';
    else if (r < 0x10000) out += '\\u' + r.toString(16).padStart(4, '0');
    else out += '\\U' + r.toString(16).padStart(8, '0');
  }
  return out + q;
}

const printRe = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
/** Go's `unicode.IsPrint` (letters, marks, numbers, punctuation, symbols and ASCII space). */
export function isPrint(r: number): boolean {
  if (r === 0x20) return true;
  if (r < 0x20 || r === 0x7f) return false;
  if (r < 0x7f) return true;
  return printRe.test(String.fromCodePoint(r));
}

// ---- floats ----

/** Shortest digits and decimal exponent of a finite positive number: value = 0.d1d2... * 10^dp. */
function shortest(x: number): { d: string; dp: number } {
  const e = x.toExponential(); // shortest round-trip digits
  const [m, ex] = e.split('e') as [string, string];
  const d = m.replace('.', '');
  return { d, dp: Number(ex) + 1 };
}

/** Exact decimal digits rounded to `nd` significant digits with round-half-even on the exact binary value. */
function roundDigits(x: number, nd: number): { d: string; dp: number } {
  if (x === 0) return { d: '0'.repeat(Math.max(nd, 1)), dp: 1 };
  const ex = exactDecimal(x); // digits, dp of exact value
  if (ex.d.length <= nd) return { d: ex.d.padEnd(nd, '0'), dp: ex.dp };
  return roundAt(ex.d, ex.dp, nd);
}

function roundAt(digits: string, dp: number, nd: number): { d: string; dp: number } {
  if (nd < 0) return { d: '', dp };
  let head = digits.slice(0, nd);
  const rest = digits.slice(nd);
  let up: boolean;
  if (rest[0]! > '5') up = true;
  else if (rest[0]! < '5') up = false;
  else if (/[1-9]/.test(rest.slice(1))) up = true;
  else up = nd > 0 ? (Number(head[nd - 1]) & 1) === 1 : false; // half-even
  if (up) {
    const arr = head.split('');
    let i = arr.length - 1;
    for (; i >= 0; i--) {
      if (arr[i] === '9') arr[i] = '0';
      else {
        arr[i] = String(Number(arr[i]) + 1);
        break;
      }
    }
    head = arr.join('');
    if (i < 0) {
      head = '1' + head.slice(0, Math.max(0, nd - 1));
      if (nd === 0) head = '1';
      dp++;
      if (nd === 0) return { d: '1', dp };
    }
  }
  return { d: head, dp };
}

/** Exact decimal expansion of a finite positive double. */
function exactDecimal(x: number): { d: string; dp: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  let digits: string;
  let dp: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    dp = digits.length;
  } else {
    // mant / 2^-e2 = mant * 5^-e2 / 10^-e2
    const s = (mant * 5n ** BigInt(-e2)).toString();
    digits = s;
    dp = s.length + e2;
  }
  digits = digits.replace(/0+$/, '');
  const lead = digits.match(/^0*/)![0].length;
  return { d: digits.slice(lead), dp: dp - lead };
}

function fmtE(d: string, dp: number, prec: number, upper: boolean, sharp: boolean): string {
  let s = d[0] ?? '0';
  const frac = d.slice(1);
  if (prec < 0 ? frac.length > 0 : prec > 0) s += '.' + (prec < 0 ? frac : frac.padEnd(prec, '0').slice(0, prec));
  else if (sharp) s += '.';
  const exp = d === '0' || /^0+$/.test(d) ? 0 : dp - 1;
  const ae = Math.abs(exp);
  return s + (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' : '') + ae;
}

function fmtF(d: string, dp: number, prec: number, sharp = false): string {
  // d digits, value = 0.d * 10^dp
  let intPart: string;
  let frac: string;
  if (dp <= 0) {
    intPart = '0';
    frac = '0'.repeat(-dp) + d;
  } else if (dp >= d.length) {
    intPart = d + '0'.repeat(dp - d.length);
    frac = '';
  } else {
    intPart = d.slice(0, dp);
    frac = d.slice(dp);
  }
  intPart = intPart.replace(/^0+(?=\d)/, '');
  if (prec < 0) return frac ? intPart + '.' + frac : intPart;
  frac = frac.padEnd(prec, '0').slice(0, prec);
  return prec > 0 ? intPart + '.' + frac : sharp ? intPart + '.' : intPart;
}

/** Go's strconv.FormatFloat(x, verb, prec, 64) for finite x >= 0 (sign handled by caller). */
function formatAbs(x: number, verb: string, prec: number, sharp: boolean): string {
  const upper = verb === 'E' || verb === 'G';
  const v = verb.toLowerCase();
  if (v === 'e') {
    if (prec < 0) {
      const { d, dp } = x === 0 ? { d: '0', dp: 1 } : shortest(x);
      return fmtE(d, dp, -1, upper, sharp);
    }
    const { d, dp } = roundDigits(x, prec + 1);
    return fmtE(d, dp, prec, upper, sharp);
  }
  if (v === 'f') {
    if (prec < 0) {
      const { d, dp } = x === 0 ? { d: '0', dp: 1 } : shortest(x);
      return fmtF(d, dp, -1);
    }
    if (x === 0) return fmtF('0', 1, prec, sharp);
    const ex = exactDecimal(x);
    const nd = ex.dp + prec;
    if (nd < 0) return fmtF('0', 1, prec, sharp);
    const r = ex.d.length <= nd ? { d: ex.d, dp: ex.dp } : roundAt(ex.d, ex.dp, nd);
    if (r.d === '') return fmtF('0', 1, prec, sharp);
    return fmtF(r.d, r.dp, prec, sharp);
  }
  // g
  let digs: { d: string; dp: number };
  // eslint-disable-next-line no-useless-assignment -- initialised as in Go's strconv %g; each branch below narrows it.
  let eprec = prec;
  const shortestMode = prec < 0;
  if (x === 0) digs = { d: '0', dp: 1 };
  else if (shortestMode) digs = shortest(x);
  else {
    if (prec === 0) prec = 1;
    digs = roundDigits(x, prec);
    digs = { d: digs.d.replace(/0+$/, '') || '0', dp: digs.dp };
  }
  if (shortestMode) eprec = 6;
  else {
    eprec = prec;
    if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
  }
  if (sharp) eprec = shortestMode ? 6 : prec;
  const exp = digs.dp - 1;
  if (exp < -4 || exp >= eprec) {
    let p = shortestMode ? digs.d.length - 1 : Math.max(digs.d.length - 1, 0);
    if (sharp && !shortestMode) p = prec - 1;
    return fmtE(digs.d.padEnd(p + 1, '0'), digs.dp, p, upper, sharp);
  }
  let p = shortestMode ? Math.max(digs.d.length - digs.dp, 0) : Math.max(digs.d.length - digs.dp, 0);
  if (sharp && !shortestMode) p = Math.max(prec - digs.dp, 0);
  return fmtF(digs.d, digs.dp, p, sharp);
}

/** Go's %x/%X of a finite float64 >= 0: hexadecimal mantissa and binary exponent (strconv 'x'). */
function formatHexFloat(x: number, prec: number, upper: boolean): string {
  let mant = 0n;
  let exp = 0;
  if (x !== 0) {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, x);
    const hi = dv.getUint32(0);
    const lo = dv.getUint32(4);
    const e = (hi >>> 20) & 0x7ff;
    mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    if (e === 0) {
      exp = -1022;
      while (!(mant & (1n << 52n))) {
        mant <<= 1n;
        exp--;
      }
    } else {
      mant |= 1n << 52n;
      exp = e - 1023;
    }
  }
  // mant has 53 bits: 1.xxxx (52 fraction bits = 13 hex digits)
  let frac = mant & ((1n << 52n) - 1n);
  let lead = mant >> 52n;
  let digits = 13;
  if (prec >= 0 && prec < 13) {
    const shift = BigInt(4 * (13 - prec));
    const half = 1n << (shift - 1n);
    const rem = frac & ((1n << shift) - 1n);
    frac >>= shift;
    if (rem > half || (rem === half && (frac & 1n) === 1n)) frac += 1n;
    if (frac >> BigInt(4 * prec) > 0n) {
      frac &= (1n << BigInt(4 * prec)) - 1n;
      lead += 1n;
      if (lead === 2n) {
        lead = 1n;
        exp++;
      }
    }
    digits = prec;
  }
  let hex = digits > 0 ? frac.toString(16).padStart(digits, '0') : '';
  if (prec < 0) hex = hex.replace(/0+$/, '');
  else hex = hex.padEnd(prec, '0');
  const ae = Math.abs(exp);
  let out = '0x' + lead.toString(16) + (hex ? '.' + hex : '') + 'p' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' : '') + ae;
  if (x === 0) out = '0x0' + (prec > 0 ? '.' + '0'.repeat(prec) : '') + 'p+00';
  return upper ? out.toUpperCase() : out;
}

/** Go's strconv 'b' format: decimal mantissa and binary exponent. */
function formatBinaryFloat(x: number): string {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (e === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = e - 1075;
  }
  return `${mant}p${exp >= 0 ? '+' : '-'}${Math.abs(exp)}`;
}

/** Go's strconv.FormatFloat(x, verb, prec, 64) (prec -1 = shortest). */
export function strconvFormatFloat(x: number, verb: string, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let s: string;
  if (verb === 'b') s = formatBinaryFloat(ax);
  else if (verb === 'x' || verb === 'X') s = formatHexFloat(ax, prec, verb === 'X');
  else s = formatAbs(ax, verb === 'F' ? 'f' : verb, prec, false);
  return neg ? '-' + s : s;
}

/** Formats a float64 as Go's fmt does with verb (v b e E f F g G x X) and flags (fmt.fmtFloat). */
export function formatFloat(x: number, verb: string, f: Flags = NO_FLAGS): string {
  const v = verb === 'v' ? 'g' : verb;
  const defPrec = v === 'e' || v === 'E' || v === 'f' || v === 'F' ? 6 : -1;
  const prec = f.prec >= 0 ? f.prec : defPrec;
  let num = strconvFormatFloat(x, v, prec);
  if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
  if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
  if (num[1] === 'I' || num[1] === 'N') {
    if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
    return pad(num, { ...f, zero: false });
  }
  if (f.sharp && v !== 'b') {
    let digits = 0;
    if (v === 'g' || v === 'G' || v === 'x') digits = prec === -1 ? 6 : prec;
    let tail = '';
    let hasDecimalPoint = false;
    let sawNonzeroDigit = false;
    let body = num;
    for (let k = 1; k < body.length; k++) {
      const c = body[k]!;
      if (c === '.') hasDecimalPoint = true;
      else if (c === 'p' || c === 'P') {
        tail = body.slice(k);
        body = body.slice(0, k);
        break;
      } else if ((c === 'e' || c === 'E') && v !== 'x' && v !== 'X') {
        tail = body.slice(k);
        body = body.slice(0, k);
        break;
      } else {
        if (c !== '0') sawNonzeroDigit = true;
        if (sawNonzeroDigit) digits--;
      }
    }
    if (!hasDecimalPoint) {
      if (body.length === 2 && body[1] === '0') digits--;
      body += '.';
    }
    while (digits > 0) {
      body += '0';
      digits--;
    }
    num = body + tail;
  }
  if (f.plus || num[0] !== '+') {
    if (f.zero && f.width >= 0 && f.width > runeCount(num)) return num[0]! + '0'.repeat(f.width - runeCount(num)) + num.slice(1);
    return pad(num, f);
  }
  return pad(num.slice(1), f);
}

// ---- integers ----

function formatInt(n: number, verb: string, f: Flags, kind: string): string {
  if ((verb === 'v' || verb === 'd') && f === NO_FLAGS) return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  let base = 10;
  switch (verb) {
    case 'd':
    case 'v':
      break;
    case 'b':
      base = 2;
      break;
    case 'o':
    case 'O':
      base = 8;
      break;
    case 'x':
    case 'X':
      base = 16;
      break;
    case 'c':
      return pad(String.fromCodePoint(validRune(n)), f);
    case 'q':
      return pad(quoteRune(validRune(n), f.plus), f);
    case 'U': {
      let s = 'U+' + (n < 0 ? BigInt.asUintN(64, BigInt(n)) : BigInt(n)).toString(16).toUpperCase().padStart(4, '0');
      if (f.sharp && isPrint(n)) s += " '" + String.fromCodePoint(n) + "'";
      return pad(s, f);
    }
    default:
      return badVerb(verb, n, kind);
  }
  const neg = n < 0;
  let digits = BigInt(Math.abs(n)).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  if (f.prec >= 0) {
    if (f.prec === 0 && n === 0) digits = '';
    digits = digits.padStart(f.prec, '0');
  }
  if (f.sharp) {
    if (base === 16) digits = (verb === 'X' ? '0X' : '0x') + digits;
    else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
    else if (base === 2) digits = '0b' + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  let s = digits;
  if (neg) s = '-' + s;
  else if (f.plus) s = '+' + s;
  else if (f.space) s = ' ' + s;
  if (f.zero && !f.minus && f.width >= 0 && f.prec < 0) {
    // zero padding after sign (and prefix handled naively)
    const signLen = neg || f.plus || f.space ? 1 : 0;
    const body = s.slice(signLen);
    const w = f.width - signLen;
    return s.slice(0, signLen) + body.padStart(w, '0');
  }
  return pad(s, { ...f, zero: false });
}

function validRune(n: number): number {
  if (n < 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return 0xfffd;
  return n;
}

function quoteRune(r: number, ascii: boolean): string {
  if (r === 0x27) return "'\\''";
  if (r === 0x22) return `'"'`;
  const q = quoteGo(String.fromCodePoint(r), ascii, "'");
  return q;
}

let badFlags: Flags = NO_FLAGS;

function badVerb(verb: string, v: unknown, type?: string): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  // Go prints the operand with %v and the directive's flags, width and precision.
  return `%!${verb}(${type ?? typeName(v)}=${fmtValue(v, 'v', badFlags, 0)})`;
}

// ---- strings ----

function formatString(s: string, verb: string, f: Flags, type: string): string {
  switch (verb) {
    case 'v':
    case 's': {
      if (f.prec >= 0) s = Array.from(s).slice(0, f.prec).join('');
      return pad(s, f);
    }
    case 'q': {
      if (f.prec >= 0) s = Array.from(s).slice(0, f.prec).join('');
      if (f.sharp && canBackquote(s)) return pad('`' + s + '`', f);
      return pad(quoteGo(s, f.plus), f);
    }
    case 'x':
    case 'X': {
      let bytes = enc.encode(s);
      if (f.prec >= 0) bytes = bytes.slice(0, f.prec);
      const parts: string[] = [];
      for (const b of bytes) {
        let h = b.toString(16).padStart(2, '0');
        if (verb === 'X') h = h.toUpperCase();
        if (f.sharp) h = (verb === 'X' ? '0X' : '0x') + h;
        parts.push(h);
      }
      let out: string;
      if (f.space) out = parts.join(' ');
      else if (f.sharp) out = (parts.length ? (verb === 'X' ? '0X' : '0x') : '') + parts.map((p) => p.slice(2)).join('');
      else out = parts.join('');
      return pad(out, f);
    }
  }
  return badVerb(verb, s, type);
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    if (ch === '`' || ch === '\ufeff') return false;
    const r = ch.codePointAt(0)!;
    if (r < 0x20 && ch !== '\t') return false;
    if (r === 0x7f) return false;
  }
  return true;
}

/** Formats one operand with a verb, recursing into slices and maps as Go's fmt does. */
function fmtValue(v: unknown, verb: string, f: Flags, depth: number): string {
  badFlags = f;
  if (verb === 'T') return pad(v === undefined || v === null ? '<nil>' : typeName(v), f);
  if (v === undefined || v === null) {
    if (depth > 0) return '<nil>';
    if (verb === 'v') return pad('<nil>', f);
    return badVerb(verb, null);
  }
  if (typeof v === 'number' && Number.isSafeInteger(v)) return formatInt(v, verb, f, 'int');
  if (typeof v === 'number') v = wrap(v);
  if (v instanceof GoNum) {
    if (v.kind === 'float64') {
      if ('beEfFgGvxX'.includes(verb)) return formatFloat(v.v, verb, f);
      return badVerb(verb, v);
    }
    if (v.kind === 'uint8' && verb === 'v') return formatInt(v.v, 'd', f, v.kind);
    return formatInt(v.v, verb, f, v.kind);
  }
  if (typeof v === 'string') return formatString(v, verb, f, 'string');
  if (v instanceof GoTyped) return formatString(v.s, verb, f, 'template.' + v.type);
  if (typeof v === 'boolean') {
    if (verb === 'v' || verb === 't') return pad(v ? 'true' : 'false', f);
    return badVerb(verb, v);
  }
  if (typeof v === 'function') {
    if (verb === 'v' || verb === 'p') return pad('0xc000010000', f);
    return badVerb(verb, v);
  }
  if (Array.isArray(v)) {
    if (f.sharp && verb === 'v') return goSyntax(v);
    const parts = v.map((e) => fmtValue(wrap(e), verb, f, depth + 1));
    return '[' + parts.join(' ') + ']';
  }
  if (v instanceof GoStruct) {
    // fmt prints a pointer to a struct as &{...} at the top level, as an address below.
    if (depth > 0) return pad('0xc000010000', f);
    return (
      '&{' +
      Object.values(v.fields)
        .map((e) => fmtValue(wrap(e), verb, f, depth + 1))
        .join(' ') +
      '}'
    );
  }
  if (v instanceof GoObject) return v.same.int !== undefined && !'vsxXq'.includes(verb) ? formatInt(v.same.int, verb, f, v.type) : formatString(v.str(), verb, f, v.type);
  if (v instanceof Uint8Array) {
    if (verb === 's' || verb === 'q' || verb === 'x' || verb === 'X') return formatString(Buffer.from(v).toString('latin1'), verb, f, '[]uint8');
    return '[' + Array.from(v, (b) => formatInt(b, verb, f, 'uint8')).join(' ') + ']';
  }
  if (isMap(v)) {
    if (f.sharp && verb === 'v') return goSyntax(v);
    const parts = sortedKeys(v).map((k) => fmtValue(k, verb, f, depth + 1) + ':' + fmtValue(wrap(v[k]), verb, f, depth + 1));
    return 'map[' + parts.join(' ') + ']';
  }
  return pad(String(v), f);
}

/** A struct pointer printed through its pointee (`{a b}`), as text/template's printValue and html/template's stringify do. */
export function formatStructValue(v: GoStruct): string {
  return (
    '{' +
    Object.values(v.fields)
      .map((e) => fmtValue(wrap(e), 'v', NO_FLAGS, 1))
      .join(' ') +
    '}'
  );
}

function goSyntax(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return quoteGo(v);
  if (Array.isArray(v)) return typeName(v) + '{' + v.map((e) => goSyntax(wrap(e))).join(', ') + '}';
  if (isMap(v))
    return (
      typeName(v) +
      '{' +
      sortedKeys(v)
        .map((k) => quoteGo(k) + ':' + goSyntax(wrap(v[k])))
        .join(', ') +
      '}'
    );
  return fmtValue(v, 'v', NO_FLAGS, 0);
}

/** Go's `fmt.Sprint`: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string' && !(a instanceof GoTyped) && !(args[i - 1] instanceof GoTyped)) out += ' ';
    out += fmtValue(a, 'v', NO_FLAGS, 0);
  }
  return out;
}

/** Go's `fmt.Sprintln`. */
export function sprintln(args: readonly unknown[]): string {
  return args.map((a) => fmtValue(a, 'v', NO_FLAGS, 0)).join(' ') + '\n';
}

/** Formats a single value as `%v` (what `{{.}}` prints). */
export function formatV(v: unknown): string {
  return fmtValue(v, 'v', NO_FLAGS, 0);
}

function parsenum(s: string, start: number, end: number): [number, boolean, number] {
  let num = 0;
  let isnum = false;
  let i = start;
  for (; i < end && s[i]! >= '0' && s[i]! <= '9'; i++) {
    if (num > 1e6 || num < -1e6) return [0, false, end];
    num = num * 10 + (s.charCodeAt(i) - 48);
    isnum = true;
  }
  return [num, isnum, i];
}

function intFromArg(a: readonly unknown[], argNum: number): [number, boolean, number] {
  let num = 0;
  let isInt = false;
  let newArgNum = argNum;
  if (argNum < a.length) {
    const v = a[argNum];
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      num = v;
      isInt = true;
    } else if (v instanceof GoNum && v.kind !== 'float64') {
      num = v.v;
      isInt = true;
    }
    newArgNum = argNum + 1;
    if (num > 1e6 || num < -1e6) {
      num = 0;
      isInt = false;
    }
  }
  return [num, isInt, newArgNum];
}

/** Go's `fmt.Sprintf` (doPrintf). */
export function sprintf(format: string, a: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let afterIndex = false;
  let reordered = false;
  // eslint-disable-next-line no-useless-assignment -- initialised as in Go's fmt.doPrintf; every verb resets it.
  let goodArgNum = true;
  const end = format.length;
  const argNumber = (i: number): number => {
    // returns new i; updates argNum/afterIndex/reordered/goodArgNum
    if (end <= i || format[i] !== '[') {
      afterIndex = false;
      return i;
    }
    reordered = true;
    let wid = 1;
    let ok = false;
    let index = 0;
    const rest = format.slice(i);
    if (rest.length >= 3) {
      for (let k = 1; k < rest.length; k++) {
        if (rest[k] === ']') {
          const [w, okN, newi] = parsenum(rest, 1, k);
          if (!okN || newi !== k) {
            wid = k + 1;
            ok = false;
          } else {
            index = w - 1;
            wid = k + 1;
            ok = true;
          }
          break;
        }
      }
    }
    if (ok && index >= 0 && index < a.length) {
      argNum = index;
      afterIndex = true;
      return i + wid;
    }
    goodArgNum = false;
    afterIndex = ok;
    return i + wid;
  };
  let i = 0;
  while (i < end) {
    goodArgNum = true;
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { minus: false, plus: false, sharp: false, space: false, zero: false, width: -1, prec: -1 };
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    i = argNumber(i);
    if (i < end && format[i] === '*') {
      i++;
      let ok: boolean;
      [f.width, ok, argNum] = intFromArg(a, argNum);
      if (!ok) {
        out += '%!(BADWIDTH)';
        f.width = -1;
      } else if (f.width < 0) {
        f.width = -f.width;
        f.minus = true;
        f.zero = false;
      }
      afterIndex = false;
    } else {
      const [w, present, ni] = parsenum(format, i, end);
      i = ni;
      if (present) {
        f.width = w;
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- argNumber() sets it, a closure call TypeScript's narrowing does not see.
        if (afterIndex) goodArgNum = false;
      }
    }
    if (i + 1 < end && format[i] === '.') {
      i++;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- argNumber() sets it, a closure call TypeScript's narrowing does not see.
      if (afterIndex) goodArgNum = false;
      i = argNumber(i);
      if (i < end && format[i] === '*') {
        i++;
        let ok: boolean;
        [f.prec, ok, argNum] = intFromArg(a, argNum);
        if (f.prec < 0) {
          f.prec = -1;
          ok = false;
        }
        if (!ok) {
          out += '%!(BADPREC)';
          f.prec = -1;
        }
        afterIndex = false;
      } else {
        const [pr, present, ni] = parsenum(format, i, end);
        i = ni;
        f.prec = present ? pr : 0;
      }
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- argNumber() sets it, a closure call TypeScript's narrowing does not see.
    if (!afterIndex) i = argNumber(i);
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const cp = format.codePointAt(i)!;
    const verb = String.fromCodePoint(cp);
    i += verb.length;
    if (verb === '%') out += '%';
    else if (!goodArgNum) out += `%!${verb}(BADINDEX)`;
    else if (argNum >= a.length) out += `%!${verb}(MISSING)`;
    else {
      const arg = a[argNum++];
      if (verb === 'v') {
        // %#v is Go syntax, %+v moves plus to struct-field syntax (no effect here)
        if (f.sharp) {
          f.sharp = false;
          out += pad(arg === null || arg === undefined ? '<nil>' : goSyntax(arg), f);
          continue;
        }
        f.plus = false;
      }
      out += verb === 'w' ? badVerb(verb, arg) : fmtValue(arg, verb, f, 0);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- argNumber() sets it, a closure call TypeScript's narrowing does not see.
  if (!reordered && argNum < a.length) {
    out +=
      '%!(EXTRA ' +
      a
        .slice(argNum)
        .map((x) => (x === null || x === undefined ? '<nil>' : typeName(x) + '=' + fmtValue(x, 'v', NO_FLAGS, 0)))
        .join(', ') +
      ')';
  }
  return out;
}
