/**
 * The runtime value model: how JavaScript values stand for Go values.
 *
 * - `undefined` is Go's invalid `reflect.Value` (a missing map key: prints `<no value>`).
 * - `null` is a nil `interface{}`.
 * - `string`, `boolean` are Go's `string`, `bool`.
 * - a JS `number` is a Go `int` when it is an integer; a non-integer number is a `float64`.
 * - {@link GoNum} carries any other numeric type (`float64` with an integral value, `int64`, `int32`...).
 * - arrays are `[]interface {}` (or a typed slice, see {@link sliceOf}); plain objects are `map[string]interface {}`.
 * - {@link GoTyped} carries html/template's trusted string types (`template.HTML`...).
 * - functions are Go `func` values usable with `call`.
 * @module
 */

/** Go numeric type names this package models. */
export type NumKind = 'int' | 'int64' | 'int32' | 'uint8' | 'uint' | 'uint32' | 'uint64' | 'float64';

/** A Go number of an explicit type (everything but an integral `int`, which is a plain JS number). */
export class GoNum {
  /** @param kind Go type. @param v the value. */
  constructor(
    readonly kind: NumKind,
    readonly v: number,
  ) {}
}

/** Marks a JS number as a Go `float64` even if it is integral (e.g. `float64(15)` prints as `15`, but `%d` rejects it). */
export function float64(v: number): GoNum {
  return new GoNum('float64', v);
}

/** Marks a JS number as a Go `int64`. */
export function int64(v: number): GoNum {
  return new GoNum('int64', Math.trunc(v));
}

/** html/template's trusted content types. */
export type ContentType = 'HTML' | 'HTMLAttr' | 'JS' | 'JSStr' | 'CSS' | 'URL' | 'Srcset';

/** A string of one of html/template's trusted types (`template.HTML` etc.): inserted without escaping in the matching context. */
export class GoTyped {
  /** @param type the content type. @param s the trusted string. */
  constructor(
    readonly type: ContentType,
    readonly s: string,
  ) {}
  /** The string itself. */
  toString(): string {
    return this.s;
  }
}

/**
 * A pointer to a Go struct, for models that must behave as Go structs do: a field the
 * struct does not have is an exec error (`can't evaluate field X in type *pkg.T`), not
 * `<no value>` as for a map. Fields are read-only; methods are not modelled.
 */
export class GoStruct {
  /** The fields, in declaration order (a null-prototype copy). */
  readonly fields: Readonly<Record<string, unknown>>;
  /**
   * @param type Go's name of the pointer type, e.g. `*email.RecoveryCodeValidModel`.
   * @param fields Field values by Go field name, in declaration order.
   */
  constructor(
    readonly type: string,
    fields: Readonly<Record<string, unknown>>,
  ) {
    this.fields = Object.freeze(Object.assign(Object.create(null) as Record<string, unknown>, fields));
  }
}

const SLICE_TYPE = Symbol.for('courier.go-template.sliceType');

/** Tags an array with a Go slice type other than `[]interface {}` (e.g. `[]string`), used for `%T` and argument checks. */
export function sliceOf<T extends unknown[]>(elem: string, arr: T): T {
  Object.defineProperty(arr, SLICE_TYPE, { value: elem, enumerable: false });
  return arr;
}

/** Tags a plain object as `map[string]<elem>`. */
export function mapOf<T extends object>(elem: string, obj: T): T {
  Object.defineProperty(obj, SLICE_TYPE, { value: elem, enumerable: false });
  return obj;
}

/** Element type of a tagged array/object, default `interface {}`. */
export function elemType(v: object): string {
  return (v as { [SLICE_TYPE]?: string })[SLICE_TYPE] ?? 'interface {}';
}

/** True for a plain JS object standing for a Go map. */
export function isMap(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return true;
  return !(Array.isArray(v) || v instanceof GoNum || v instanceof GoTyped || v instanceof Uint8Array || v instanceof GoStruct || v instanceof GoObject);
}

/** ES2024 string methods (Node >= 20). */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** Brings a value read out of caller data into the model: lone surrogates in strings become U+FFFD (what Go sees after UTF-8 decoding), non-integer numbers become float64. */
export function wrap(v: unknown): unknown {
  if (typeof v === 'string') return (v as unknown as WellFormed).isWellFormed() ? v : (v as unknown as WellFormed).toWellFormed();
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : new GoNum('float64', v);
  if (typeof v === 'bigint') return new GoNum('int64', Number(v));
  return v;
}

/** Converts data deep so every number is a float64 (Go's `encoding/json` into `map[string]any`). */
export function allFloats(v: unknown): unknown {
  if (typeof v === 'number') return new GoNum('float64', v);
  if (Array.isArray(v)) return v.map(allFloats);
  if (isMap(v)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setKey(o, k, allFloats(v[k]));
    return o;
  }
  return v;
}

