/**
 * Which delivery failures name the recipient (`courier.suppression` rules), judged on
 * real failures: the SMTP strategy against the SMTP sink refusing at RCPT TO and after
 * DATA, and the HTTP classifier's own errors. Plus the config section's defaults and bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '@courier/testkit';
import { suppressionSchema, type SuppressionConfig } from '../src/config/suppression.js';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { classifyHttpResponse } from '../src/delivery/http/classify.js';
import { recipientRejectionOf } from '../src/delivery/recipient-rejection.js';
import { createSmtpStrategy } from '../src/delivery/smtp.js';
import type { DeliveryStrategy } from '../src/delivery/strategy.js';
import { ConfigError, DeliveryError } from '../src/errors.js';

let sink: SmtpSink;
let smtp: DeliveryStrategy;
const DEFAULTS: SuppressionConfig = suppressionSchema.parse({ enabled: true });

beforeAll(async () => {
  sink = await startSmtpSink({ tls: 'none' });
  smtp = createSmtpStrategy({ smtp: { connection_uri: `smtp://127.0.0.1:${sink.port}/?disable_starttls=true`, from_address: 'courier@example.test', headers: {} } });
});

afterAll(async () => {
  await smtp.close?.();
  await sink.close();
});

/** What the strategy throws when the sink answers `code message` at `stage`. */
async function refusedWith(code: number, message: string, stage: 'rcpt' | 'data' = 'rcpt'): Promise<unknown> {
  sink.setResponder(() => ({ code, message }), stage);
  try {
    await smtp.send({ id: 'r', type: 'email', channel: 'email', recipient: 'someone@example.test', subject: 's', body: 'b' }, { attempt: 1 });
    return undefined;
  } catch (err) {
    return err;
  } finally {
    sink.setResponder(undefined);
  }
}

describe('SMTP rejections', () => {
  it('names the recipient for a listed enhanced code at RCPT TO (5.1.1, 5.1.10) and after DATA', async () => {
    const unknownUser = await refusedWith(550, '5.1.1 <someone@example.test>: Recipient address rejected: User unknown');
    expect(unknownUser).toBeInstanceOf(DeliveryError);
    expect(recipientRejectionOf(unknownUser, 'email', DEFAULTS)).toEqual({ code: '5.1.1', detail: (unknownUser as DeliveryError).message });
    expect(recipientRejectionOf(await refusedWith(556, '5.1.10 Recipient address has null MX'), 'email', DEFAULTS)?.code).toBe('5.1.10');
    expect(recipientRejectionOf(await refusedWith(550, '5.1.1 mailbox gone', 'data'), 'email', DEFAULTS)?.code).toBe('5.1.1');
  });

  it('does not for policy, other codes, transient failures, or codes not listed', async () => {
    expect(recipientRejectionOf(await refusedWith(550, '5.7.1 Message rejected by policy (user unknown)'), 'email', DEFAULTS)).toBeUndefined();
    expect(recipientRejectionOf(await refusedWith(552, '5.2.2 Mailbox full'), 'email', DEFAULTS)).toBeUndefined();
    expect(recipientRejectionOf(await refusedWith(450, '4.1.1 Try again later'), 'email', DEFAULTS)).toBeUndefined();
    expect(recipientRejectionOf(await refusedWith(550, 'User unknown'), 'email', DEFAULTS)).toBeUndefined(); // no enhanced code, no reply rule
    const onlyTen = suppressionSchema.parse({ enabled: true, smtp_codes: ['5.1.10'] });
    expect(recipientRejectionOf(await refusedWith(550, '5.1.1 User unknown'), 'email', onlyTen)).toBeUndefined();
  });

  it('matches a reply without an enhanced code by smtp_replies, at RCPT TO only', async () => {
    const rules = suppressionSchema.parse({ enabled: true, smtp_replies: [{ code: 550, contains: ['User Unknown', 'no such user'] }] });
    expect(recipientRejectionOf(await refusedWith(550, 'Sorry, USER UNKNOWN here'), 'email', rules)).toMatchObject({ code: '550' });
    expect(recipientRejectionOf(await refusedWith(551, 'user unknown'), 'email', rules)).toBeUndefined();
    expect(recipientRejectionOf(await refusedWith(550, 'relaying denied'), 'email', rules)).toBeUndefined();
    expect(recipientRejectionOf(await refusedWith(550, 'user unknown', 'data'), 'email', rules)).toBeUndefined();
    // A reply with an enhanced code is judged by smtp_codes alone, whatever its text says.
    expect(recipientRejectionOf(await refusedWith(550, '5.7.1 user unknown'), 'email', rules)).toBeUndefined();
  });

  it('ignores anything that is not a permanent DeliveryError', () => {
    expect(recipientRejectionOf(new Error('550 5.1.1 user unknown'), 'email', DEFAULTS)).toBeUndefined();
    expect(recipientRejectionOf(new DeliveryError('SMTP_PERMANENT', 'SMTP 550: 5.1.1', { retryable: true }), 'email', DEFAULTS)).toBeUndefined();
  });
});

