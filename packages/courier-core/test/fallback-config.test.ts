/**
 * Fallback configuration (Courier extension): `courier.fallback`,
 * `courier.channels[].fallback`, `type: smtp` channels and `courier.circuit_breaker`
 * as the schema accepts and refuses them, and the chains they resolve to.
 */
import { describe, expect, it } from 'vitest';
import { courierSectionSchema } from '../src/config/schema.js';
import { fallbackChain, fallbackGraph } from '../src/config/fallback.js';

const SMTP = (port: number) => ({ connection_uri: `smtp://127.0.0.1:${port}/?disable_starttls=true` });
const HTTP = { url: 'http://127.0.0.1:9/send' };

function issuesOf(courier: Record<string, unknown>): string[] {
  const parsed = courierSectionSchema.safeParse(courier);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('fallback configuration', () => {
  it('accepts SMTP -> SMTP -> HTTP with defaults for the circuit breaker', () => {
    const courier = courierSectionSchema.parse({
      smtp: SMTP(25),
      fallback: ['backup'],
      channels: [
        { id: 'backup', type: 'smtp', smtp: { ...SMTP(26), pool: { max_connections: 2 } }, fallback: ['mail-api'] },
        { id: 'mail-api', type: 'http', request_config: HTTP },
        { id: 'sms', type: 'http', request_config: HTTP, fallback: ['sms-2'] },
        { id: 'sms-2', type: 'http', request_config: HTTP },
      ],
    });
    expect(courier.circuit_breaker).toEqual({ failure_threshold: 5, window_ms: 60_000, open_ms: 30_000 });
    const backup = courier.channels[0];
    expect(backup?.type === 'smtp' && backup.smtp.pool).toEqual({ max_connections: 2, max_messages: 1_000 });
    const graph = fallbackGraph(courier);
    expect(fallbackChain(graph, 'email')).toEqual(['email', 'backup', 'mail-api']);
    expect(fallbackChain(graph, 'sms')).toEqual(['sms', 'sms-2']);
    expect(fallbackChain(graph, 'mail-api')).toEqual(['mail-api']);
  });

  it('resolves fallbacks of fallbacks breadth first, each channel once', () => {
    const graph = fallbackGraph({
      fallback: ['a', 'b'],
      channels: [
        { id: 'a', type: 'smtp', fallback: ['c'] },
        { id: 'b', type: 'smtp', fallback: ['c', 'd'] },
        { id: 'c', type: 'smtp' },
        { id: 'd', type: 'smtp' },
      ],
    });
    expect(fallbackChain(graph, 'email')).toEqual(['email', 'a', 'b', 'c', 'd']);
  });

  it('refuses unknown ids, itself, duplicates, naming the key path', () => {
    expect(
      issuesOf({
        smtp: SMTP(25),
        fallback: ['nope', 'email', 'mail-api', 'mail-api'],
        channels: [{ id: 'mail-api', type: 'http', request_config: HTTP }],
      }),
    ).toEqual([
      'fallback.0: no channel "nope" is configured (have: email, mail-api)',
      'fallback.1: channel "email" cannot fall back to itself',
      'fallback.3: "mail-api" is listed twice',
    ]);
  });

  it('refuses a cycle', () => {
    expect(
      issuesOf({
        smtp: SMTP(25),
        fallback: ['a'],
        channels: [
          { id: 'a', type: 'smtp', smtp: SMTP(26), fallback: ['b'] },
          { id: 'b', type: 'smtp', smtp: SMTP(27), fallback: ['email'] },
        ],
      }),
    ).toEqual(['fallback: fallbacks form a cycle: email -> a -> b -> email']);
  });

  it('refuses a fallback that cannot carry the channel’s messages (SMS to SMTP, e-mail to SMS)', () => {
    expect(
      issuesOf({
        smtp: SMTP(25),
        fallback: ['sms'],
        channels: [
          { id: 'sms', type: 'http', request_config: HTTP, fallback: ['backup'] },
          { id: 'backup', type: 'smtp', smtp: SMTP(26) },
        ],
      }),
    ).toEqual([
      'fallback.0: channel "email" carries email messages, "sms" carries sms only: it cannot be a fallback of "email"',
      'channels.0.fallback.0: channel "sms" carries sms messages, "backup" carries email only: it cannot be a fallback of "sms"',
    ]);
  });

  it('limits a list to 4 entries and a resolved chain to 5 channels', () => {
    const many = ['a', 'b', 'c', 'd', 'e'];
    const channels = many.map((id) => ({ id, type: 'smtp', smtp: SMTP(26) }));
    expect(issuesOf({ smtp: SMTP(25), fallback: many, channels })).toEqual(['fallback: Too big: expected array to have <=4 items']);
    expect(
      issuesOf({
        smtp: SMTP(25),
        fallback: ['a', 'b', 'c', 'd'],
        channels: [{ ...channels[0], fallback: ['e'] }, ...channels.slice(1)],
      }),
    ).toEqual(['fallback: channel "email" resolves to 6 channels (email, a, b, c, d, e); at most 5 are allowed']);
  });

  it('requires connection_uri on an smtp channel and names the valid channel types', () => {
    expect(issuesOf({ channels: [{ id: 'backup', type: 'smtp', smtp: { from_address: 'a@example.com' } }] })).toEqual([
      'channels.0.smtp.connection_uri: is required for a channel of type "smtp"',
    ]);
    expect(issuesOf({ channels: [{ id: 'x', type: 'ses' }] })).toEqual(['channels.0.type: type must be "http" or "smtp"']);
  });

  it('bounds the circuit breaker settings', () => {
    expect(issuesOf({ circuit_breaker: { failure_threshold: 0, window_ms: 50, open_ms: 4_000_000, extra: 1 } })).toEqual([
      'circuit_breaker.failure_threshold: Too small: expected number to be >=1',
      'circuit_breaker.window_ms: Too small: expected number to be >=100',
      'circuit_breaker.open_ms: Too big: expected number to be <=3600000',
      'circuit_breaker: Unrecognized key: "extra"',
    ]);
  });
});
