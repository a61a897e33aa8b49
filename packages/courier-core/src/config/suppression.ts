/**
 * `courier.suppression` (a Courier extension; Kratos has no suppression list): which
 * permanent rejections put a recipient on the list, which messages the list stops, and
 * how big and how long-lived it is. The matching itself is suppression/rejection.ts.
 */
import { z } from 'zod';
import { templateTypeSchema } from '../message.js';

/** An enhanced status code (RFC 3463) of a permanent failure, e.g. `5.1.1`. */
const enhancedCodeSchema = z.string().regex(/^5\.\d{1,3}\.\d{1,3}$/, 'must be a permanent enhanced status code such as 5.1.1');

/** Lower-cased phrases a rule looks for in the reply (case-insensitive substring, never a regular expression). */
const phrasesSchema = z
  .array(
    z
      .string()
      .min(3)
      .max(100)
      .transform((s) => s.toLowerCase()),
  )
  .max(50);

/** A rule for SMTP replies that carry no enhanced status code: the reply code and a phrase of its text. */
const smtpReplyRuleSchema = z.strictObject({
  code: z.number().int().min(500).max(599),
  contains: phrasesSchema.min(1),
});

/** A rule for HTTP channels: the provider's status (and optionally a phrase of its answer), on some channels or all. */
const httpRuleSchema = z.strictObject({
  status: z.number().int().min(400).max(499),
  contains: phrasesSchema.optional(),
  channels: z.array(z.string().min(1)).min(1).optional(),
});

export const suppressionSchema = z
  .strictObject({
    /** Off unless turned on: see the README ("Suppression list") for why. */
    enabled: z.boolean().default(false),
    /** Enhanced codes that put the recipient on the list, given at RCPT TO or after DATA. */
    smtp_codes: z.array(enhancedCodeSchema).max(50).default(['5.1.1', '5.1.6', '5.1.10']),
    /** Rules for replies without an enhanced code (a reply with one is judged by `smtp_codes` alone). */
    smtp_replies: z.array(smtpReplyRuleSchema).max(20).default([]),
    /** Rules for HTTP channels; none by default (a provider's 4xx rarely names the recipient alone). */
    http: z.array(httpRuleSchema).max(20).default([]),
    /** The template types the list applies to (adding and stopping); absent: every message, raw ones included. */
    types: z.array(templateTypeSchema).min(1).optional(),
    /** How long an entry lasts; 0 keeps it until deleted. Default one year. */
    ttl_seconds: z
      .number()
      .int()
      .min(0)
      .max(10 * 365 * 86_400)
      .default(365 * 86_400),
    /** Most entries; adding one more evicts the oldest (logged). */
    max_entries: z.number().int().min(1).max(10_000_000).default(100_000),
  })
  .superRefine((s, ctx) => {
    for (const [i, code] of s.smtp_codes.entries()) {
      // 5.7.x is security or policy: the sender or the content, not the mailbox.
      if (code.startsWith('5.7.')) ctx.addIssue({ code: 'custom', path: ['smtp_codes', i], message: '5.7.x is a policy rejection, not one that names the recipient' });
    }
  })
  .prefault({});

export type SuppressionConfig = z.infer<typeof suppressionSchema>;
