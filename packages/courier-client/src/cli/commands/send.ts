/**
 * `courier send`: enqueue one message, templated (`--template` + `--data`) or
 * raw (`--subject`, `--body`, `--html`). Only the shape of the command line is
 * checked here; the producer validates the message and its 400 names the field.
 */
import type { NewMessage, TemplateData, TemplateType } from '../../types.js';
import { UsageError, integerOption, stringOption, type OptionValues } from '../args.js';
import { json } from '../format.js';
import { clientFrom, type CliIo } from '../io.js';

function templateData(raw: string | undefined): TemplateData | undefined {
  if (raw === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    throw new UsageError('--data must be a JSON object, e.g. --data \'{"recovery_code":"123456"}\'');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError('--data must be a JSON object');
  return data as TemplateData;
}

/** Build the message from the options. */
function messageFromOptions(values: OptionValues): NewMessage {
  const recipient = stringOption(values, 'to');
  if (recipient === undefined) throw new UsageError('send needs --to <recipient>');
  const type = stringOption(values, 'type') ?? 'email';
  if (type !== 'email' && type !== 'sms') throw new UsageError('--type must be email or sms');
  const template = stringOption(values, 'template');
  const raw = { subject: stringOption(values, 'subject'), body: stringOption(values, 'body'), html_body: stringOption(values, 'html') };
  const channel = stringOption(values, 'channel');
  const base = { type, recipient, ...(channel === undefined ? {} : { channel }) } as const;
  if (template !== undefined) {
    if (raw.subject !== undefined || raw.body !== undefined || raw.html_body !== undefined) {
      throw new UsageError('give --template (with --data) or --subject/--body/--html, not both');
    }
    const data = templateData(stringOption(values, 'data'));
    return { ...base, template_type: template as TemplateType, ...(data === undefined ? {} : { template_data: data }) };
  }
  if (stringOption(values, 'data') !== undefined) throw new UsageError('--data goes with --template');
  if (raw.body === undefined) throw new UsageError('send needs --template <type> or --body <text>');
  return {
    ...base,
    body: raw.body,
    ...(raw.subject === undefined ? {} : { subject: raw.subject }),
    ...(raw.html_body === undefined ? {} : { html_body: raw.html_body }),
  };
}

/** Run the command. */
export async function send(values: OptionValues, io: CliIo): Promise<number> {
  const message = messageFromOptions(values);
  const delayMs = integerOption(values, 'delay-ms', 0, Number.MAX_SAFE_INTEGER);
  const priority = integerOption(values, 'priority', 1, 1_000_000);
  const sendAt = stringOption(values, 'send-at');
  const ttlSeconds = integerOption(values, 'ttl', 1, Number.MAX_SAFE_INTEGER);
  const expiresAt = stringOption(values, 'expires-at');
  const idempotencyKey = stringOption(values, 'idempotency-key');
  const client = clientFrom(values, io);
  const result = await client.send(message, {
    ...(delayMs === undefined ? {} : { delayMs }),
    ...(priority === undefined ? {} : { priority }),
    ...(sendAt === undefined ? {} : { sendAt }),
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  });
  if (values['json'] === true) {
    io.stdout(`${json(result)}\n`);
  } else {
    io.stdout(`queued ${result.id}${result.replayed ? ' (already accepted earlier with this idempotency key)' : ''}\n`);
  }
  return 0;
}
