/**
 * Loading the configuration: read the YAML/JSON file named by `COURIER_CONFIG`,
 * apply environment overrides, validate with zod, and freeze. This is the only
 * place in Courier that reads the environment (apps pass `process.env` in).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { applyEnvOverrides } from './env.js';
import { configSchema, type CourierConfig } from './schema.js';

/** Where to load configuration from. */
export interface LoadConfigOptions {
  /** Environment to read `COURIER_CONFIG` and overrides from. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Config file path; defaults to `env.COURIER_CONFIG`. No file means defaults + environment only. */
  readonly path?: string | undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`cannot read config file ${path} (${code})`, [], { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: false });
  } catch (err) {
    // The YAML library's own message quotes the offending line, which may hold a
    // password, so only the position is reported.
    if (err instanceof YAMLParseError) {
      const offset = err.pos[0];
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const col = offset - before.lastIndexOf('\n');
      const at = ` at line ${line}, column ${col}`;
      throw new ConfigError(`config file ${path} is not valid YAML or JSON${at} (${err.code})`);
    }
    throw new ConfigError(`config file ${path} is not valid YAML or JSON`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`config file ${path} must hold a mapping at the top level`);
  }
  return doc as Record<string, unknown>;
}

/** Turn a parsed object into a validated config, or throw `ConfigError` listing every bad key path. */
export function parseConfig(raw: unknown, source = 'config'): CourierConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issues: ConfigIssue[] = result.error.issues.map((i) => ({
      path: i.path.map(String).join('.'),
      message: i.message,
    }));
    throw new ConfigError(`${source} is invalid`, issues);
  }
  return deepFreeze(result.data);
}

/**
 * Load, override from the environment, validate and freeze the configuration.
 *
 * @throws ConfigError naming each bad key path; never containing a secret value.
 */
export function loadConfig(options: LoadConfigOptions = {}): CourierConfig {
  const env = options.env ?? {};
  const path = options.path ?? env['COURIER_CONFIG'];
  const raw = path === undefined || path === '' ? {} : readConfigFile(path);
  const envIssues = applyEnvOverrides(raw, configSchema, env);
  if (envIssues.length > 0) throw new ConfigError('environment overrides are invalid', envIssues);
  return parseConfig(raw, path === undefined || path === '' ? 'configuration' : `config file ${path}`);
}

/**
 * For app entry points: load the configuration, or print why not (every bad key
 * path, never a value) to stderr and exit with status 2.
 */
export function loadConfigOrExit(app: string, env: Readonly<Record<string, string | undefined>>): CourierConfig {
  try {
    return loadConfig({ env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${app}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