describe('HTTP rejections', () => {
  const rules = suppressionSchema.parse({
    enabled: true,
    http: [
      { status: 404, channels: ['sms'] },
      { status: 422, contains: ['invalid phone number'] },
    ],
  });
  const answered = (status: number, body: string): DeliveryError => classifyHttpResponse(status, new Headers(), body);

  it('names the recipient for a listed status (and phrase), on the listed channels', () => {
    expect(recipientRejectionOf(answered(404, 'no such subscriber'), 'sms', rules)).toMatchObject({ code: 'HTTP 404' });
    expect(recipientRejectionOf(answered(404, 'no such subscriber'), 'push', rules)).toBeUndefined();
    expect(recipientRejectionOf(answered(422, '{"error":"Invalid phone number"}'), 'push', rules)).toMatchObject({ code: 'HTTP 422' });
    expect(recipientRejectionOf(answered(422, '{"error":"body too long"}'), 'sms', rules)).toBeUndefined();
    expect(recipientRejectionOf(answered(401, 'bad token'), 'sms', rules)).toBeUndefined();
    expect(recipientRejectionOf(answered(503, 'invalid phone number'), 'sms', rules)).toBeUndefined();
  });

  it('has no HTTP rules by default', () => {
    expect(recipientRejectionOf(answered(404, 'unknown'), 'sms', DEFAULTS)).toBeUndefined();
  });
});

describe('courier.suppression config', () => {
  const base = { courier: { smtp: { connection_uri: 'smtp://127.0.0.1:25/' } } };

  it('is off by default, with 5.1.1, 5.1.6 and 5.1.10, a year and 100,000 entries', () => {
    expect(parseConfig(base).courier.suppression).toEqual({
      enabled: false,
      smtp_codes: ['5.1.1', '5.1.6', '5.1.10'],
      smtp_replies: [],
      http: [],
      ttl_seconds: 31_536_000,
      max_entries: 100_000,
    });
  });

  it('takes environment overrides by key path', () => {
    const config = loadConfig({
      env: {
        COURIER_SMTP_CONNECTION_URI: 'smtp://127.0.0.1:25/',
        COURIER_SUPPRESSION_ENABLED: 'true',
        COURIER_SUPPRESSION_SMTP_CODES: '5.1.1,5.1.2',
        COURIER_SUPPRESSION_TYPES: '["recovery_code_valid"]',
        COURIER_SUPPRESSION_TTL_SECONDS: '0',
      },
    });
    expect(config.courier.suppression).toMatchObject({ enabled: true, smtp_codes: ['5.1.1', '5.1.2'], types: ['recovery_code_valid'], ttl_seconds: 0 });
  });

  it('refuses 5.7.x, non-permanent codes, unknown keys, bad types and out-of-range bounds, naming the key', () => {
    const bad = (suppression: unknown): string => {
      try {
        parseConfig({ courier: { ...base.courier, suppression } });
        return '';
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return `${(err as ConfigError).message} ${JSON.stringify((err as ConfigError).issues)}`;
      }
    };
    expect(bad({ smtp_codes: ['5.7.1'] })).toContain('courier.suppression.smtp_codes.0');
    expect(bad({ smtp_codes: ['4.1.1'] })).toContain('smtp_codes');
    expect(bad({ types: ['no_such_type'] })).toContain('courier.suppression.types.0');
    expect(bad({ max_entries: 0 })).toContain('max_entries');
    expect(bad({ ttl_seconds: -1 })).toContain('ttl_seconds');
    expect(bad({ smtp_replies: [{ code: 450, contains: ['x y z'] }] })).toContain('smtp_replies');
    expect(bad({ http: [{ status: 500 }] })).toContain('http');
    expect(bad({ enable: true })).toContain('suppression');
  });
});
