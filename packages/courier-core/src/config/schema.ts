/**
 * The configuration schema. The `courier:` section takes the Ory Kratos courier keys
 * as they are; the other top-level sections (`redis`, `worker`, `producer`,
 * `retention`, `log`) are Courier's own. Unknown top-level keys are ignored so that a
 * whole Kratos config file can be pointed at; unknown keys inside a known section
 * are errors, so typos surface at start-up.
 */
import { z } from 'zod';
import { producerRateLimitsSchema, workerRateLimitsSchema } from './rate-limits.js';
import { parseSmtpConnectionUri } from './smtp-uri.js';
import { suppressionSchema } from './suppression.js';
import { DEFAULT_REDACTED_FIELDS, DEFAULT_REDACTED_PATTERNS } from '../redaction/defaults.js';
import { fallbackIssues, MAX_FALLBACKS } from './fallback.js';
import { webhooksSchema } from './webhooks.js';

/** URI schemes accepted for templates and Jsonnet bodies. */
const TEMPLATE_URI_SCHEMES = ['file:', 'base64:', 'http:', 'https:'] as const;

/** A `file://`, `base64://` or `http(s)://` URI. */
const templateUriSchema = z.string().superRefine((value, ctx) => {
  let scheme: string;
  try {
    scheme = new URL(value).protocol;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URI: file://, base64:// or http(s)://' });
    return;
  }
  if (!(TEMPLATE_URI_SCHEMES as readonly string[]).includes(scheme)) {
    ctx.addIssue({ code: 'custom', message: `has scheme "${scheme}", expected one of file://, base64://, http(s)://` });
  }
});

/** Kratos's default sender; Courier warns at start-up when it is in use (config/warnings.ts). */
export const KRATOS_DEFAULT_FROM_ADDRESS = 'no-reply@ory.kratos.sh';

const headersSchema = z.record(z.string().min(1), z.string()).default({});

/** `auth` of an HTTP request config, exactly as Kratos spells it. */
const httpAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('basic_auth'),
    config: z.strictObject({ user: z.string(), password: z.string() }),
  }),
  z.strictObject({
    type: z.literal('api_key'),
    config: z.strictObject({
      name: z.string().min(1),
      value: z.string(),
      in: z.enum(['header', 'cookie']).default('header'),
    }),
  }),
]);

/** Kratos's `request_config`: where and how to POST a message, with a Jsonnet body. */
export const requestConfigSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  method: z
    .string()
    .default('POST')
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(['POST', 'PUT', 'PATCH', 'GET', 'DELETE'])),
  headers: headersSchema,
  body: templateUriSchema.optional(),
  auth: httpAuthSchema.optional(),
  /** Courier's own: request timeout in milliseconds (Kratos has none). */
  timeout_ms: z.number().int().positive().max(600_000).default(10_000),
  /**
   * Courier's own: the header carrying the message id on every attempt, for providers that
   * collapse repeated requests by an idempotency key; `""` sends none. A header of the same
   * name in `headers` wins.
   */
  idempotency_header: z
    .string()
    .regex(/^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,100})?$/, { error: 'must be an HTTP header name, or "" for none' })
    .default('Idempotency-Key'),
  /**
   * Courier extension: retry a request whose outcome is unknown (written in full, then the
   * connection failed or timed out before a response). Default: true when the channel sends
   * an idempotency header (`idempotency_header` not `""`), so the provider can collapse a
   * repeat; false otherwise (the message is abandoned rather than maybe sent twice).
   */
  retry_on_unknown: z.boolean().optional(),
});
export type RequestConfig = z.infer<typeof requestConfigSchema>;

const emailTemplateSchema = z.strictObject({
  subject: templateUriSchema.optional(),
  body: z.strictObject({ html: templateUriSchema.optional(), plaintext: templateUriSchema.optional() }).optional(),
});
const smsTemplateSchema = z.strictObject({
  body: z.strictObject({ plaintext: templateUriSchema.optional() }).optional(),
});
const templateVariantSchema = z.strictObject({
  email: emailTemplateSchema.optional(),
  sms: smsTemplateSchema.optional(),
});
const validInvalidSchema = z.strictObject({
  valid: templateVariantSchema.optional(),
  invalid: templateVariantSchema.optional(),
});
const validOnlySchema = z.strictObject({ valid: templateVariantSchema.optional() });

