/**
 * What both `templates` commands start from: the configuration loaded as the
 * worker loads it (`--config` or `$COURIER_CONFIG`, then environment overrides
 * such as `COURIER_TEMPLATE_OVERRIDE_PATH`) and a template registry built from
 * it with the worker's options (same sources, same guarded HTTP client). Core is
 * imported lazily, so the API commands never load it.
 */
import { isAbsolute, resolve } from 'node:path';
import type { CourierConfig, TemplateRegistry } from '@courier/core';
import { stringOption, type OptionValues } from '../args.js';
import type { CliIo } from '../io.js';

/** @courier/core, as loaded on demand. */
export type Core = typeof import('@courier/core');

/** A configuration is unusable: printed as is, exit status 2. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

/** The loaded configuration and a registry over its templates. */
export interface TemplateSetup {
  readonly core: Core;
  readonly config: CourierConfig;
  /** `courier.template_override_path`, absolute (relative paths are taken from where the CLI was run). */
  readonly overrideDir: string | undefined;
  readonly registry: TemplateRegistry;
}

function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/**
 * Load the configuration and build the registry.
 *
 * @param reloadCheckIntervalMs - 0 for a preview that re-reads changed files on every render.
 * @throws SetupError when the configuration is invalid (its message names bad keys, never values).
 */
export async function setUpTemplates(values: OptionValues, io: CliIo, reloadCheckIntervalMs?: number): Promise<TemplateSetup> {
  const core = await import('@courier/core');
  const given = stringOption(values, 'config') ?? io.env['COURIER_CONFIG'];
  const path = given === undefined || given === '' ? undefined : absolute(given, io.cwd);
  let config: CourierConfig;
  try {
    config = core.loadConfig({ env: io.env, path });
  } catch (err) {
    if (err instanceof core.ConfigError) throw new SetupError(err.message);
    throw err;
  }
  // Template data is checked against the configured limits, as the producer and the worker do.
  core.configureTemplateDataLimits(core.templateDataLimitsOf(config));
  const c = config.courier;
  const overrideDir = c.template_override_path === undefined ? undefined : absolute(c.template_override_path, io.cwd);
  const registry = core.createTemplateRegistry({
    templates: c.templates,
    overridePath: overrideDir,
    disallowPrivateIpRanges: config.clients.http.disallow_private_ip_ranges,
    privateIpExceptionUrls: config.clients.http.private_ip_exception_urls,
    ...(reloadCheckIntervalMs === undefined ? {} : { reloadCheckIntervalMs }),
  });
  return { core, config, overrideDir, registry };
}
