/**
 * Bounds on untrusted JSON values (template data): serialized size, element
 * count, nesting depth and well-formed strings, checked in one walk that stops
 * at the first value past a limit, so the work done on hostile input is bounded
 * by the limits, not by the input.
 *
 * This module is a leaf: it imports nothing.
 */

/** Limits of one JSON value. */
export interface JsonLimits {
  /** Most bytes of the value serialized as JSON (UTF-8). */
  readonly maxBytes: number;
  /** Most values in it: every object, array, string, number, boolean and null counts one. */
  readonly maxElements: number;
  /** Deepest nesting of objects and arrays (the value itself, if one, is level 1). */
  readonly maxDepth: number;
}

/** The first problem found, with the path to the value (object keys and array indexes). */
export interface JsonLimitProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * True when `s` is well-formed UTF-16 (no lone surrogate). A lone surrogate cannot be
 * encoded as UTF-8: SMTP, HTTP providers and Jsonnet each refuse or mangle it.
 */
export function isWellFormedText(s: string): boolean {
  // Node 20 has String.prototype.isWellFormed; TypeScript's ES2023 library does not declare it.
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** UTF-8 bytes of a string, counted without encoding it (a lone surrogate counts 3, as U+FFFD). */
function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) bytes += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/** Bytes a string takes in JSON: its UTF-8 text, the quotes, and what escaping adds (`\\n` one more, `\\u0001` five more). */
function jsonStringBytes(s: string): number {
  let escapes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x0c || c === 0x0a || c === 0x0d || c === 0x09) escapes += 1;
    else if (c < 0x20) escapes += 5;
  }
  return utf8Length(s) + 2 + escapes;
}

/**
 * Check a JSON value against `limits`; undefined when it is within them.
 * Iterative (hostile input may be thousands of levels deep) and stops at the
 * first problem: at most `maxElements` values are visited.
 */
export function checkJsonLimits(value: unknown, limits: JsonLimits): JsonLimitProblem | undefined {
  const tooMany = (path: (string | number)[]): JsonLimitProblem => ({
    path,
    message: `must not hold more than ${limits.maxElements} values (objects, arrays, strings, numbers, ...)`,
  });
  let bytes = 0;
  let elements = 0;
  // Each entry: the value, its depth (1 for a top-level container) and the path to it.
  const stack: { v: unknown; depth: number; path: (string | number)[] }[] = [{ v: value, depth: 0, path: [] }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    elements++;
    if (elements > limits.maxElements) {
      return tooMany(path);
    }
    if (typeof v === 'string') {
      if (!isWellFormedText(v)) return { path, message: 'must be well-formed UTF-16 text (it holds a lone surrogate)' };
      bytes += jsonStringBytes(v);
    } else if (typeof v === 'number') {
      bytes += String(v).length;
    } else if (typeof v === 'boolean') {
      bytes += v ? 4 : 5;
    } else if (v === null || v === undefined) {
      bytes += 4;
    } else if (typeof v === 'object') {
      const level = depth + 1;
      if (level > limits.maxDepth) return { path, message: `must not be nested more than ${limits.maxDepth} levels deep` };
      bytes += 2;
      if (Array.isArray(v)) {
        // Check the count before pushing, so a huge array is refused without being walked.
        if (elements + v.length > limits.maxElements) {
          return tooMany(path);
        }
        bytes += Math.max(0, v.length - 1);
        for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], depth: level, path: [...path, i] });
      } else {
        const keys = Object.keys(v);
        if (elements + keys.length > limits.maxElements) {
          return tooMany(path);
        }
        bytes += Math.max(0, keys.length - 1);
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i]!;
          if (!isWellFormedText(key)) return { path: [...path, key], message: 'must have well-formed UTF-16 keys (one holds a lone surrogate)' };
          bytes += jsonStringBytes(key) + 1;
          stack.push({ v: (v as Record<string, unknown>)[key], depth: level, path: [...path, key] });
        }
      }
    }
    if (bytes > limits.maxBytes) return { path, message: `must not be larger than ${limits.maxBytes} bytes as JSON` };
  }
  return undefined;
}