/** `courier.templates`, keyed as in Kratos: `<kind>.<valid|invalid>.<email|sms>...`. */
export const templatesConfigSchema = z
  .strictObject({
    recovery: validInvalidSchema.optional(),
    recovery_code: validInvalidSchema.optional(),
    verification: validInvalidSchema.optional(),
    verification_code: validInvalidSchema.optional(),
    login_code: validOnlySchema.optional(),
    registration_code: validOnlySchema.optional(),
    /** Kratos's notice that a verifiable address was changed (no valid/invalid level). */
    verifiable_address_changed: templateVariantSchema.optional(),
    /** Kratos's notice that a sign-in key (passkey, WebAuthn) was added (no valid/invalid level). */
    authenticator_key_added: templateVariantSchema.optional(),
  })
  .prefault({});
export type TemplatesConfig = z.infer<typeof templatesConfigSchema>;

const smtpSchema = z
  .strictObject({
    connection_uri: z
      .string()
      .superRefine((uri, ctx) => {
        try {
          parseSmtpConnectionUri(uri);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .optional(),
    // Kratos's default is "": an empty path is no path.
    client_cert_path: optionalPath(),
    client_key_path: optionalPath(),
    from_address: emailAddressOrDefault(),
    from_name: z.string().optional(),
    headers: headersSchema,
    /** The name announced with EHLO; Kratos's default. */
    local_name: z.string().min(1).default('localhost'),
    /**
     * Courier extension: the domain of the `Message-ID` every attempt of a message carries
     * (`<message id@domain>`); the from address's domain when unset.
     */
    message_id_domain: z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, { error: 'must be a domain name (letters, digits, dots, hyphens)' })
      .optional(),
    /**
     * Courier's extension (Kratos has no such keys): the pooled connections per
     * worker process and how many messages each carries before it is replaced.
     * Defaults chosen by measurement (BENCHMARKS.md).
     */
    pool: z
      .strictObject({
        max_connections: z.number().int().min(1).max(1_000).default(10),
        max_messages: z.number().int().min(1).max(10_000_000).default(1_000),
      })
      .prefault({}),
    /**
     * Courier extension: retry a message whose outcome is unknown (the connection failed
     * after DATA's final dot, before the server's answer). Default true: the repeat carries
     * the same Message-ID, which receivers can de-duplicate on.
     */
    retry_on_unknown: z.boolean().default(true),
  })
  .superRefine((smtp, ctx) => {
    if ((smtp.client_cert_path === undefined) !== (smtp.client_key_path === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [smtp.client_cert_path === undefined ? 'client_cert_path' : 'client_key_path'],
        message: 'client_cert_path and client_key_path must be set together',
      });
    }
  })
  .prefault({});

function emailAddressOrDefault() {
  return z.email({ error: 'must be a valid e-mail address' }).default(KRATOS_DEFAULT_FROM_ADDRESS);
}

function optionalPath() {
  return z
    .string()
    .optional()
    .transform((p) => (p === '' ? undefined : p));
}

/** Courier extension: channel ids tried next on a transient failure or an open circuit (config/fallback.ts). */
const fallbackListSchema = z.array(z.string().min(1).max(64)).max(MAX_FALLBACKS).optional();

/**
 * A channel: Kratos's `type: http` with its `request_config`, or (Courier extension)
 * `type: smtp` with an `smtp` section shaped like `courier.smtp`, e.g. a second relay
 * to fall back to.
 */
const channelSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ id: z.string().min(1).max(64), type: z.literal('http'), request_config: requestConfigSchema, fallback: fallbackListSchema }),
    z.strictObject({
      id: z.string().min(1).max(64),
      type: z.literal('smtp'),
      smtp: smtpSchema.refine((s) => s.connection_uri !== undefined, { path: ['connection_uri'], error: 'is required for a channel of type "smtp"' }),
      fallback: fallbackListSchema,
    }),
  ],
  { error: 'type must be "http" or "smtp"' },
);

/** Courier extension: the circuit breaker of every channel in a fallback chain, per worker process (delivery/circuit-breaker.ts). */
const circuitBreakerSchema = z
  .strictObject({
    /** Transient failures in a row (no success between), within `window_ms`, that open the circuit. */
    failure_threshold: z.number().int().min(1).max(1_000).default(5),
    window_ms: z.number().int().min(100).max(3_600_000).default(60_000),
    /** How long an open circuit is skipped before one message probes it (half-open). */
    open_ms: z.number().int().min(100).max(3_600_000).default(30_000),
  })
  .prefault({});

