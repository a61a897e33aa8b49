/**
 * `courier config validate [--config path] [--json]`: load the configuration
 * exactly as the apps do (file, then environment overrides) and print a summary
 * that holds no secret: hosts and origins only, never userinfo, paths,
 * passwords or keys. @courier/core is imported here, lazily, so the API
 * commands do not pay for loading it.
 */
import { isAbsolute, resolve } from 'node:path';
import type { CourierConfig } from '@courier/core';
import { stringOption, type OptionValues } from '../args.js';
import { json } from '../format.js';
import type { CliIo } from '../io.js';

/** The secret-free summary printed on success. */
interface ConfigSummary {
  readonly source: string;
  readonly delivery_strategy: 'smtp' | 'http';
  readonly smtp?: { readonly host: string; readonly port: number; readonly tls: string; readonly auth: boolean; readonly from_address: string };
  readonly http?: { readonly method: string; readonly origin: string; readonly auth: string };
  /** `fallback`: the channel's fallbacks as configured (Courier extension), when it has any. */
  readonly channels: readonly { readonly id: string; readonly via: string; readonly fallback?: readonly string[] }[];
  /** `courier.circuit_breaker`, shown when some channel has fallbacks. */
  readonly circuit_breaker?: { readonly failure_threshold: number; readonly window_ms: number; readonly open_ms: number };
  readonly message_retries: number;
  readonly backoff_ms: { readonly base: number; readonly max: number };
  readonly custom_templates: readonly string[];
  readonly redis: { readonly host: string; readonly prefix: string; readonly queue: string; readonly cluster: boolean };
  readonly producer: { readonly port: number; readonly api_keys: number; readonly dashboard: string };
  readonly worker: { readonly concurrency: number; readonly rate_limit_per_second: number | null };
}

/** Scheme, host and port of a URL; `(invalid URL)` when it does not parse. The rest may hold tokens. */
function origin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid URL)';
  }
}

function host(url: string): string {
  try {
    return new URL(url).host || '(none)';
  } catch {
    return '(invalid URL)';
  }
}

/** Template overrides as `kind.valid.email` paths (which exist, not where they point). */
function customTemplates(templates: CourierConfig['courier']['templates']): string[] {
  const out: string[] = [];
  for (const [kind, variants] of Object.entries(templates)) {
    for (const [validity, byType] of Object.entries((variants ?? {}) as Record<string, Record<string, unknown> | undefined>)) {
      for (const type of Object.keys(byType ?? {})) out.push(`${kind}.${validity}.${type}`);
    }
  }
  return out;
}

type SmtpParser = (uri: string) => { host: string; port: number; tls: string; user: string | undefined };

/** Where a configured channel delivers: the HTTP origin, or the SMTP server (never userinfo). */
function channelVia(ch: CourierConfig['courier']['channels'][number], parseSmtp: SmtpParser): string {
  if (ch.type === 'http') return `http ${origin(ch.request_config.url)}`;
  const uri = ch.smtp.connection_uri;
  if (uri === undefined) return 'smtp';
  const conn = parseSmtp(uri);
  return `smtp ${conn.host}:${conn.port}`;
}

function fallbackOf(list: readonly string[] | undefined): { fallback?: readonly string[] } {
  return list === undefined || list.length === 0 ? {} : { fallback: [...list] };
}

