/**
 * Kratos-style environment overrides: every key of the schema can be set by an
 * environment variable named after its path, upper-cased and joined with `_`
 * (`courier.smtp.connection_uri` -> `COURIER_SMTP_CONNECTION_URI`,
 * `redis.url` -> `REDIS_URL`). Objects, arrays and unions take JSON; arrays of
 * strings also take a comma-separated list. A nested section (below the top level)
 * can also be given whole as JSON, e.g. `COURIER_HTTP_REQUEST_CONFIG='{"url":...}'`.
 */
import type { z } from 'zod';
import type { ConfigIssue } from '../errors.js';

type LeafKind = 'string' | 'number' | 'boolean' | 'json' | 'list';

/** One overridable key: its path in the config and the variable that sets it. */
export interface EnvKey {
  readonly path: readonly string[];
  readonly variable: string;
  readonly kind: LeafKind;
}

/** Extra names accepted for a few keys, for the usual twelve-factor spellings. */
const ALIASES: Readonly<Record<string, string>> = {
  COURIER_API_KEYS: 'PRODUCER_API_KEYS',
  PORT: 'PRODUCER_PORT',
  LOG_LEVEL: 'LOG_LEVEL',
};

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (def.innerType !== undefined && ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type)) {
      s = def.innerType;
    } else if (def.type === 'pipe' && def.in !== undefined) {
      s = def.in;
    } else {
      return s;
    }
  }
}

/**
 * True for a string schema, or a union with a string among its options (an API
 * key is a string or an object): a list of these takes commas as well as JSON.
 */
function takesString(schema: z.ZodType): boolean {
  const def = defOf(unwrap(schema));
  if (def.type === 'string') return true;
  return def.type === 'union' && (def.options ?? []).some((o) => defOf(unwrap(o)).type === 'string');
}

/** List every key of a schema that an environment variable can set. */
export function envKeys(schema: z.ZodType, path: readonly string[] = []): EnvKey[] {
  const s = unwrap(schema);
  const def = defOf(s);
  const variable = path.join('_').toUpperCase();
  switch (def.type) {
    case 'object': {
      const shape = (s as unknown as { shape: Record<string, z.ZodType> }).shape;
      const leaves = Object.entries(shape).flatMap(([k, v]) => envKeys(v, [...path, k]));
      // A whole nested section can be given as JSON too; its leaves, listed after it, still win.
      return path.length > 1 ? [{ path, variable, kind: 'json' as const }, ...leaves] : leaves;
    }
    case 'string':
    case 'enum':
    case 'literal':
      return [{ path, variable, kind: 'string' }];
    case 'number':
      return [{ path, variable, kind: 'number' }];
    case 'boolean':
      return [{ path, variable, kind: 'boolean' }];
    case 'array': {
      return [{ path, variable, kind: def.element !== undefined && takesString(def.element) ? 'list' : 'json' }];
    }
    default:
      return [{ path, variable, kind: 'json' }];
  }
}

function coerce(key: EnvKey, raw: string, source: string): { value?: unknown; issue?: ConfigIssue } {
  const where = key.path.join('.');
  switch (key.kind) {
    case 'string':
      return { value: raw };
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? { value: n } : { issue: { path: where, message: `environment variable ${source} must be a number` } };
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (v === 'true' || v === '1') return { value: true };
      if (v === 'false' || v === '0') return { value: false };
      return { issue: { path: where, message: `environment variable ${source} must be true or false` } };
    }
    case 'list':
    case 'json':
      if (key.kind === 'list' && !raw.trim().startsWith('[')) {
        return {
          value: raw
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        };
      }
      try {
        return { value: JSON.parse(raw) as unknown };
      } catch {
        return { issue: { path: where, message: `environment variable ${source} must be JSON` } };
      }
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }
}

/**
 * Apply environment overrides to a raw (unparsed) config object, in place.
 * Returns the problems found; values are never echoed (they may be secrets).
 */
export function applyEnvOverrides(raw: Record<string, unknown>, schema: z.ZodType, env: Readonly<Record<string, string | undefined>>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const keys = envKeys(schema);
  const byVariable = new Map(keys.map((k) => [k.variable, k]));
  const apply = (key: EnvKey, source: string): void => {
    const raw2 = env[source];
    if (raw2 === undefined) return;
    const { value, issue } = coerce(key, raw2, source);
    if (issue !== undefined) issues.push(issue);
    else setPath(raw, key.path, value);
  };
  // Aliases first, so the canonical name wins when both are set.
  for (const [alias, canonical] of Object.entries(ALIASES)) {
    const key = byVariable.get(canonical);
    if (key !== undefined && alias !== canonical) apply(key, alias);
  }
  for (const key of keys) apply(key, key.variable);
  return issues;
}
