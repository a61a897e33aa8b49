/**
 * More sprig functions: `must*` list variants, path helpers, base32 decoding, deepCopy, chunk, round, abbrevboth.
 * @module
 */
import { posix } from 'node:path';
import { GoNum, GoObject, GoStruct, GoTyped, isMap, setKey, wrap } from '../../value.js';
import { FuncError, gf, type FuncMap } from '../types.js';
import { collectionFuncs } from './collections.js';
import { toFloat64 } from './convert.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function goPathBase(p: string): string {
  if (p === '') return '.';
  p = p.replace(/\/+$/, '');
  if (p === '') return '/';
  return p.slice(p.lastIndexOf('/') + 1);
}
function goPathDir(p: string): string {
  const i = p.lastIndexOf('/');
  return goPathClean(p.slice(0, i + 1));
}
/** Go's path.Clean. */
function goPathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
    } else parts.push(seg);
  }
  const out = (rooted ? '/' : '') + parts.join('/');
  return out === '' ? '.' : out;
}
function goPathExt(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) if (p[i] === '.') return p.slice(i);
  return '';
}

function byteStr(s: string, a: number, b?: number): string {
  return dec.decode(enc.encode(s).subarray(a, b));
}
function abbreviateFull(str: string, offset: number, maxWidth: number): string {
  const n = enc.encode(str).length;
  if (str === '') return '';
  if (maxWidth < 4) return '';
  if (n <= maxWidth) return str;
  if (offset > n) offset = n;
  if (n - offset < maxWidth - 3) offset = n - (maxWidth - 3);
  if (offset <= 4) return byteStr(str, 0, maxWidth - 3) + '...';
  if (maxWidth < 7) return '';
  if (offset + maxWidth - 3 < n) return '...' + abbreviateFull(byteStr(str, offset), 0, maxWidth - 3);
  return '...' + byteStr(str, n - (maxWidth - 3));
}

function deepCopy(v: unknown): unknown {
  v = wrap(v);
  if (Array.isArray(v)) return v.map(deepCopy);
  if (isMap(v)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setKey(o, k, deepCopy(v[k]));
    return o;
  }
  return v;
}

function b32decode(s: string): string {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = s.replace(/=+$/, '');
  let bits = 0;
  let val = 0;
  const out: number[] = [];
  for (let i = 0; i < clean.length; i++) {
    const k = alpha.indexOf(clean[i]!);
    if (k < 0) return `illegal base32 data at input byte ${i}`;
    val = ((val << 5) | k) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((val >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return dec.decode(Uint8Array.from(out));
}

/** reflect.Kind name of a non-nil model value. */
function reflectKind(v: unknown): string {
  if (typeof v === 'string' || v instanceof GoTyped) return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? 'int' : 'float64';
  if (typeof v === 'function') return 'func';
  if (v instanceof GoNum) return v.kind;
  if (v instanceof GoObject) return v.type.startsWith('*') ? 'ptr' : 'struct';
  if (v instanceof GoStruct) return 'ptr';
  if (v instanceof Uint8Array) return 'slice';
  return isMap(v) ? 'map' : 'int';
}

/** Extra functions. */
export function extraFuncs(): FuncMap {
  const c = collectionFuncs();
  const alias = (name: string) => c[name]!;
  return {
    mustAppend: alias('append'),
    mustPush: alias('push'),
    mustPrepend: alias('prepend'),
    mustFirst: alias('first'),
    mustLast: alias('last'),
    mustRest: alias('rest'),
    mustInitial: alias('initial'),
    mustReverse: alias('reverse'),
    mustUniq: alias('uniq'),
    mustWithout: alias('without'),
    mustHas: alias('has'),
    mustSlice: alias('slice'),
    mustCompact: alias('compact'),
    base: gf(['string'], goPathBase),
    dir: gf(['string'], goPathDir),
    clean: gf(['string'], goPathClean),
    ext: gf(['string'], goPathExt),
    isAbs: gf(['string'], (p: string) => p.startsWith('/')),
    osBase: gf(['string'], goPathBase),
    osDir: gf(['string'], goPathDir),
    osClean: gf(['string'], goPathClean),
    osExt: gf(['string'], goPathExt),
    osIsAbs: gf(['string'], (p: string) => posix.isAbsolute(p)),
    b32dec: gf(['string'], b32decode),
    deepCopy: gf(['any'], deepCopy),
    mustDeepCopy: gf(['any'], (v: unknown) => {
      if (v === null || v === undefined) throw new FuncError('copy: Copy called with a nil value');
      return deepCopy(v);
    }),
    abbrevboth: gf(['int', 'int', 'string'], (left: number, right: number, s: string) => (right < 4 || (left > 0 && right < 7) ? s : abbreviateFull(s, left, right))),
    round: gf(
      ['any', 'int'],
      (a: unknown, p: number, ...rOpt: unknown[]) => {
        const roundOn = rOpt.length > 0 ? toFloat64(rOpt[0]) : 0.5;
        const pow = Math.pow(10, p);
        const digit = pow * toFloat64(a);
        const frac = digit - Math.trunc(digit);
        const r = frac >= roundOn ? Math.ceil(digit) : Math.floor(digit);
        return new GoNum('float64', r / pow);
      },
      'float64',
    ),
    chunk: gf(['int', 'any'], (size: number, list: unknown) => {
      if (list === null || list === undefined) throw new FuncError('runtime error: invalid memory address or nil pointer dereference');
      if (!Array.isArray(list)) throw new FuncError(`Cannot chunk type ${reflectKind(list)}`);
      const l = list.length;
      const cs = Math.floor((l - 1) / size) + 1;
      // Go converts ±Inf/NaN to the minimum int64: make() then panics, as for a negative length
      const badLen = 'runtime error: makeslice: len out of range';
      if (!Number.isFinite(cs) || cs < 0) throw new FuncError(badLen);
      const out: unknown[][] = [];
      for (let i = 0; i < cs; i++) {
        let clen = size;
        if (i === cs - 1) {
          clen = Math.floor(l % size);
          if (clen === 0) clen = size;
        }
        if (clen < 0) throw new FuncError(badLen);
        out.push(list.slice(i * size, i * size + clen).map(wrap));
      }
      return out;
    }),
  };
}
