/**
 * The redactor: secret field names at any depth, case- and snake/camel-insensitive,
 * by name or pattern; defaults cover Kratos's codes and links, legacy capitalised
 * names, the message content fields and common custom names.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { SECRET_TEMPLATE_FIELDS } from '../src/message.js';
import { createRedactor, snakeFieldName } from '../src/redaction/redactor.js';

const BASE = { courier: { smtp: { connection_uri: 'smtp://127.0.0.1:9/' } } };

describe('createRedactor', () => {
  it('normalises names to snake case', () => {
    expect(['RecoveryURL', 'LoginCode', 'magicLink', 'login-code', 'HTMLBody', 'recovery_code'].map(snakeFieldName)).toEqual([
      'recovery_url',
      'login_code',
      'magic_link',
      'login_code',
      'html_body',
      'recovery_code',
    ]);
  });

  it('by default redacts Kratos fields, legacy casing, content and custom secret names at any depth', () => {
    const r = createRedactor();
    for (const f of [...SECRET_TEMPLATE_FIELDS, 'LoginCode', 'RecoveryURL', 'VerificationCode', 'subject', 'body', 'html_body', 'magic_link', 'otp', 'resetToken', 'password']) {
      expect(r.isSecretField(f), f).toBe(true);
    }
    for (const f of ['to', 'identity', 'traits', 'email', 'name', 'expires_in_minutes', 'transient_payload']) expect(r.isSecretField(f), f).toBe(false);
    const input = { to: 'a@example.com', transient_payload: { otp: '1', list: [{ MagicLink: 'x' }, 'plain'] }, identity: { traits: { email: 'a@example.com' } } };
    const out = r.redact(input);
    expect(out).toEqual({
      to: 'a@example.com',
      transient_payload: { otp: '[redacted]', list: [{ MagicLink: '[redacted]' }, 'plain'] },
      identity: { traits: { email: 'a@example.com' } },
    });
    expect(input.transient_payload.otp).toBe('1');
  });

  it('takes configured fields and patterns only', () => {
    const r = createRedactor({ fields: ['customer_pin'], patterns: ['^ssn'] });
    expect(r.redact({ CustomerPin: 1, ssn_last4: '1234', login_code: 'shown' })).toEqual({ CustomerPin: '[redacted]', ssn_last4: '[redacted]', login_code: 'shown' });
  });

  it('is configured by producer.redaction, whose defaults are the redactor defaults', () => {
    const c = parseConfig({ ...BASE });
    expect(c.producer.redaction.fields).toContain('recovery_code');
    expect(c.producer.redaction.patterns).toContain('otp');
    expect(() => parseConfig({ ...BASE, producer: { redaction: { patterns: ['('] } } })).toThrow(/patterns/);
  });
});
