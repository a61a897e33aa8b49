/**
 * text/template's builtin functions (Go 1.19 semantics and messages).
 * @module
 */
import { sprint, sprintf, sprintln } from '../printf.js';
import { basicKind, byteLen, GoNum, GoObject, GoTyped, isMap, isTrue, numVal, typeName, wrap, type BasicKind } from '../value.js';
import { evalArgs, htmlEscapeString, jsEscapeString, queryEscape } from './escapers.js';
import { FuncError, gf, type FuncMap } from './types.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Go's truth of a reflect.Value argument. */
export function truth(v: unknown): boolean {
  return isTrue(v)[0];
}

function indexArg(index: unknown, cap: number): number {
  const k = basicKind(index);
  if (index === undefined || index === null) throw new FuncError('cannot index slice/array with nil');
  if (k !== 'int' && k !== 'uint') throw new FuncError(`cannot index slice/array with type ${typeName(index)}`);
  const x = numVal(index);
  if (x < 0 || x > cap) throw new FuncError(`index out of range: ${x}`);
  return x;
}

function prepareMapKey(index: unknown): string {
  if (index === undefined || index === null) throw new FuncError('value is nil; should be of type string');
  if (typeof index === 'string') return index;
  if (index instanceof GoTyped) throw new FuncError(`value has type ${typeName(index)}; should be string`);
  throw new FuncError(`value has type ${typeName(index)}; should be string`);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  for (const ix of indexes) {
    if (item === null || item === undefined) throw new FuncError('index of nil pointer');
    if (typeof item === 'string' || item instanceof GoTyped) {
      const bytes = enc.encode(String(item));
      const x = indexArg(ix, bytes.length);
      if (x === bytes.length) throw new FuncError('reflect: string index out of range');
      item = new GoNum('uint8', bytes[x]!);
    } else if (Array.isArray(item)) {
      const x = indexArg(ix, item.length);
      if (x === item.length) throw new FuncError('reflect: slice index out of range');
      item = wrap(item[x]);
    } else if (isMap(item)) {
      const key = prepareMapKey(ix);
      item = Object.hasOwn(item, key) ? wrap(item[key]) : null;
      if (item === undefined) item = null;
    } else throw new FuncError(`can't index item of type ${typeName(item)}`);
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  let len: number;
  let bytes: Uint8Array | null = null;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
    bytes = enc.encode(item);
    len = bytes.length;
  } else if (Array.isArray(item)) len = item.length;
  else throw new FuncError(`can't slice item of type ${typeName(item)}`);
  const idx = [0, len, 0];
  indexes.forEach((ix, i) => {
    idx[i] = indexArg(ix, len);
  });
  if (idx[0]! > idx[1]!) throw new FuncError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new FuncError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (bytes) return dec.decode(bytes.subarray(idx[0], idx[1]));
  return (item as unknown[]).slice(idx[0], idx[1]);
}

function length(item: unknown): number {
  if (item === undefined) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  if (item === null) throw new FuncError('len of nil pointer');
  if (typeof item === 'string') return byteLen(item);
  if (item instanceof GoTyped) return byteLen(item.s);
  if (Array.isArray(item) || item instanceof Uint8Array) return item.length;
  if (isMap(item)) return Object.keys(item).length;
  throw new FuncError(`len of type ${typeName(item)}`);
}

function call(fn: unknown, ...args: unknown[]): unknown {
  if (fn === undefined || fn === null) throw new FuncError('call of nil');
  if (typeof fn !== 'function') throw new FuncError(`non-function of type ${typeName(fn)}`);
  return wrap((fn as (...a: unknown[]) => unknown)(...args.map(toJS)));
}

