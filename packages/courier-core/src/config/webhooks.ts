/**
 * `webhooks:` (a Courier extension; Kratos has no such section): endpoints that receive
 * signed delivery events (`webhooks/`), and how they are delivered. Secrets are checked
 * at load and never echoed in an error.
 */
import { z } from 'zod';
import { parseWebhookSecret } from '../webhooks/signature.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/events.js';

/** Most endpoints: each event is one job per endpoint. */
const MAX_ENDPOINTS = 20;
const MAX_URL_LENGTH = 2_048;
const MAX_HEADERS = 20;
/** Headers Courier sets itself on a webhook request: an endpoint's `headers` may not replace them. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
]);

const endpointSchema = z.strictObject({
  /** Names the endpoint in logs, metrics and job ids. */
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'may only contain letters, digits, "_" and "-"'),
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .max(MAX_URL_LENGTH)
    .refine((u) => {
      const url = new URL(u);
      return url.username === '' && url.password === '';
    }, 'must not hold credentials (use headers)'),
  /** `whsec_` + base64 of 24 to 64 bytes (Standard Webhooks). */
  secret: z.string().superRefine((s, ctx) => {
    const parsed = parseWebhookSecret(s);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
  }),
  /** The event types sent to this endpoint; all by default. */
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES))
    .min(1)
    .max(WEBHOOK_EVENT_TYPES.length * 2)
    .default([...WEBHOOK_EVENT_TYPES]),
  /** Extra request headers (e.g. an authorization the receiver wants). */
  headers: z
    .record(z.string(), z.string().max(4_096))
    .superRefine((headers, ctx) => {
      const names = Object.keys(headers);
      if (names.length > MAX_HEADERS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_HEADERS} headers` });
      for (const name of names) {
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'must be an HTTP header name' });
        else if (RESERVED_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: 'is set by Courier' });
      }
    })
    .default({}),
});

export const webhooksSchema = z
  .strictObject({
    endpoints: z
      .array(endpointSchema)
      .max(MAX_ENDPOINTS)
      .superRefine((endpoints, ctx) => {
        const seen = new Set<string>();
        endpoints.forEach((e, i) => {
          if (seen.has(e.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate endpoint id "${e.id}"` });
          seen.add(e.id);
        });
      })
      .default([]),
    /** One request's deadline (the spec recommends 15-30 s). */
    timeout_ms: z.number().int().min(100).max(60_000).default(15_000),
    /** Attempts per event and endpoint before it is given up. */
    max_attempts: z.number().int().min(1).max(50).default(15),
    /** Exponential backoff with jitter between attempts (as `worker.backoff`); a `Retry-After` is honoured. */
    backoff: z
      .strictObject({
        base_ms: z.number().int().min(100).max(3_600_000).default(5_000),
        max_ms: z
          .number()
          .int()
          .min(100)
          .max(24 * 3_600_000)
          .default(3_600_000),
      })
      .prefault({}),
    /** Webhook requests in flight at once per worker process. */
    concurrency: z.number().int().min(1).max(100).default(5),
  })
  .prefault({});
