/**
 * The rate-limit keys (`producer.rate_limits`, `worker.rate_limits`): defaults, which
 * recipient limit applies to a type, and the checks that refuse a file.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, recipientLimitFor } from '../src/index.js';

const smtp = { connection_uri: 'smtp://h/', from_address: 'a@example.com' };

describe('rate-limit configuration', () => {
  it('sets no limit by default', () => {
    const config = parseConfig({ courier: { smtp } });
    expect(config.producer.rate_limits).toEqual({ recipients: { types: {} } });
    expect(config.worker.rate_limits).toEqual({ channels: {} });
    expect(recipientLimitFor(config.producer.rate_limits, 'login_code_valid')).toBeUndefined();
  });

  it('applies a type of its own, else the default; false turns a type off; raw messages count as `raw`', () => {
    const limits = parseConfig({
      courier: { smtp },
      producer: {
        rate_limits: {
          recipients: {
            default: { max: 10, window_seconds: 3600 },
            types: { login_code_valid: { max: 3, window_seconds: 60 }, recovery_code_valid: false, raw: { max: 1, window_seconds: 5 } },
          },
        },
      },
    }).producer.rate_limits;
    expect(recipientLimitFor(limits, 'login_code_valid')).toEqual({ max: 3, window_seconds: 60 });
    expect(recipientLimitFor(limits, 'verification_code_valid')).toEqual({ max: 10, window_seconds: 3600 });
    expect(recipientLimitFor(limits, 'recovery_code_valid')).toBeUndefined();
    expect(recipientLimitFor(limits, undefined)).toEqual({ max: 1, window_seconds: 5 });
  });

  it('fills channel rate defaults and refuses bad values, unknown types and unknown channels by key path', () => {
    const sms = { id: 'sms', type: 'http', request_config: { url: 'https://sms.example.com/' } };
    const config = parseConfig({
      courier: { smtp, channels: [sms] },
      worker: { rate_limits: { channels: { email: { max: 14 }, sms: { max: 100, per_seconds: 60, burst: 10 } } } },
    });
    expect(config.worker.rate_limits.channels).toEqual({
      email: { max: 14, per_seconds: 1, burst: 1, throttle_pause_ms: 1_000 },
      sms: { max: 100, per_seconds: 60, burst: 10, throttle_pause_ms: 1_000 },
    });
    expect(() => parseConfig({ courier: { smtp }, worker: { rate_limits: { channels: { sms: { max: 1 } } } } })).toThrow(/worker\.rate_limits\.channels\.sms: no channel "sms"/);
    expect(() => parseConfig({ courier: { smtp }, worker: { rate_limits: { channels: { email: { max: 0 } } } } })).toThrow(/worker\.rate_limits\.channels\.email\.max/);
    expect(() => parseConfig({ courier: { smtp }, worker: { rate_limits: { channels: { email: { max: 2, burst: 3 } } } } })).toThrow(/burst/);
    expect(() => parseConfig({ courier: { smtp }, producer: { rate_limits: { recipients: { types: { no_such_type: false } } } } })).toThrow(
      /producer\.rate_limits\.recipients\.types/,
    );
    expect(() => parseConfig({ courier: { smtp }, producer: { rate_limits: { recipients: { default: { max: 5 } } } } })).toThrow(/window_seconds/);
  });
});