/** The Kratos-compatible `courier:` section. */
export const courierSectionSchema = z
  .strictObject({
    delivery_strategy: z.enum(['smtp', 'http']).default('smtp'),
    smtp: smtpSchema,
    http: z.strictObject({ request_config: requestConfigSchema.optional() }).prefault({}),
    channels: z.array(channelSchema).max(100).default([]),
    /** Courier extension: fallbacks of the default `email` channel (whatever `delivery_strategy` is). */
    fallback: fallbackListSchema,
    circuit_breaker: circuitBreakerSchema,
    template_override_path: z.string().min(1).optional(),
    templates: templatesConfigSchema,
    message_retries: z.number().int().min(0).max(100).default(5),
    /** Courier extension: the suppression list (config/suppression.ts). */
    suppression: suppressionSchema,
    /** Kratos's own worker tuning; accepted so Kratos configs load, not used. */
    worker: z.looseObject({}).optional(),
  })
  .superRefine((c, ctx) => {
    // No smtp.connection_uri is allowed, as in Kratos (an SMS-only setup): e-mails then fail
    // one by one, and start-up warns (config/warnings.ts).
    if (c.delivery_strategy === 'http' && c.http.request_config === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['http', 'request_config'],
        message: 'is required when delivery_strategy is "http"',
      });
    }
    const seen = new Set<string>();
    c.channels.forEach((ch, i) => {
      if (seen.has(ch.id)) {
        ctx.addIssue({ code: 'custom', path: ['channels', i, 'id'], message: `duplicate channel id "${ch.id}"` });
      }
      if (ch.id === 'email') {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', i, 'id'],
          message: '"email" is reserved for delivery_strategy',
        });
      }
      seen.add(ch.id);
    });
    for (const issue of fallbackIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
  })
  .prefault({});

const redisSchema = z
  .strictObject({
    url: z.string().default('redis://127.0.0.1:6379'),
    /** BullMQ key prefix; hash-tagged so every key of the queue lands in one Redis Cluster slot. */
    prefix: z.string().min(1).default('{courier}'),
    queue_name: z
      .string()
      .min(1)
      .regex(/^[^:]+$/, 'must not contain ":"')
      .refine((n) => n !== 'tracking', '"tracking" is reserved for Courier\'s own keys')
      .default('courier'),
    /** Use Redis Cluster with `url` as a seed node. */
    cluster: z.boolean().default(false),
  })
  .superRefine((r, ctx) => {
    if (!/^rediss?:\/\//.test(r.url)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'must be a redis:// or rediss:// URL' });
    }
    if (r.cluster && !/\{[^}]+\}/.test(r.prefix)) {
      ctx.addIssue({
        code: 'custom',
        path: ['prefix'],
        message: 'must contain a hash tag such as {courier} when cluster is true, so all keys share one slot',
      });
    }
  })
  .prefault({});

/**
 * Connection timeouts of an HTTP server (producer API, worker health server), so
 * a client trickling headers or a body a byte at a time cannot hold a connection
 * (and its memory) open indefinitely.
 */
const httpTimeoutsSchema = z
  .strictObject({
    /** Whole request (headers and body) must arrive within this. */
    request_ms: z.number().int().min(100).max(3_600_000).default(30_000),
    /** Headers must arrive within this. */
    headers_ms: z.number().int().min(100).max(3_600_000).default(10_000),
    /** An idle keep-alive connection is closed after this. */
    keep_alive_ms: z.number().int().min(100).max(3_600_000).default(5_000),
  })
  .superRefine((t, ctx) => {
    // Node refuses a headers timeout longer than the request timeout.
    if (t.headers_ms > t.request_ms) ctx.addIssue({ code: 'custom', path: ['headers_ms'], message: 'must not be more than request_ms' });
  })
  .prefault({});
export type HttpTimeouts = z.infer<typeof httpTimeoutsSchema>;

/**
 * Where the apps listen by default: loopback, so a plain install is not reachable
 * from the network until someone decides it should be. Containers (infra/) set
 * `0.0.0.0` explicitly.
 */
