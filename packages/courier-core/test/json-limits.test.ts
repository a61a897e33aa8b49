/**
 * The bounded check of template data: every limit, the path it names, and that
 * it stops early instead of walking hostile input.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkJsonLimits, isWellFormedText } from '../src/json-limits.js';
import { parseConfig } from '../src/config/load.js';
import { templateDataLimitsOf } from '../src/config/limits.js';
import { configureTemplateDataLimits, DEFAULT_TEMPLATE_DATA_LIMITS, newMessageSchema, templateDataSchema } from '../src/message.js';

const limits = { maxBytes: 1_000, maxElements: 50, maxDepth: 4 };

afterEach(() => configureTemplateDataLimits(DEFAULT_TEMPLATE_DATA_LIMITS));

describe('checkJsonLimits', () => {
  it('accepts data within every limit', () => {
    expect(checkJsonLimits({ a: 'x', b: [1, 2, { c: true, d: null }] }, limits)).toBeUndefined();
  });

  it('counts bytes as JSON would take them, in UTF-8', () => {
    const value = { s: 'x'.repeat(100) };
    const json = JSON.stringify(value).length;
    expect(checkJsonLimits(value, { ...limits, maxBytes: json })).toBeUndefined();
    expect(checkJsonLimits(value, { ...limits, maxBytes: json - 1 })).toEqual({ path: ['s'], message: `must not be larger than ${json - 1} bytes as JSON` });
    const escaped = { s: '\u0001"\n'.repeat(10) };
    const escapedJson = JSON.stringify(escaped).length;
    expect(checkJsonLimits(escaped, { ...limits, maxBytes: escapedJson })).toBeUndefined();
    expect(checkJsonLimits(escaped, { ...limits, maxBytes: escapedJson - 1 })).toBeDefined();
    const euro = { s: '€'.repeat(10) };
    expect(checkJsonLimits(euro, { ...limits, maxBytes: Buffer.byteLength(JSON.stringify(euro)) })).toBeUndefined();
    expect(checkJsonLimits(euro, { ...limits, maxBytes: Buffer.byteLength(JSON.stringify(euro)) - 1 })).toBeDefined();
  });

  it('refuses a huge array by its length, without visiting its elements', () => {
    const big = new Proxy(new Array(1_000_000).fill(0), {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) throw new Error(`element ${prop} was read`);
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    expect(checkJsonLimits({ list: big }, limits)).toEqual({ path: ['list'], message: 'must not hold more than 50 values (objects, arrays, strings, numbers, ...)' });
  });

  it('counts values across the whole tree', () => {
    // 1 + 9 arrays + 36 numbers = 46 values; one more array of 4 makes 51.
    const many = Array.from({ length: 9 }, () => [1, 2, 3, 4]);
    expect(checkJsonLimits(many, limits)).toBeUndefined();
    expect(checkJsonLimits([...many, [1, 2, 3, 4]], limits)?.message).toMatch(/more than 50 values/);
  });

  it('refuses nesting past the depth, naming the deepest path reached', () => {
    expect(checkJsonLimits({ a: { b: { c: { d: 1 } } } }, limits)).toBeUndefined();
    expect(checkJsonLimits({ a: { b: { c: { d: {} } } } }, limits)).toEqual({
      path: ['a', 'b', 'c', 'd'],
      message: 'must not be nested more than 4 levels deep',
    });
  });

  it('refuses lone surrogates in values and keys; accepts paired ones', () => {
    expect(checkJsonLimits({ a: ['ok', 'bad \ud800'] }, limits)).toEqual({ path: ['a', 1], message: 'must be well-formed UTF-16 text (it holds a lone surrogate)' });
    expect(checkJsonLimits({ ['k\udfff']: 1 }, limits)?.path).toEqual(['k\udfff']);
    expect(checkJsonLimits({ smile: '\ud83d\ude00' }, limits)).toBeUndefined();
    expect(isWellFormedText('\ud83d\ude00')).toBe(true);
    expect(isWellFormedText('\ude00\ud83d')).toBe(false);
  });
});

describe('template data limits in the message schema', () => {
  it('default to 64 KiB, 10,000 values and 32 levels, and are configured from limits.template_data_*', () => {
    expect(DEFAULT_TEMPLATE_DATA_LIMITS).toEqual({ maxBytes: 65_536, maxElements: 10_000, maxDepth: 32 });
    const config = parseConfig({ courier: { smtp: { connection_uri: 'smtp://127.0.0.1:25/' } }, limits: { template_data_bytes: 2_048 } });
    expect(templateDataLimitsOf(config)).toEqual({ maxBytes: 2_048, maxElements: 10_000, maxDepth: 32 });
    const data = { note: 'x'.repeat(3_000) };
    expect(templateDataSchema.safeParse(data).success).toBe(true);
    configureTemplateDataLimits(templateDataLimitsOf(config));
    const refused = newMessageSchema.safeParse({ recipient: 'a@example.com', template_type: 'login_code_valid', template_data: data });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['template_data', 'note'], message: 'must not be larger than 2048 bytes as JSON' });
  });

  it('refuses ill-formed text in every string field of a message', () => {
    for (const field of ['subject', 'body', 'html_body'] as const) {
      const r = newMessageSchema.safeParse({ recipient: 'a@example.com', subject: 'S', body: 'B', [field]: 'x\ud800' });
      expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual([field]);
    }
    expect(newMessageSchema.safeParse({ type: 'sms', recipient: '+1555\udc00', body: 'b' }).success).toBe(false);
  });
});