/** Build the summary of a loaded configuration. */
function summarizeConfig(config: CourierConfig, source: string, parseSmtp: SmtpParser): ConfigSummary {
  const c = config.courier;
  const smtpUri = c.smtp.connection_uri;
  const smtp = smtpUri === undefined ? undefined : parseSmtp(smtpUri);
  const rc = c.http.request_config;
  const hasFallbacks = (c.fallback ?? []).length > 0 || c.channels.some((ch) => (ch.fallback ?? []).length > 0);
  return {
    source,
    delivery_strategy: c.delivery_strategy,
    ...(smtp === undefined ? {} : { smtp: { host: smtp.host, port: smtp.port, tls: smtp.tls, auth: smtp.user !== undefined, from_address: c.smtp.from_address } }),
    ...(rc === undefined ? {} : { http: { method: rc.method, origin: origin(rc.url), auth: rc.auth?.type ?? 'none' } }),
    channels: [
      {
        id: 'email',
        via: c.delivery_strategy === 'smtp' && smtp !== undefined ? `smtp ${smtp.host}:${smtp.port}` : `http ${rc === undefined ? '' : origin(rc.url)}`.trim(),
        ...fallbackOf(c.fallback),
      },
      ...c.channels.map((ch) => ({ id: ch.id, via: channelVia(ch, parseSmtp), ...fallbackOf(ch.fallback) })),
    ],
    ...(hasFallbacks ? { circuit_breaker: { ...c.circuit_breaker } } : {}),
    message_retries: c.message_retries,
    backoff_ms: { base: config.worker.backoff.base_ms, max: config.worker.backoff.max_ms },
    custom_templates: customTemplates(c.templates),
    redis: { host: host(config.redis.url), prefix: config.redis.prefix, queue: config.redis.queue_name, cluster: config.redis.cluster },
    producer: {
      port: config.producer.port,
      api_keys: config.producer.api_keys.length,
      dashboard: config.producer.dashboard.enabled ? (config.producer.dashboard.read_only ? 'read-only' : 'on') : 'off',
    },
    worker: { concurrency: config.worker.concurrency, rate_limit_per_second: config.worker.rate_limit_per_second ?? null },
  };
}

/** The human form of a summary. */
function formatConfigSummary(s: ConfigSummary): string {
  const strategy =
    s.delivery_strategy === 'smtp' && s.smtp !== undefined
      ? `smtp (${s.smtp.host}:${s.smtp.port}, tls ${s.smtp.tls}, ${s.smtp.auth ? 'with' : 'no'} auth, from ${s.smtp.from_address})`
      : s.http !== undefined
        ? `http (${s.http.method} ${s.http.origin}, auth ${s.http.auth})`
        : s.delivery_strategy;
  return [
    `config OK (${s.source})`,
    `  delivery strategy: ${strategy}`,
    `  channels:          ${s.channels.map((c) => `${c.id} -> ${c.via}${c.fallback === undefined ? '' : ` (fallback: ${c.fallback.join(', ')})`}`).join(', ')}`,
    ...(s.circuit_breaker === undefined
      ? []
      : [
          `  circuit breaker:   opens after ${s.circuit_breaker.failure_threshold} transient failures within ${s.circuit_breaker.window_ms} ms, probes after ${s.circuit_breaker.open_ms} ms (per worker process)`,
        ]),
    `  message retries:   ${s.message_retries} (up to ${s.message_retries + 1} attempts, backoff ${s.backoff_ms.base} ms to ${s.backoff_ms.max} ms)`,
    `  custom templates:  ${s.custom_templates.length === 0 ? 'none (built-in)' : s.custom_templates.join(', ')}`,
    `  redis:             ${s.redis.host}${s.redis.cluster ? ' (cluster)' : ''}, prefix ${s.redis.prefix}, queue ${s.redis.queue}`,
    `  producer:          port ${s.producer.port}, ${s.producer.api_keys} API key${s.producer.api_keys === 1 ? '' : 's'}, dashboard ${s.producer.dashboard}`,
    `  worker:            concurrency ${s.worker.concurrency}${s.worker.rate_limit_per_second === null ? '' : `, at most ${s.worker.rate_limit_per_second}/s`}`,
  ].join('\n');
}

/**
 * Run the command. Exit status 0 when valid, 2 on a ConfigError (its message
 * names each bad key path and never a value).
 */
export async function configValidate(values: OptionValues, io: CliIo): Promise<number> {
  const core = await import('@courier/core');
  const given = stringOption(values, 'config') ?? io.env['COURIER_CONFIG'];
  const path = given === undefined || given === '' ? undefined : isAbsolute(given) ? given : resolve(io.cwd, given);
  let config: CourierConfig;
  try {
    config = core.loadConfig({ env: io.env, path });
  } catch (err) {
    if (err instanceof core.ConfigError) {
      io.stderr(`courier: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const summary = summarizeConfig(config, path === undefined ? 'defaults and environment' : `config file ${path}`, core.parseSmtpConnectionUri);
  io.stdout(`${values['json'] === true ? json({ ok: true, ...summary }) : formatConfigSummary(summary)}\n`);
  return 0;
}
