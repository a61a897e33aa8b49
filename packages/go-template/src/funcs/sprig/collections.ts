/**
 * sprig list and dict functions (list.go, dict.go).
 * @module
 */
import { elemType as elemTypeOf, GoNum, GoObject, GoTyped, isMap, setKey, sliceOf, sortedKeys, wrap } from '../../value.js';
import { FuncError, gf, type FuncMap } from '../types.js';
import { strval, toInt64 } from './convert.js';

const NIL_DEREF = 'runtime error: invalid memory address or nil pointer dereference';

/** reflect Kind name as sprig's errors print it. */
function kindName(v: unknown): string {
  if (typeof v === 'string' || v instanceof GoTyped) return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (v instanceof GoNum) return v.kind;
  if (isMap(v)) return 'map';
  if (typeof v === 'function') return 'func';
  return 'slice';
}

function asList(v: unknown, what: string): unknown[] {
  if (v === null || v === undefined) throw new FuncError(NIL_DEREF);
  if (Array.isArray(v)) return v.map(wrap);
  if (v instanceof Uint8Array) return Array.from(v, (b) => new GoNum('uint8', b));
  throw new FuncError(`Cannot ${what} on type ${kindName(v)}`);
}

/** Go's reflect.DeepEqual on model values. */
function deepEqual(a: unknown, b: unknown): boolean {
  a = wrap(a);
  b = wrap(b);
  if (a === b) return true;
  if (a instanceof GoNum && b instanceof GoNum) return a.kind === b.kind && a.v === b.v;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  if (a instanceof GoTyped && b instanceof GoTyped) return a.type === b.type && a.s === b.s;
  if (a instanceof GoObject && b instanceof GoObject) return a.type === b.type && a.same.deep !== undefined && a.same.deep === b.same.deep;
  return false;
}

function dictArg(v: unknown): Record<string, unknown> {
  return (v ?? {}) as Record<string, unknown>;
}

