/**
 * Go's `encoding/json` syntax check (scanner.go's `checkValid`), for the error messages of `mustFromJson`:
 * `invalid character 'x' looking for beginning of value`, `unexpected end of JSON input`, ...
 * @module
 */
import { sprintf } from '../../printf.js';

/** Go's json quoteChar: a byte as `'c'`. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  const s = sprintf('%q', [String.fromCharCode(c)]);
  return "'" + s.slice(1, -1) + "'";
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

class SyntaxErr extends Error {}

/** Returns null when `src` is valid JSON, else Go's `json.Unmarshal` syntax error message. */
export function jsonSyntaxError(src: string): string | null {
  const b = Buffer.from(src, 'utf8');
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxErr(`invalid character ${quoteChar(b[i]!)} ${what}`);
  };
  // at the end of input Go's scanner steps a ' ': states that reject a space report it
  const eof = (what?: string): never => {
    throw new SyntaxErr(what === undefined ? 'unexpected end of JSON input' : `invalid character ' ' ${what}`);
  };
  const ws = () => {
    while (i < b.length && isSpace(b[i]!)) i++;
  };
  const lit = (word: string, name: string) => {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (i >= b.length) eof(`in literal ${name} (expecting '${word[k]}')`);
      if (b[i] !== word.charCodeAt(k)) fail(`in literal ${name} (expecting '${word[k]}')`);
    }
    i++;
  };
  const str = () => {
    i++; // opening quote
    for (;;) {
      if (i >= b.length) eof();
      const c = b[i]!;
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        i++;
        if (i >= b.length) eof('in string escape code');
        const e = b[i]!;
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= b.length) eof('in \\u hexadecimal character escape');
            if (!isHex(b[i]!)) fail('in \\u hexadecimal character escape');
          }
        } else if (!'bfnrt\\/"'.includes(String.fromCharCode(e))) fail('in string escape code');
        i++;
        continue;
      }
      if (c < 0x20) fail('in string literal');
      i++;
    }
  };
  const num = () => {
    if (b[i] === 0x2d) {
      i++;
      if (i >= b.length) eof('in numeric literal');
      if (!isDigit(b[i]!)) fail('in numeric literal');
    }
    if (b[i] === 0x30) i++;
    else while (i < b.length && isDigit(b[i]!)) i++;
    if (i < b.length && b[i] === 0x2e) {
      i++;
      if (i >= b.length) eof('after decimal point in numeric literal');
      if (!isDigit(b[i]!)) fail('after decimal point in numeric literal');
      while (i < b.length && isDigit(b[i]!)) i++;
    }
    if (i < b.length && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      if (i >= b.length) eof('in exponent of numeric literal');
      if (b[i] === 0x2b || b[i] === 0x2d) {
        i++;
        if (i >= b.length) eof('in exponent of numeric literal');
      }
      if (!isDigit(b[i]!)) fail('in exponent of numeric literal');
      while (i < b.length && isDigit(b[i]!)) i++;
    }
  };
  const value = (): void => {
    ws();
    if (i >= b.length) eof();
    const c = b[i]!;
    if (c === 0x7b) {
      i++;
      ws();
      if (i >= b.length) eof();
      if (b[i] === 0x7d) {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (i >= b.length) eof();
        if (b[i] !== 0x22) fail('looking for beginning of object key string');
        str();
        ws();
        if (i >= b.length) eof();
        if (b[i] !== 0x3a) fail('after object key');
        i++;
        value();
        ws();
        if (i >= b.length) eof();
        if (b[i] === 0x2c) {
          i++;
          continue;
        }
        if (b[i] === 0x7d) {
          i++;
          return;
        }
        fail('after object key:value pair');
      }
    }
    if (c === 0x5b) {
      i++;
      ws();
      if (i >= b.length) eof();
      if (b[i] === 0x5d) {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (i >= b.length) eof();
        if (b[i] === 0x2c) {
          i++;
          continue;
        }
        if (b[i] === 0x5d) {
          i++;
          return;
        }
        fail('after array element');
      }
    }
    if (c === 0x22) {
      str();
      return;
    }
    if (c === 0x2d || isDigit(c)) {
      num();
      return;
    }
    if (c === 0x74) {
      lit('true', 'true');
      return;
    }
    if (c === 0x66) {
      lit('false', 'false');
      return;
    }
    if (c === 0x6e) {
      lit('null', 'null');
      return;
    }
    fail('looking for beginning of value');
  };
  try {
    value();
    ws();
    if (i < b.length) fail('after top-level value');
    return null;
  } catch (e) {
    if (e instanceof SyntaxErr) return e.message;
    throw e;
  }
}

/** Numbers Go's json cannot hold in a float64 (`json: cannot unmarshal number 1e400 into Go value of type float64`). */
export function jsonNumberError(src: string): string | null {
  const re = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/g;
  for (const m of src.matchAll(re)) {
    const t = m[0];
    if (t.startsWith('"')) continue;
    if (!Number.isFinite(Number(t))) return `json: cannot unmarshal number ${t} into Go value of type float64`;
  }
  return null;
}