const DEFAULT_LISTEN_HOST = '127.0.0.1';

const workerSchema = z
  .strictObject({
    concurrency: z.number().int().min(1).max(10_000).default(50),
    /** Messages per second across all workers; unset means unlimited. */
    rate_limit_per_second: z.number().positive().optional(),
    backoff: z
      .strictObject({
        base_ms: z.number().int().min(1).default(1_000),
        max_ms: z
          .number()
          .int()
          .min(1)
          .default(15 * 60_000),
      })
      .prefault({}),
    shutdown_timeout_ms: z.number().int().min(0).default(20_000),
    // A dead worker's jobs are re-run within about lock_duration_ms + stalled_interval_ms
    // (the lock is renewed every quarter of its duration; see README, Crash recovery).
    lock_duration_ms: z.number().int().min(1_000).default(5_000),
    stalled_interval_ms: z.number().int().min(1_000).default(1_000),
    host: z.string().default(DEFAULT_LISTEN_HOST),
    port: z.number().int().min(0).max(65_535).default(4001),
    /** Of the health/metrics server. */
    timeouts: httpTimeoutsSchema,
    /** Per-channel send rates shared by every worker (Courier extension; config/rate-limits.ts). */
    rate_limits: workerRateLimitsSchema,
  })
  .prefault({});

/**
 * What an API key may do. `send`: enqueue (`POST /messages`, `/messages/batch`,
 * `/kratos/messages`). `read`: lists and single reads (also Kratos's admin API),
 * with secrets redacted. `admin`: retry, cancel, the dashboard, and single reads
 * with secrets (one-time codes, bodies) shown; implies `read`.
 */
export const API_KEY_SCOPES = ['send', 'read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

const apiKeySecret = z.string().min(16, 'API keys must be at least 16 characters');

/**
 * An API key: a plain string (every scope, as before scopes existed), or an
 * object naming its scopes and, optionally, a name for logs and records.
 */
const apiKeyEntrySchema = z.union([
  apiKeySecret,
  z.strictObject({
    key: apiKeySecret,
    scopes: z
      .array(z.enum(API_KEY_SCOPES))
      .min(1, 'must name at least one scope')
      .default([...API_KEY_SCOPES]),
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._-]+$/, 'may only contain letters, digits, ".", "_" and "-"')
      .optional(),
  }),
]);
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

/** Which field names `producer.redaction` treats as secret (see redaction/redactor.ts). */
const redactionSchema = z
  .strictObject({
    fields: z.array(z.string().min(1).max(128)).default([...DEFAULT_REDACTED_FIELDS]),
    patterns: z
      .array(
        z
          .string()
          .min(1)
          .max(256)
          .refine((p) => {
            try {
              new RegExp(p, 'i');
              return true;
            } catch {
              return false;
            }
          }, 'must be a valid regular expression'),
      )
      .default([...DEFAULT_REDACTED_PATTERNS]),
  })
  .prefault({});

