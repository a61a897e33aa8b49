/** The message model's expiry rules: which template types expire, and how expires_at is derived. */
import { describe, expect, it } from 'vitest';
import { EXPIRING_TEMPLATE_TYPES, MAX_TTL_SECONDS, TEMPLATE_TYPES, expiresAtFor, isExpired } from '../src/message.js';
import { MODEL_FIELDS } from '../src/templates/model-fields.js';

const NOW = new Date('2030-01-01T00:00:00.000Z');

describe('expiry', () => {
  it('lets exactly the template types whose Kratos model has ExpiresInMinutes expire', () => {
    const withField = TEMPLATE_TYPES.filter((t) => MODEL_FIELDS[t].some((f) => f.goName === 'ExpiresInMinutes'));
    expect([...EXPIRING_TEMPLATE_TYPES].sort()).toEqual([...withField].sort());
  });

  it('derives expires_at from expires_at, ttl_seconds, or expires_in_minutes, in that order', () => {
    expect(expiresAtFor({ expires_at: '2030-01-01T02:00:00+01:00', ttl_seconds: 5 }, NOW)).toBe('2030-01-01T01:00:00.000Z');
    expect(expiresAtFor({ ttl_seconds: 90, template_type: 'login_code_valid', template_data: { expires_in_minutes: 5 } }, NOW)).toBe('2030-01-01T00:01:30.000Z');
    expect(expiresAtFor({ template_type: 'login_code_valid', template_data: { expires_in_minutes: 5 } }, NOW)).toBe('2030-01-01T00:05:00.000Z');
    expect(expiresAtFor({ template_type: 'login_code_valid', template_data: { expires_in_minutes: 1e15 } }, NOW)).toBe(
      new Date(NOW.getTime() + MAX_TTL_SECONDS * 1000).toISOString(),
    );
    for (const none of [
      {},
      { template_type: 'login_code_valid' as const, template_data: { expires_in_minutes: 0 } },
      { template_type: 'login_code_valid' as const, template_data: { expires_in_minutes: '5' } },
      { template_type: 'recovery_code_invalid' as const, template_data: { expires_in_minutes: 5 } },
    ]) {
      expect(expiresAtFor(none, NOW)).toBeUndefined();
    }
  });

  it('is expired at and after expires_at, never without one', () => {
    expect(isExpired({ expires_at: NOW.toISOString() }, NOW.getTime())).toBe(true);
    expect(isExpired({ expires_at: NOW.toISOString() }, NOW.getTime() - 1)).toBe(false);
    expect(isExpired({}, NOW.getTime())).toBe(false);
  });
});
