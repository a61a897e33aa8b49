/**
 * Conversions sprig relies on: `strval`, spf13/cast's `ToInt64`/`ToFloat64`, sprig's `empty`, and Go's `encoding/json`.
 * @module
 */
import { parseFloatGo, parseIntBase0 } from '../../parse/strconv.js';
import { formatFloat, sprintf, strconvFormatFloat } from '../../printf.js';
import { GoNum, GoObject, GoTyped, isMap, setKey, sortedKeys, wrap } from '../../value.js';

/** sprig's `strval`: strings as is, everything else `%v`. */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof GoTyped) return v.s;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return sprintf('%v', [v]);
}

function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const c = s[i - 1];
    if (c === '.') {
      if (foundZero) return s.slice(0, i - 1);
    } else if (c === '0') foundZero = true;
    else return s;
  }
  return s;
}

/** Go's `int64(f)` conversion on amd64: out-of-range values and NaN give the minimum int64. */
function goInt64(f: number): number {
  if (Number.isNaN(f) || f >= 2 ** 63 || f < -(2 ** 63)) return -(2 ** 63);
  return Math.trunc(f);
}

/** spf13/cast `ToInt64` (0 on failure). */
export function toInt64(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return goInt64(v);
  if (v instanceof GoNum) return goInt64(v.v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' || v instanceof GoTyped) {
    const s = String(v);
    const r = parseIntBase0(trimZeroDecimal(s), false);
    return r === null ? 0 : Number(r);
  }
  return 0;
}

/** spf13/cast `ToFloat64` (0 on failure). */
export function toFloat64(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (v instanceof GoNum) return v.v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const r = parseFloatGo(v);
    return r === null ? 0 : r;
  }
  return 0;
}

/** sprig's `empty`. */
export function empty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  switch (typeof v) {
    case 'string':
      return v.length === 0;
    case 'boolean':
      return !v;
    case 'number':
      return v === 0;
    case 'function':
      return false;
  }
  if (v instanceof GoNum) return v.v === 0;
  if (v instanceof GoTyped) return v.s.length === 0;
  if (v instanceof GoObject) return v.same.int === 0;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0;
  if (isMap(v)) return Object.keys(v).length === 0;
  return false;
}

function jsonString(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c < 0x20) {
      if (c === 10) out += '\\n';
      else if (c === 13) out += '\\r';
      else if (c === 9) out += '\\t';
      else out += '\\u00' + c.toString(16).padStart(2, '0');
    } else if (escapeHTML && (c === 0x3c || c === 0x3e || c === 0x26)) out += '\\u00' + c.toString(16);
    else if (c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16);
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += '\\ufffd';
    } else out += s[i]!;
  }
  return out + '"';
}

function jsonFloat(f: number): string {
  if (!Number.isFinite(f)) throw new Error(`json: unsupported value: ${formatFloat(f, 'g')}`);
  const abs = Math.abs(f);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    // Go: strconv 'e' -1, then e-07 -> e-7
    return strconvFormatFloat(f, 'e', -1).replace(/e-0(\d)$/, 'e-$1');
  }
  return strconvFormatFloat(f, 'f', -1);
}

const NIL_MAP = Symbol('nil map');
/** A nil `map[string]interface {}` (what mergo leaves a nil dst): empty, but JSON `null`. */
export function nilMap(): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  Object.defineProperty(m, NIL_MAP, { value: true, enumerable: false });
  return m;
}

/** Go's `json.Marshal` (escapeHTML) / `MarshalIndent`. */
export function toJSON(v: unknown, escapeHTML = true, indent = '', prefix = ''): string {
  v = wrap(v);
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return jsonString(v, escapeHTML);
  if (v instanceof GoTyped) return jsonString(v.s, escapeHTML);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (v instanceof GoNum) return v.kind === 'float64' ? jsonFloat(v.v) : String(v.v);
  if (typeof v === 'function') throw new Error('json: unsupported type: func()');
  if (v instanceof Uint8Array) return '"' + Buffer.from(v).toString('base64') + '"';
  if (v instanceof GoObject) return v.json ? v.json() : '{}';
  const nl = indent ? '\n' + prefix : '';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const inner = prefix + indent;
    const parts = v.map((e) => toJSON(e, escapeHTML, indent, inner));
    if (!indent) return '[' + parts.join(',') + ']';
    return '[\n' + parts.map((p) => inner + p).join(',\n') + nl + ']';
  }
  if (isMap(v)) {
    const keys = sortedKeys(v);
    if (keys.length === 0) return (v as { [NIL_MAP]?: boolean })[NIL_MAP] ? 'null' : '{}';
    const inner = prefix + indent;
    const parts = keys.map((k) => jsonString(k, escapeHTML) + (indent ? ': ' : ':') + toJSON(v[k], escapeHTML, indent, inner));
    if (!indent) return '{' + parts.join(',') + '}';
    return '{\n' + parts.map((p) => inner + p).join(',\n') + nl + '}';
  }
  return 'null';
}

/** Converts parsed JSON to the model as Go's `json.Unmarshal` into `interface{}` would (numbers are float64). */
export function fromParsedJSON(v: unknown): unknown {
  // a number beyond float64 is an UnmarshalTypeError in Go, which leaves nil in its place
  if (typeof v === 'number') return Number.isFinite(v) ? new GoNum('float64', v) : null;
  if (Array.isArray(v)) return v.map(fromParsedJSON);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) setKey(o, k, fromParsedJSON(e));
    return o;
  }
  return v;
}