/** Converts a model value back to plain JS (for caller-supplied functions). */
export function toJS(v: unknown): unknown {
  if (v instanceof GoNum) return v.v;
  if (v instanceof GoTyped) return v.s;
  return v;
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';

function cmpKind(v: unknown): BasicKind {
  if (v === null || v === undefined) return 'invalid';
  return basicKind(v);
}

function strOf(v: unknown): string {
  return v instanceof GoTyped ? v.s : (v as string);
}

function isNilish(v: unknown): boolean {
  return v === undefined || v === null;
}

/** Go's `eq`. */
function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  if (arg2.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = cmpKind(arg1);
  for (const arg of arg2) {
    const k2 = cmpKind(arg);
    let t = false;
    if (k1 !== k2) {
      if (k1 === 'int' && k2 === 'uint') t = numVal(arg1) >= 0 && numVal(arg1) === numVal(arg);
      else if (k1 === 'uint' && k2 === 'int') t = numVal(arg) >= 0 && numVal(arg1) === numVal(arg);
      else if (!isNilish(arg1) && !isNilish(arg)) throw new FuncError(errBadComparison);
    } else {
      switch (k1) {
        case 'bool':
          t = arg1 === arg;
          break;
        case 'float':
        case 'int':
        case 'uint':
          t = numVal(arg1) === numVal(arg);
          break;
        case 'string':
          t = strOf(arg1) === strOf(arg);
          break;
        default: {
          const a1Nil = isNilish(arg1);
          const aNil = isNilish(arg);
          const kindOf = (v: unknown) => (Array.isArray(v) ? 'slice' : isMap(v) ? 'map' : typeof v);
          if (!a1Nil && !aNil && kindOf(arg1) !== kindOf(arg)) {
            throw new FuncError(`non-comparable types ${sprintf('%s', [arg1])}: ${typeName(arg1)}, ${typeName(arg)}: ${sprintf('%v', [arg])}`);
          }
          if (a1Nil || aNil) t = a1Nil === aNil;
          else if (typeof arg === 'function') throw new FuncError(`non-comparable type ${sprintf('%s', [arg])}: ${typeName(arg)}`);
          else if (Array.isArray(arg) || isMap(arg)) throw new FuncError(`non-comparable type ${sprintf('%s', [arg])}: ${typeName(arg)}`);
          else if (arg1 instanceof GoObject && arg instanceof GoObject && arg1.same.eq !== undefined) t = arg1.type === arg.type && arg1.same.eq === arg.same.eq;
          else t = arg1 === arg;
        }
      }
    }
    if (t) return true;
  }
  return false;
}

/** Go's `lt`. */
function lt(arg1: unknown, arg2: unknown): boolean {
  const k1 = cmpKind(arg1);
  if (k1 === 'invalid') throw new FuncError(errBadComparisonType);
  const k2 = cmpKind(arg2);
  if (k2 === 'invalid') throw new FuncError(errBadComparisonType);
  if (k1 !== k2) {
    if (k1 === 'int' && k2 === 'uint') return numVal(arg1) < 0 || numVal(arg1) < numVal(arg2);
    if (k1 === 'uint' && k2 === 'int') return numVal(arg2) >= 0 && numVal(arg1) < numVal(arg2);
    throw new FuncError(errBadComparison);
  }
  switch (k1) {
    case 'bool':
    case 'complex':
      throw new FuncError(errBadComparisonType);
    case 'string':
      return Buffer.compare(Buffer.from(strOf(arg1)), Buffer.from(strOf(arg2))) < 0;
    default:
      return numVal(arg1) < numVal(arg2);
  }
}

/** The builtin function map. `and`/`or` are evaluated lazily by the executor. */
export function builtins(): FuncMap {
  return {
    and: { params: ['value'], variadic: 'value', fn: () => undefined, lazy: 'and' },
    or: { params: ['value'], variadic: 'value', fn: () => undefined, lazy: 'or' },
    not: gf(['value'], (a: unknown) => !truth(a)),
    call: gf(['value'], call, 'value'),
    html: gf([], (...a: unknown[]) => htmlEscapeString(evalArgs(a)), 'any'),
    js: gf([], (...a: unknown[]) => jsEscapeString(evalArgs(a)), 'any'),
    urlquery: gf([], (...a: unknown[]) => queryEscape(evalArgs(a)), 'any'),
    index: gf(['value'], index, 'value'),
    slice: gf(['value'], slice, 'value'),
    len: gf(['value'], length),
    print: gf([], (...a: unknown[]) => sprint(a), 'any'),
    printf: gf(['string'], (f: string, ...a: unknown[]) => sprintf(f, a), 'any'),
    println: gf([], (...a: unknown[]) => sprintln(a), 'any'),
    eq: gf(['value'], eq, 'value'),
    ne: gf(['value', 'value'], (a: unknown, b: unknown) => !eq(a, b)),
    lt: gf(['value', 'value'], lt),
    le: gf(['value', 'value'], (a: unknown, b: unknown) => lt(a, b) || eq(a, b)),
    gt: gf(['value', 'value'], (a: unknown, b: unknown) => !(lt(a, b) || eq(a, b))),
    ge: gf(['value', 'value'], (a: unknown, b: unknown) => !lt(a, b)),
  };
}
