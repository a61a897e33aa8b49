/**
 * `courier webhooks secret|verify`: make an endpoint secret, and check a received
 * delivery event (body file and headers) as a receiver would (`verifyWebhook`).
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { newWebhookSecret, verifyWebhook, WebhookVerificationError } from '../../webhooks.js';
import { UsageError, integerOption, stringOption, type OptionValues } from '../args.js';
import { json, safeText } from '../format.js';
import type { CliIo } from '../io.js';

/** Largest body file read: events are a few hundred bytes. */
const MAX_BODY_BYTES = 1024 * 1024;

/** `webhooks secret [--json]`: a new random `whsec_` secret. */
export function webhookSecret(values: OptionValues, io: CliIo): number {
  const secret = newWebhookSecret();
  io.stdout(values['json'] === true ? `${json({ secret })}\n` : `${secret}\n`);
  return 0;
}

/** `webhooks verify --body-file f --id i --timestamp t --signature s [--tolerance n]`, the secret in COURIER_WEBHOOK_SECRET. */
export function webhookVerify(values: OptionValues, io: CliIo): number {
  const secret = io.env['COURIER_WEBHOOK_SECRET'];
  if (secret === undefined || secret === '') throw new UsageError('set COURIER_WEBHOOK_SECRET to the endpoint secret (whsec_...)');
  const need = (name: string): string => {
    const v = stringOption(values, name);
    if (v === undefined) throw new UsageError(`webhooks verify needs --${name}`);
    return v;
  };
  const path = resolve(io.cwd, need('body-file'));
  const headers = { 'webhook-id': need('id'), 'webhook-timestamp': need('timestamp'), 'webhook-signature': need('signature') };
  const tolerance = integerOption(values, 'tolerance', 0, 10 * 365 * 24 * 3600);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`cannot read --body-file ${safeText(path)}`);
  }
  if (size > MAX_BODY_BYTES) throw new UsageError(`--body-file is larger than ${MAX_BODY_BYTES} bytes`);
  const body = readFileSync(path);
  try {
    const event = verifyWebhook(secret, body, headers, tolerance === undefined ? {} : { toleranceSeconds: tolerance });
    io.stdout(values['json'] === true ? `${json(event)}\n` : `verified: ${safeText(event.type)} ${safeText(event.data.id)} (${safeText(event.data.status)})\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) throw err;
    io.stderr(`courier: not verified: ${err.message}\n`);
    return 1;
  }
}
