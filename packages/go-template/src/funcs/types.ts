/**
 * How template functions are described: Go parameter types (for argument checking as Go's reflection does) and an implementation.
 * @module
 */

/**
 * A Go parameter type. `any` is `interface {}`; `value` is `reflect.Value` (receives missing values as `undefined`);
 * other strings are Go type names checked exactly (`string`, `int`, `[]interface {}`, `map[string]interface {}`...).
 */
export type ParamType = string;

/** A template function: Go signature plus implementation. Throw {@link FuncError} (or any Error) for Go's error result. */
export interface GoFunc {
  /** Fixed parameter types. */
  params: readonly ParamType[];
  /** Element type of the variadic parameter, if the function is variadic. */
  variadic?: ParamType;
  /** The implementation; receives model values (see value.ts). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function signature: the executor converts arguments to the declared params.
  fn: (...args: any[]) => unknown;
  /** `and`/`or`: arguments are evaluated lazily by the executor. */
  lazy?: 'and' | 'or';
}

/** An error returned by a template function (Go's `error` result); rendered as `error calling NAME: MESSAGE`. */
export class FuncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuncError';
  }
}

/** A map of function names to descriptions. */
export type FuncMap = Record<string, GoFunc>;

/** Shorthand for building a {@link GoFunc}. */
export function gf(params: readonly ParamType[], fn: GoFunc['fn'], variadic?: ParamType): GoFunc {
  return variadic === undefined ? { params, fn } : { params, fn, variadic };
}

/** Go types that can hold nil. */
export function canBeNil(t: ParamType): boolean {
  return t === 'any' || t === 'value' || t.startsWith('[]') || t.startsWith('map[') || t.startsWith('func') || t.startsWith('*');
}