const producerSchema = z
  .strictObject({
    host: z.string().default(DEFAULT_LISTEN_HOST),
    port: z.number().int().min(0).max(65_535).default(4000),
    api_keys: z
      .array(apiKeyEntrySchema)
      .superRefine((keys, ctx) => {
        // A name is a key's id in records and logs: two keys must not share one.
        const seen = new Set<string>();
        keys.forEach((k, i) => {
          if (typeof k === 'string' || k.name === undefined) return;
          if (seen.has(k.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate key name "${k.name}"` });
          seen.add(k.name);
        });
      })
      .default([]),
    body_limit_bytes: z
      .number()
      .int()
      .min(1_024)
      .default(5 * 1024 * 1024),
    /** Kept so existing files load; lists no longer carry content at all (they return summaries). */
    redact_bodies: z.boolean().default(true),
    timeouts: httpTimeoutsSchema,
    /**
     * Kratos's dev mode for its admin message API: show subject and body in
     * `/admin/courier/messages[/{id}]` instead of `<redacted-unless-dev-mode>`.
     */
    expose_message_content: z.boolean().default(false),
    redaction: redactionSchema,
    dashboard: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Refuse retry/clean/promote from Bull Board too (reads only). On unless turned off. */
        read_only: z.boolean().default(true),
      })
      .prefault({}),
    /** Per-recipient enqueue limits (Courier extension; config/rate-limits.ts). */
    rate_limits: producerRateLimitsSchema,
  })
  .prefault({});

const retentionSchema = z
  .strictObject({
    /** How long a sent, abandoned or cancelled message stays queryable. */
    finished_ttl_seconds: z
      .number()
      .int()
      .min(60)
      .default(7 * 24 * 3600),
    /** BullMQ completed/failed job trimming. */
    jobs_max_age_seconds: z
      .number()
      .int()
      .min(60)
      .default(24 * 3600),
    jobs_max_count: z.number().int().min(100).default(10_000),
  })
  .prefault({});

/**
 * Courier's own bounds on message content, checked by the producer before a
 * message is accepted and by the worker before it is rendered. Defaults in
 * message.ts (`DEFAULT_TEMPLATE_DATA_LIMITS`).
 */
const limitsSchema = z
  .strictObject({
    /** Most bytes of a message's `template_data` as JSON. */
    template_data_bytes: z
      .number()
      .int()
      .min(1_024)
      .max(16 * 1024 * 1024)
      .default(64 * 1024),
    /** Most values (objects, arrays, strings, numbers, ...) in a message's `template_data`. */
    template_data_elements: z.number().int().min(100).max(1_000_000).default(10_000),
    /** Deepest nesting of a message's `template_data`. */
    template_data_depth: z.number().int().min(2).max(64).default(32),
  })
  .prefault({});

/** Kratos's level names map onto pino's: `warning` is `warn`, `panic` is `fatal`. */
const LOG_LEVEL_ALIASES: Readonly<Record<string, string>> = { warning: 'warn', panic: 'fatal' };

/**
 * Kratos's `log` section: `level` (Kratos's names and pino's), `format` (`json`, the
 * default, or `text`: one `key=value` line per entry), `redaction_text` (what
 * replaces a redacted value), `leak_sensitive_values`
 * (accepted; Courier never logs message content, codes or credentials either way).
 */
const logSchema = z
  .strictObject({
    level: z
      .string()
      .default('info')
      .transform((l) => LOG_LEVEL_ALIASES[l] ?? l)
      .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
    format: z.enum(['json', 'text']).default('json'),
    leak_sensitive_values: z.boolean().default(false),
    redaction_text: z.string().default('[redacted]'),
  })
  .prefault({});

/**
 * Kratos's `clients` section (outgoing network settings). Other Kratos keys
 * (`web_hook`, ...) are ignored so a Kratos config loads as it is.
 * `http.disallow_private_ip_ranges` refuses HTTP delivery and template URLs whose
 * host is or resolves to a private, loopback, link-local or other non-public
 * address, except URLs matching `http.private_ip_exception_urls` (Ory globs);
 * `smtp.disallow_private_ip_ranges` does the same for the SMTP server. Off by
 * default, as in Kratos, so development setups on loopback work.
 */
const clientsSchema = z
  .looseObject({
    http: z
      .strictObject({
        disallow_private_ip_ranges: z.boolean().default(false),
        private_ip_exception_urls: z.array(z.string().min(1)).default([]),
      })
      .prefault({}),
    smtp: z.strictObject({ disallow_private_ip_ranges: z.boolean().default(false) }).prefault({}),
  })
  .prefault({});

/** The whole configuration file. */
export const configSchema = z
  .looseObject({
    clients: clientsSchema,
    courier: courierSectionSchema,
    redis: redisSchema,
    worker: workerSchema,
    producer: producerSchema,
    retention: retentionSchema,
    limits: limitsSchema,
    log: logSchema,
    /** Courier extension: signed delivery events (config/webhooks.ts). */
    webhooks: webhooksSchema,
  })
  .superRefine((c, ctx) => {
    // A rate for a channel that does not exist is a typo that would limit nothing.
    const ids = new Set(['email', ...c.courier.channels.map((ch) => ch.id)]);
    for (const id of Object.keys(c.worker.rate_limits.channels)) {
      if (!ids.has(id))
        ctx.addIssue({ code: 'custom', path: ['worker', 'rate_limits', 'channels', id], message: `no channel "${id}" is configured (have: ${[...ids].join(', ')})` });
    }
  });

/** The parsed, defaulted, frozen configuration every app receives. */
export type CourierConfig = z.infer<typeof configSchema>;
export type CourierSection = CourierConfig['courier'];
