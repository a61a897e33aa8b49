/**
 * Whether a delivery failure names the recipient, by the rules of `courier.suppression`
 * (config/suppression.ts): a permanent SMTP rejection at RCPT TO (or after DATA) whose
 * enhanced status code is listed (5.1.1 "no such mailbox" by default), a reply without
 * an enhanced code whose basic code and text match a rule, or an HTTP channel's 4xx
 * answer matching a rule. Anything else (a 5.7.x policy refusal, an authentication or
 * TLS failure, a rejected sender at MAIL FROM, a retryable failure) does not.
 */
import type { SuppressionConfig } from '../config/suppression.js';
import { DeliveryError } from '../errors.js';

/** What put a recipient on the list: the code (`5.1.1`, `550`, `HTTP 404`) and the provider's words. */
export interface RecipientRejection {
  readonly code: string;
  /** The error's message (already free of secrets; bounded by the strategies). */
  readonly detail: string;
}

/** The SMTP steps whose rejection concerns the recipient. */
const RECIPIENT_STEPS: ReadonlySet<string> = new Set(['RCPT TO', 'DATA']);

/** `550 5.1.1 ...` or `550-5.1.1 ...`: the enhanced status code after the reply code (RFC 3463, RFC 2034). */
const ENHANCED_CODE = /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})(?=\s|$)/;

/** Our own HTTP failure text (delivery/http/classify.ts `classifyHttpResponse`). */
const HTTP_STATUS_TEXT = /^provider answered HTTP (\d{3})\b/;

interface SmtpFields {
  readonly responseCode: number | undefined;
  readonly response: string | undefined;
  readonly command: string | undefined;
}

/** The fields of nodemailer's error that classification kept on the cause (smtp-errors.ts: the original or a scrubbed copy). */
function smtpFieldsOf(cause: unknown): SmtpFields {
  if (typeof cause !== 'object' || cause === null) return { responseCode: undefined, response: undefined, command: undefined };
  const c = cause as Record<string, unknown>;
  return {
    responseCode: typeof c['responseCode'] === 'number' ? c['responseCode'] : undefined,
    response: typeof c['response'] === 'string' ? c['response'] : undefined,
    command: typeof c['command'] === 'string' ? c['command'] : undefined,
  };
}

const containsAny = (text: string, phrases: readonly string[] | undefined): boolean => phrases === undefined || phrases.some((p) => text.includes(p));

function smtpRejection(err: DeliveryError, rules: SuppressionConfig): RecipientRejection | undefined {
  if (err.code !== 'SMTP_PERMANENT') return undefined;
  const f = smtpFieldsOf(err.cause);
  if (f.responseCode === undefined || f.response === undefined || f.command === undefined || !RECIPIENT_STEPS.has(f.command)) return undefined;
  const enhanced = ENHANCED_CODE.exec(f.response)?.[1];
  if (enhanced !== undefined) {
    // A reply with an enhanced code is judged by it alone, so a 5.7.1 saying "user unknown" never suppresses.
    return rules.smtp_codes.includes(enhanced) ? { code: enhanced, detail: err.message } : undefined;
  }
  if (f.command !== 'RCPT TO') return undefined;
  const text = f.response.toLowerCase();
  const rule = rules.smtp_replies.find((r) => r.code === f.responseCode && containsAny(text, r.contains));
  return rule === undefined ? undefined : { code: String(f.responseCode), detail: err.message };
}

function httpRejection(err: DeliveryError, channel: string, rules: SuppressionConfig): RecipientRejection | undefined {
  if (err.code !== 'HTTP_STATUS_PERMANENT' || rules.http.length === 0) return undefined;
  const status = Number(HTTP_STATUS_TEXT.exec(err.message)?.[1]);
  const text = err.message.toLowerCase();
  const rule = rules.http.find((r) => r.status === status && (r.channels === undefined || r.channels.includes(channel)) && containsAny(text, r.contains));
  return rule === undefined ? undefined : { code: `HTTP ${status}`, detail: err.message };
}

/**
 * The rejection that puts the recipient on the suppression list, or undefined.
 *
 * @param err - What the channel's `send` threw.
 * @param channel - The channel id (`email` is SMTP or, with `delivery_strategy: http`, HTTP; others are HTTP).
 */
export function recipientRejectionOf(err: unknown, channel: string, rules: SuppressionConfig): RecipientRejection | undefined {
  if (!(err instanceof DeliveryError) || err.retryable) return undefined;
  return smtpRejection(err, rules) ?? httpRejection(err, channel, rules);
}
