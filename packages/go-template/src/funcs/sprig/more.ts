/**
 * More sprig functions: decimal float arithmetic (`addf add1f subf mulf divf`, shopspring/decimal as sprig uses it),
 * `toDecimal`, `typeIsLike`, the remaining `must*` variants, and `merge`/`mergeOverwrite` (imdario/mergo v0.3.12).
 * @module
 */
import { sprintf } from '../../printf.js';
import { GoNum, GoStruct, GoTyped, isMap, setKey } from '../../value.js';
import { FuncError, gf, type FuncMap } from '../types.js';
import { fromParsedJSON, nilMap, toFloat64, toJSON } from './convert.js';
import { defaultFuncs } from './defaults.js';
import { extraFuncs } from './extra.js';
import { jsonNumberError, jsonSyntaxError } from './jsonscan.js';

// ---- shopspring/decimal (value * 10^exp) ----
interface Dec {
  v: bigint;
  exp: number;
}
const pow10 = (n: number) => 10n ** BigInt(n);

/** decimal.NewFromFloat: the shortest decimal that round-trips (panics on NaN/Inf). */
function decFromFloat(f: number): Dec {
  if (!Number.isFinite(f)) throw new FuncError(`Cannot create a Decimal from ${sprintf('%v', [new GoNum('float64', f)])}`);
  if (f === 0) return { v: 0n, exp: 0 };
  const [m, e] = f.toExponential().split('e') as [string, string];
  const digits = m.replace('-', '').replace('.', '');
  return { v: BigInt((f < 0 ? '-' : '') + digits), exp: Number(e) - (digits.length - 1) };
}
function rescale(d: Dec, exp: number): bigint {
  return d.v * pow10(d.exp - exp);
}
function decAdd(a: Dec, b: Dec): Dec {
  const exp = Math.min(a.exp, b.exp);
  return { v: rescale(a, exp) + rescale(b, exp), exp };
}
function decSub(a: Dec, b: Dec): Dec {
  return decAdd(a, { v: -b.v, exp: b.exp });
}
function decMul(a: Dec, b: Dec): Dec {
  return { v: a.v * b.v, exp: a.exp + b.exp };
}
function decCmp(a: Dec, b: Dec): number {
  const exp = Math.min(a.exp, b.exp);
  const x = rescale(a, exp);
  const y = rescale(b, exp);
  return x < y ? -1 : x > y ? 1 : 0;
}
const sign = (x: bigint) => (x < 0n ? -1 : x > 0n ? 1 : 0);
/** decimal.Div: DivRound(d2, DivisionPrecision = 16). */
function decDiv(d: Dec, d2: Dec): Dec {
  const precision = 16;
  if (d2.v === 0n) throw new FuncError('decimal division by 0');
  const scale = -precision;
  const e = d.exp - d2.exp - scale;
  let aa: bigint;
  let bb: bigint;
  let scalerest: number;
  if (e < 0) {
    aa = d.v;
    bb = d2.v * pow10(-e);
    scalerest = d.exp;
  } else {
    aa = d.v * pow10(e);
    bb = d2.v;
    scalerest = scale + d2.exp;
  }
  const q: Dec = { v: aa / bb, exp: scale };
  const r = aa % bb;
  const r2: Dec = { v: (r < 0n ? -r : r) * 2n, exp: scalerest + precision };
  if (decCmp(r2, { v: d2.v < 0n ? -d2.v : d2.v, exp: d2.exp }) < 0) return q;
  const one: Dec = { v: 1n, exp: -precision };
  return sign(d.v) * sign(d2.v) < 0 ? decSub(q, one) : decAdd(q, one);
}
/** Decimal.Float64: the nearest float64. */
function decFloat(d: Dec): number {
  return Number(`${d.v}e${d.exp}`);
}
/** sprig's execDecimalOp. */
function decimalOp(a: unknown, rest: readonly unknown[], op: (x: Dec, y: Dec) => Dec): GoNum {
  let prt = decFromFloat(toFloat64(a));
  for (const x of rest) prt = op(prt, decFromFloat(toFloat64(x)));
  return new GoNum('float64', decFloat(prt));
}