/** Go type name of a model value (`int`, `float64`, `map[string]interface {}`...). Invalid gives `<nil>`-like `invalid`. */
export function typeName(v: unknown): string {
  if (v === undefined) return '<invalid Value>';
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isSafeInteger(v) ? 'int' : 'float64';
    case 'bigint':
      return 'int64';
    case 'function':
      return 'func(...interface {}) (interface {}, error)';
  }
  if (v instanceof GoNum) return v.kind;
  if (v instanceof GoTyped) return 'template.' + v.type;
  if (v instanceof GoStruct) return v.type;
  if (v instanceof GoObject) return v.type;
  if (Array.isArray(v)) return '[]' + elemType(v);
  if (v instanceof Uint8Array) return '[]uint8';
  return 'map[string]' + elemType(v);
}

/** Go's basic kinds used by comparisons. */
export type BasicKind = 'invalid' | 'bool' | 'int' | 'uint' | 'float' | 'string' | 'complex';

/** Go's `basicKind`. */
export function basicKind(v: unknown): BasicKind {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isSafeInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
  }
  if (v instanceof GoNum) {
    if (v.kind === 'float64') return 'float';
    if (v.kind === 'uint8' || v.kind === 'uint' || v.kind === 'uint32' || v.kind === 'uint64') return 'uint';
    return 'int';
  }
  if (v instanceof GoTyped) return 'string';
  if (v instanceof GoObject && v.same.int !== undefined) return 'int';
  return 'invalid';
}

/** Numeric value of a number-like model value. */
export function numVal(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof GoNum) return v.v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof GoObject && v.same.int !== undefined) return v.same.int;
  return NaN;
}

/** Go's `isTrue`: [truth, ok]. */
export function isTrue(v: unknown): [boolean, boolean] {
  if (v === undefined || v === null) return [false, true];
  switch (typeof v) {
    case 'string':
      return [v.length > 0, true];
    case 'boolean':
      return [v, true];
    case 'number':
      return [v !== 0, true];
    case 'function':
      return [true, true];
  }
  if (v instanceof GoNum) return [v.v !== 0, true];
  if (v instanceof GoTyped) return [v.s.length > 0, true];
  if (v instanceof GoStruct) return [true, true];
  if (v instanceof GoObject) return [v.same.int !== 0, true];
  if (Array.isArray(v)) return [v.length > 0, true];
  if (v instanceof Uint8Array) return [v.length > 0, true];
  if (typeof v === 'object') return [Object.keys(v).length > 0, true];
  return [true, true];
}

/** Sorted keys of a map (Go's fmtsort for string keys: byte order). */
export function sortedKeys(m: object): string[] {
  return Object.keys(m).sort(compareStrings);
}

/** Byte-wise (UTF-8) string comparison, as Go compares strings. */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 code unit order equals UTF-8 byte order except for surrogate pairs vs U+E000..U+FFFF.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && x <= 0xdfff) x += 0x2000;
      else if (x >= 0xe000) x -= 0x800;
      if (y >= 0xd800 && y <= 0xdfff) y += 0x2000;
      else if (y >= 0xe000) y -= 0x800;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** UTF-8 byte length of a string (Go's `len`). */
export function byteLen(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** A copy of `o` without a prototype, so lookups by arbitrary names (`toString`, `constructor`) find nothing inherited. */
export function nullProto<T extends object>(o: T): T {
  return Object.assign(Object.create(null) as T, o);
}

/** Sets a map entry as an own property (safe for keys like `__proto__`). */
export function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/**
 * A Go value with methods that template functions return (sprig's `*semver.Version`, `time.Time`): it prints through
 * its `String` method as fmt does, its methods are reachable as `.Name` (with arguments, checked as for functions),
 * and `json` is its `MarshalJSON` result. Opaque otherwise: it has no fields.
 */
export class GoObject {
  /**
   * @param type Go's type name, e.g. `*semver.Version`.
   * @param str the `String()` result.
   * @param methods the method set, as template functions (see funcs/types.ts's GoFunc).
   * @param json the `MarshalJSON` result, if the type has one.
   * @param same how Go compares it: `eq` (`==`: equal `eq` keys; none: only itself), `deepEqual` (equal `deep` keys),
   *   and `int` for integer types with a String method (`time.Month`): `eq`/`%d` see the number.
   */
  constructor(
    readonly type: string,
    readonly str: () => string,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each method takes the Go types its params name, checked by exec before the call
    readonly methods: Readonly<Record<string, { params: readonly string[]; variadic?: string; fn: (...args: any[]) => unknown }>>,
    readonly json?: () => string,
    readonly same: { eq?: string | undefined; deep?: string | undefined; int?: number | undefined } = {},
  ) {}
}
