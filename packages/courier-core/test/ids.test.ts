/**
 * Message ids: RFC 9562 UUIDv7 (as the `uuid` package validates them), carrying the
 * creation time, and strictly increasing as text within a process, which list
 * pagination relies on.
 */
import { describe, expect, it } from 'vitest';
import { validate, version } from 'uuid';
import { uuidv7 } from '../src/ids.js';

describe('uuidv7', () => {
  it('makes valid version-7 UUIDs carrying the current time', () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(7);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after + 1);
  });

  it('sorts as text in the order the ids were made, many per millisecond, with no repeats', () => {
    const ids = Array.from({ length: 200_000 }, () => uuidv7());
    let ordered = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i - 1]! < ids[i]!) ordered++;
    expect(ordered).toBe(ids.length - 1);
    expect(new Set(ids).size).toBe(ids.length);
    // Far more ids than milliseconds: the sequence, not only the clock, orders them.
    const millis = new Set(ids.map((id) => id.slice(0, 13)));
    expect(millis.size).toBeLessThan(ids.length / 10);
    for (const id of ids.slice(0, 1_000)) expect(validate(id) && version(id) === 7).toBe(true);
  });
});