// ---- mergo ----
/** mergo's isEmptyValue on the dynamic value of an interface. */
function mergoEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return v.length === 0;
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'number') return v === 0;
  if (v instanceof GoNum) return v.v === 0;
  if (v instanceof GoTyped) return v.s.length === 0;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0;
  if (v instanceof GoStruct || typeof v === 'function') return false;
  if (isMap(v)) return Object.keys(v).length === 0;
  return false;
}
const isSlice = (v: unknown) => Array.isArray(v) || v instanceof Uint8Array;

/** mergo's deepMerge of two `map[string]interface{}` values (maps nested in interfaces merge in place). */
function mergoMaps(dst: Record<string, unknown>, src: Record<string, unknown>, overwrite: boolean): void {
  for (const key of Object.keys(src)) {
    const s = src[key];
    const has = Object.hasOwn(dst, key);
    const d = has ? dst[key] : undefined;
    if (s === null || s === undefined) {
      if (overwrite) setKey(dst, key, null);
      continue;
    }
    if (isMap(s)) {
      if (has && isMap(d)) mergoMaps(d, s, overwrite);
      if (has && !mergoEmpty(d)) continue;
    } else if (isSlice(s)) {
      if (has && !mergoEmpty(d)) {
        if (overwrite) setKey(dst, key, s);
        continue;
      }
    } else if (!(overwrite || !has || mergoEmpty(d))) continue;
    setKey(dst, key, s);
  }
}

function merge(overwrite: boolean) {
  return (dst: Record<string, unknown> | null, ...srcs: (Record<string, unknown> | null)[]) => {
    let out = dst;
    for (const src of srcs) {
      if (out === null) {
        if (src === null) continue;
        out = {};
      }
      if (src !== null) mergoMaps(out, src, overwrite);
    }
    return out ?? nilMap();
  };
}

/** toDecimal: fmt.Sprint(v) parsed as an octal int64 (0 on failure). */
function toDecimal(v: unknown): GoNum {
  const s = sprintf('%v', [v]);
  if (!/^[+-]?[0-7]+$/.test(s)) return new GoNum('int64', 0);
  const mag = BigInt('0o' + s.replace(/^[+-]/, ''));
  const n = s.startsWith('-') ? -mag : mag;
  if (n >= 2n ** 63n || n < -(2n ** 63n)) return new GoNum('int64', 0);
  return new GoNum('int64', Number(n));
}

/** Functions. */
export function moreFuncs(): FuncMap {
  const d = defaultFuncs();
  const x = extraFuncs();
  const map = 'map[string]interface {}';
  return {
    add1f: gf(['any'], (i: unknown) => decimalOp(i, [1], decAdd)),
    addf: gf([], (...i: unknown[]) => decimalOp(new GoNum('float64', 0), i, decAdd), 'any'),
    subf: gf(['any'], (a: unknown, ...v: unknown[]) => decimalOp(a, v, decSub), 'any'),
    mulf: gf(['any'], (a: unknown, ...v: unknown[]) => decimalOp(a, v, decMul), 'any'),
    divf: gf(['any'], (a: unknown, ...v: unknown[]) => decimalOp(a, v, decDiv), 'any'),
    toDecimal: gf(['any'], toDecimal),
    typeIsLike: gf(['string', 'any'], (target: string, v: unknown) => {
      const t = sprintf('%T', [v]);
      return target === t || '*' + target === t;
    }),
    // the must* variants return Go's error where the plain ones panic; both read `error calling NAME: MESSAGE`
    mustChunk: x.chunk!,
    mustRegexFind: d.regexFind!,
    mustRegexFindAll: d.regexFindAll!,
    mustRegexReplaceAll: d.regexReplaceAll!,
    mustRegexReplaceAllLiteral: d.regexReplaceAllLiteral!,
    mustRegexSplit: d.regexSplit!,
    mustToPrettyJson: gf(['any'], (v: unknown) => toJSON(v, true, '  ')),
    mustToRawJson: gf(['any'], (v: unknown) => toJSON(v, false)),
    mustFromJson: gf(['string'], (s: string) => {
      const err = jsonSyntaxError(s) ?? jsonNumberError(s);
      if (err !== null) throw new FuncError(err);
      return fromParsedJSON(JSON.parse(s));
    }),
    merge: gf([map], merge(false), map),
    mustMerge: gf([map], merge(false), map),
    mergeOverwrite: gf([map], merge(true), map),
    mustMergeOverwrite: gf([map], merge(true), map),
  };
}
