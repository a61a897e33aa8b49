/**
 * The suppression list on real Redis: entries keyed by the normalised address with their
 * own TTL, eviction of the oldest past max_entries, listing in address order past lapsed
 * entries, batched look-ups, removal and clearing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix, uniquePrefix } from '@courier/testkit';
import { courierKeys, type CourierKeys } from '../src/keys.js';
import { createSuppressionList, InvalidSuppressionPageTokenError, type NewSuppression } from '../src/suppressions.js';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let redis: Redis;
const prefixes: string[] = [];

beforeAll(() => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  for (const p of prefixes) await deleteKeysWithPrefix(redis, p);
  await redis.quit();
});

function keys(): CourierKeys {
  const prefix = `{${uniquePrefix('sup')}}`;
  prefixes.push(prefix);
  return courierKeys(prefix);
}

const entry = (address: string): NewSuppression => ({ address, source: 'delivery', code: '5.1.1', detail: 'user unknown', channel: 'email' });

describe('suppression list', () => {
  it('stores an entry under the trimmed, lower-cased address with the TTL, and finds it by any spelling', async () => {
    const k = keys();
    const list = createSuppressionList(redis, k, { ttlSeconds: 600, maxEntries: 10 });
    const { entry: added, evicted } = await list.add(entry('  Mixed.Case@Example.COM '), new Date('2026-01-01T00:00:00Z'));
    expect(evicted).toEqual([]);
    expect(added).toMatchObject({ address: 'mixed.case@example.com', added_at: '2026-01-01T00:00:00.000Z', expires_at: '2026-01-01T00:10:00.000Z' });
    const ttl = await redis.ttl(k.suppression('mixed.case@example.com'));
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(await list.find('MIXED.case@example.com')).toEqual(added);
    expect(await list.find('other@example.com')).toBeUndefined();
  });

  it('keeps entries without TTL when ttl is 0', async () => {
    const k = keys();
    const list = createSuppressionList(redis, k, { ttlSeconds: 0, maxEntries: 10 });
    const { entry: added } = await list.add(entry('forever@example.com'));
    expect(added.expires_at).toBeUndefined();
    expect(await redis.ttl(k.suppression('forever@example.com'))).toBe(-1);
  });

  it('answers many look-ups of one turn with one MGET, each its own answer', async () => {
    const k = keys();
    const list = createSuppressionList(redis, k, { ttlSeconds: 600, maxEntries: 1000 });
    for (let i = 0; i < 5; i++) await list.add(entry(`on-${String(i)}@example.com`));
    const monitor = await redis.monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((a) => a.startsWith(k.prefix))) commands.push(String(args[0]).toLowerCase());
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) => list.find(i % 2 === 0 && i < 10 ? `on-${String(i / 2)}@example.com` : `off-${String(i)}@example.com`)),
      );
      expect(answers.flatMap((a) => (a === undefined ? [] : [a.address]))).toEqual([
        'on-0@example.com',
        'on-1@example.com',
        'on-2@example.com',
        'on-3@example.com',
        'on-4@example.com',
      ]);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      monitor.disconnect();
    }
    // 300 look-ups, batches of at most 256: two MGETs.
    expect(commands).toEqual(['mget', 'mget']);
  });

  it('evicts the oldest entries past max_entries', async () => {
    const k = keys();
    const list = createSuppressionList(redis, k, { ttlSeconds: 600, maxEntries: 3 });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await list.add(entry(`e${String(i)}@example.com`), new Date(t0 + i));
    const { evicted } = await list.add(entry('e3@example.com'), new Date(t0 + 3));
    expect(evicted).toEqual(['e0@example.com']);
    expect(await list.find('e0@example.com')).toBeUndefined();
    expect((await list.list({ pageSize: 10 })).entries.map((e) => e.address)).toEqual(['e1@example.com', 'e2@example.com', 'e3@example.com']);
    // Re-adding an address already on the list refreshes it and evicts nothing.
    expect((await list.add(entry('e1@example.com'), new Date(t0 + 4))).evicted).toEqual([]);
    expect((await list.add(entry('e4@example.com'), new Date(t0 + 5))).evicted).toEqual(['e2@example.com']);
  });

  it('lists in address order across pages, dropping lapsed entries as it meets them', async () => {
    const k = keys();
    const list = createSuppressionList(redis, k, { ttlSeconds: 600, maxEntries: 1000 });
    const addresses = Array.from({ length: 9 }, (_, i) => `p${String(i)}@example.com`);
    for (const a of [...addresses].reverse()) await list.add(entry(a));
    // Two entries lapse (their keys expire) while their addresses stay in the sets.
    await redis.del(k.suppression('p2@example.com'), k.suppression('p5@example.com'));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await list.list({ pageSize: 3, pageToken: token });
      expect(page.entries.length).toBeLessThanOrEqual(3);
      seen.push(...page.entries.map((e) => e.address));
      token = page.nextPageToken;
      pages++;
    } while (token !== undefined && pages < 10);
    expect(seen).toEqual(addresses.filter((a) => a !== 'p2@example.com' && a !== 'p5@example.com'));
    await new Promise((r) => setTimeout(r, 100));
    expect(await redis.zscore(k.suppressionIndex, 'p2@example.com')).toBeNull();
    expect(await redis.zscore(k.suppressionAge, 'p5@example.com')).toBeNull();
    await expect(list.list({ pageSize: 3, pageToken: 'garbage' })).rejects.toBeInstanceOf(InvalidSuppressionPageTokenError);
  });

  it('prunes lapsed addresses from the sets when adding', async () => {
    const k = keys();
    const list = createSuppressionList(redis, k, { ttlSeconds: 60, maxEntries: 1000 });
    await list.add(entry('old@example.com'), new Date(Date.now() - 120_000));
    await list.add(entry('new@example.com'));
    expect(await redis.zrange(k.suppressionAge, '0', '-1')).toEqual(['new@example.com']);
    expect(await redis.zrange(k.suppressionIndex, '0', '-1')).toEqual(['new@example.com']);
  });

  it('removes one address and clears all', async () => {
    const k = keys();
    const list = createSuppressionList(redis, k, { ttlSeconds: 600, maxEntries: 5000 });
    for (let i = 0; i < 1200; i++) await list.add(entry(`c${String(i)}@example.com`));
    expect(await list.remove('C7@Example.com')).toBe(true);
    expect(await list.remove('c7@example.com')).toBe(false);
    expect(await list.find('c7@example.com')).toBeUndefined();
    expect(await list.clear()).toBe(1199);
    expect(await redis.exists(k.suppressionIndex, k.suppressionAge, k.suppression('c8@example.com'))).toBe(0);
    expect((await list.list({ pageSize: 10 })).entries).toEqual([]);
  });
});