/** List and dict functions. */
export function collectionFuncs(): FuncMap {
  const list = gf([], (...v: unknown[]) => v.map((x) => (x === undefined ? null : x)), 'any');
  const push = gf(['any', 'any'], (l: unknown, v: unknown) => [...asList(l, 'push'), v]);
  const prepend = gf(['any', 'any'], (l: unknown, v: unknown) => [v, ...asList(l, 'prepend')]);
  return {
    list,
    tuple: list,
    append: push,
    push,
    prepend,
    first: gf(['any'], (l: unknown) => {
      const a = asList(l, 'find first');
      return a.length === 0 ? null : a[0];
    }),
    last: gf(['any'], (l: unknown) => {
      const a = asList(l, 'find last');
      return a.length === 0 ? null : a[a.length - 1];
    }),
    rest: gf(['any'], (l: unknown) => {
      const a = asList(l, 'find rest');
      return a.length === 0 ? null : a.slice(1);
    }),
    initial: gf(['any'], (l: unknown) => {
      const a = asList(l, 'find initial');
      return a.length === 0 ? null : a.slice(0, -1);
    }),
    reverse: gf(['any'], (l: unknown) => asList(l, 'find reverse').reverse()),
    uniq: gf(['any'], (l: unknown) => {
      const out: unknown[] = [];
      for (const x of asList(l, 'find uniq')) if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    }),
    compact: gf(['any'], (l: unknown) => asList(l, 'compact').filter((x) => !emptyish(x))),
    without: gf(['any'], (l: unknown, ...omit: unknown[]) => asList(l, 'find without').filter((x) => !omit.some((o) => deepEqual(x, o))), 'any'),
    has: gf(['any', 'any'], (needle: unknown, hay: unknown) => {
      if (hay === null || hay === undefined) return false;
      return asList(hay, 'has').some((x) => deepEqual(x, needle));
    }),
    concat: gf(
      [],
      (...lists: unknown[]) => {
        const out: unknown[] = [];
        for (const l of lists) {
          if (Array.isArray(l)) out.push(...l.map(wrap));
          else throw new FuncError(`Cannot concat type ${kindName(l)} as list`);
        }
        return out;
      },
      'any',
    ),
    until: gf(['int'], (n: number) => sliceOf('int', untilStep(0, n, n < 0 ? -1 : 1))),
    untilStep: gf(['int', 'int', 'int'], (a: number, b: number, c: number) => sliceOf('int', untilStep(a, b, c))),
    sortAlpha: gf(['any'], (l: unknown) => {
      if (Array.isArray(l))
        return sliceOf(
          'string',
          l
            .filter((x) => x !== null && x !== undefined)
            .map(strval)
            .sort(byteCmp),
        );
      return sliceOf('string', [strval(l)]);
    }),
    dict: gf(
      [],
      (...v: unknown[]) => {
        const d: Record<string, unknown> = {};
        for (let i = 0; i < v.length; i += 2) {
          const key = strval(v[i]);
          setKey(d, key, i + 1 >= v.length ? '' : (v[i + 1] ?? null));
        }
        return d;
      },
      'any',
    ),
    get: gf(['map[string]interface {}', 'string'], (d: unknown, k: string) => {
      const m = dictArg(d);
      return Object.hasOwn(m, k) ? (wrap(m[k]) ?? null) : '';
    }),
    set: gf(['map[string]interface {}', 'string', 'any'], (d: unknown, k: string, v: unknown) => {
      if (d === null) throw new FuncError('assignment to entry in nil map');
      setKey(d as Record<string, unknown>, k, v);
      return d;
    }),
    unset: gf(['map[string]interface {}', 'string'], (d: unknown, k: string) => {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- Go's delete(map, key) on a map modelled as a plain object.
      if (d) delete (d as Record<string, unknown>)[k];
      return d;
    }),
    hasKey: gf(['map[string]interface {}', 'string'], (d: unknown, k: string) => Object.hasOwn(dictArg(d), k)),
    pluck: gf(
      ['string'],
      (k: string, ...ds: unknown[]) =>
        ds
          .map(dictArg)
          .filter((d) => Object.hasOwn(d, k))
          .map((d) => wrap(d[k])),
      'map[string]interface {}',
    ),
    keys: gf(
      [],
      (...ds: unknown[]) =>
        sliceOf(
          'string',
          ds.flatMap((d) => sortedKeys(dictArg(d))),
        ),
      'map[string]interface {}',
    ),
    values: gf(['map[string]interface {}'], (d: unknown) => {
      const m = dictArg(d);
      return sortedKeys(m).map((k) => wrap(m[k]));
    }),
    pick: gf(
      ['map[string]interface {}'],
      (d: unknown, ...ks: string[]) => {
        const m = dictArg(d);
        const r: Record<string, unknown> = {};
        for (const k of ks) if (Object.hasOwn(m, k)) setKey(r, k, m[k]);
        return r;
      },
      'string',
    ),
    omit: gf(
      ['map[string]interface {}'],
      (d: unknown, ...ks: string[]) => {
        const m = dictArg(d);
        const r: Record<string, unknown> = {};
        for (const k of Object.keys(m)) if (!ks.includes(k)) setKey(r, k, m[k]);
        return r;
      },
      'string',
    ),
    dig: gf(
      [],
      (...ps: unknown[]) => {
        if (ps.length < 3) throw new FuncError('dig needs at least three arguments');
        const dict = ps[ps.length - 1];
        const def = ps[ps.length - 2];
        let cur: unknown = dict;
        for (const k of ps.slice(0, -2)) {
          if (!isMap(cur) || !Object.hasOwn(cur, strval(k))) return def;
          cur = wrap(cur[strval(k)]);
        }
        return cur;
      },
      'any',
    ),
    deepEqual: gf(['any', 'any'], deepEqual),
    // sprig's slice replaces the builtin (Funcs() entries win over builtins in Go).
    slice: gf(
      ['any'],
      (l: unknown, ...ix: unknown[]) => {
        if (l === null || l === undefined) throw new FuncError(NIL_DEREF);
        if (!Array.isArray(l)) throw new FuncError(`list should be type of slice or array but ${kindName(l)}`);
        if (l.length === 0) return null;
        const start = ix.length > 0 ? toInt64(ix[0]) : 0;
        const end = ix.length < 2 ? l.length : toInt64(ix[1]);
        if (start < 0 || end > l.length || start > end) throw new FuncError('reflect.Value.Slice: slice index out of bounds');
        return sliceOf(elemTypeOf(l), (l as unknown[]).slice(start, end));
      },
      'any',
    ),
  };
}

function emptyish(x: unknown): boolean {
  if (x === null || x === undefined || x === '' || x === false || x === 0) return true;
  if (x instanceof GoNum) return x.v === 0;
  if (Array.isArray(x)) return x.length === 0;
  if (isMap(x)) return Object.keys(x).length === 0;
  return false;
}

function byteCmp(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function untilStep(start: number, stop: number, step: number): number[] {
  const v: number[] = [];
  if (stop < start) {
    if (step >= 0) return v;
    for (let i = start; i > stop; i += step) v.push(i);
    return v;
  }
  if (step <= 0) return v;
  for (let i = start; i < stop; i += step) v.push(i);
  return v;
}
