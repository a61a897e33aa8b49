/**
 * sprig numeric functions (numeric.go) and conversions; integer results are Go `int64`.
 * @module
 */
import { GoNum } from '../../value.js';
import { FuncError, gf, type FuncMap } from '../types.js';
import { toFloat64, toInt64 } from './convert.js';

const i64 = (n: number) => new GoNum('int64', n);
const f64 = (n: number) => new GoNum('float64', n);

function goDiv(a: number, b: number): number {
  if (b === 0) throw new FuncError('runtime error: integer divide by zero');
  return Math.trunc(a / b);
}
function goMod(a: number, b: number): number {
  if (b === 0) throw new FuncError('runtime error: integer divide by zero');
  return a % b;
}

/** Numeric functions. */
export function numericFuncs(): FuncMap {
  return {
    add1: gf(['any'], (i: unknown) => i64(toInt64(i) + 1)),
    add: gf([], (...a: unknown[]) => i64(a.reduce<number>((s, b) => s + toInt64(b), 0)), 'any'),
    sub: gf(['any', 'any'], (a: unknown, b: unknown) => i64(toInt64(a) - toInt64(b))),
    div: gf(['any', 'any'], (a: unknown, b: unknown) => i64(goDiv(toInt64(a), toInt64(b)))),
    mod: gf(['any', 'any'], (a: unknown, b: unknown) => i64(goMod(toInt64(a), toInt64(b)))),
    mul: gf(['any'], (a: unknown, ...v: unknown[]) => i64(v.reduce<number>((s, b) => s * toInt64(b), toInt64(a))), 'any'),
    max: gf(['any'], (a: unknown, ...v: unknown[]) => i64(v.reduce<number>((s, b) => Math.max(s, toInt64(b)), toInt64(a))), 'any'),
    biggest: gf(['any'], (a: unknown, ...v: unknown[]) => i64(v.reduce<number>((s, b) => Math.max(s, toInt64(b)), toInt64(a))), 'any'),
    min: gf(['any'], (a: unknown, ...v: unknown[]) => i64(v.reduce<number>((s, b) => Math.min(s, toInt64(b)), toInt64(a))), 'any'),
    maxf: gf(['any'], (a: unknown, ...v: unknown[]) => f64(v.reduce<number>((s, b) => Math.max(s, toFloat64(b)), toFloat64(a))), 'any'),
    minf: gf(['any'], (a: unknown, ...v: unknown[]) => f64(v.reduce<number>((s, b) => Math.min(s, toFloat64(b)), toFloat64(a))), 'any'),
    int64: gf(['any'], (v: unknown) => i64(toInt64(v))),
    int: gf(['any'], (v: unknown) => toInt64(v)),
    float64: gf(['any'], (v: unknown) => f64(toFloat64(v))),
    ceil: gf(['any'], (v: unknown) => f64(Math.ceil(toFloat64(v)))),
    floor: gf(['any'], (v: unknown) => f64(Math.floor(toFloat64(v)))),
    seq: gf(
      [],
      (...p: number[]) => {
        const out: number[] = [];
        let [start, step] = [1, 1];
        let end: number;
        if (p.length === 0) return '';
        if (p.length === 1) {
          end = p[0]!;
          if (end === 0) return '';
          if (end < 1) step = -1;
        } else if (p.length === 2) {
          [start, end] = [p[0]!, p[1]!];
          if (end < start) step = -1;
        } else if (p.length === 3) [start, step, end] = [p[0]!, p[1]!, p[2]!];
        else return '';
        if ((end < start && step > 0) || (end > start && step < 0) || step === 0) return '';
        for (let i = start; step > 0 ? i <= end : i >= end; i += step) out.push(i);
        return out.join(' ');
      },
      'int',
    ),
  };
}
