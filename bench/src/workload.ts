/**
 * The messages every scenario sends: a templated verification-code e-mail (the
 * built-in `verification_code_valid` template, HTML and plain text) and the same
 * template as an SMS over HTTP. Courier gets validated v1 job payloads, built the
 * way the producer builds them; the baseline gets the bare data its worker needs.
 */
import { newMessageId, newMessageSchema, toJobPayload, type JobPayload, type NewMessage } from '@courier/core';

/** A six-digit code that differs per message. */
export function codeFor(i: number): string {
  return String(100_000 + ((i * 7_919) % 900_000));
}

/** Recipient of message `i` of a run tagged `tag`. */
export function emailRecipient(tag: string, i: number): string {
  return `${tag}-${i}@bench.test`;
}

/** A templated e-mail as a client sends it to `POST /messages`. */
export function emailMessage(recipient: string, i: number): NewMessage {
  return {
    type: 'email',
    recipient,
    template_type: 'verification_code_valid',
    template_data: { verification_code: codeFor(i), expires_in_minutes: 15 },
  };
}

/** A templated SMS for the `sms` HTTP channel. */
export function smsMessage(recipient: string, i: number): NewMessage {
  return {
    type: 'sms',
    channel: 'sms',
    recipient,
    template_type: 'verification_code_valid',
    template_data: { verification_code: codeFor(i) },
  };
}

/** Build validated job payloads, as the producer does before enqueueing. */
export function payloadsFor(count: number, make: (i: number) => NewMessage): JobPayload[] {
  const now = new Date();
  return Array.from({ length: count }, (_, i) => toJobPayload(newMessageSchema.parse(make(i)), newMessageId(), now));
}

/** Job data of the baseline workers: a templated message's code, or a raw message's subject and body. */
export interface BaselineJob {
  readonly to: string;
  readonly code?: string;
  readonly subject?: string;
  readonly body?: string;
}

/** A raw (untemplated) text e-mail: subject and body as the client gives them. */
export function rawEmailMessage(recipient: string, i: number): NewMessage {
  return { type: 'email', recipient, subject: `Your code ${codeFor(i)}`, body: rawBody(i) };
}

/** The body of raw message `i` (~300 bytes of plain text). */
function rawBody(i: number): string {
  return `Hi,\n\nyour sign-in code is ${codeFor(i)}. It expires in 15 minutes.\n\nIf you did not ask for it, ignore this message; nobody can sign in without the code.\n\nThanks,\nthe team\n`;
}

/** Baseline raw jobs: the same subjects and bodies. */
export function baselineRawJobs(count: number, recipient: (i: number) => string): { name: string; data: BaselineJob }[] {
  return Array.from({ length: count }, (_, i) => ({ name: 'raw', data: { to: recipient(i), subject: `Your code ${codeFor(i)}`, body: rawBody(i) } }));
}

/** Baseline jobs for the same recipients and codes. */
export function baselineJobs(count: number, recipient: (i: number) => string): { name: string; data: BaselineJob }[] {
  return Array.from({ length: count }, (_, i) => ({ name: 'verification_code_valid', data: { to: recipient(i), code: codeFor(i) } }));
}

/** Jsonnet body of Courier's SMS channel: the same fields the baseline builds in plain JS. */
export const SMS_BODY_JSONNET = `function(ctx) {
  to: ctx.recipient,
  body: ctx.body,
  template_type: ctx.template_type,
}
`;
