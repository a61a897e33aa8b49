/**
 * The rate limiters' scripts against a real Redis: recipient windows counted all
 * or none with a Retry-After that frees exactly enough places, keys that hold no
 * address, release; channel slots spaced by the rate across connections.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { newMessageId } from '@courier/core';
import { uniquePrefix } from '@courier/testkit';
import { createChannelLimiter, createRecipientLimiter, type RecipientLimitRequest } from '../src/index.js';
import { normalizeLimitedRecipient, recipientHash } from '../src/rate-limits.js';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
const other = new Redis(redisUrl, { maxRetriesPerRequest: null });
afterAll(async () => {
  await Promise.all([redis.quit(), other.quit()]);
});

const req = (recipient: string, over: Partial<RecipientLimitRequest> = {}): RecipientLimitRequest => ({
  id: newMessageId(),
  recipient,
  limitType: 'raw',
  max: 3,
  windowMs: 60_000,
  ...over,
});

describe('recipient windows', () => {
  it('count up to max per recipient and type, then refuse with the time until the oldest entry leaves', async () => {
    const prefix = `{${uniquePrefix('rl-rcpt')}}`;
    const limiter = createRecipientLimiter(redis, prefix);
    for (let i = 0; i < 3; i++) expect((await limiter.take([req('a@example.com')])).outcome).toBe('taken');
    const refused = await limiter.take([req('a@example.com')]);
    expect(refused.outcome).toBe('limited');
    if (refused.outcome !== 'limited') return;
    expect(refused.retryAfterMs).toBeGreaterThan(50_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    // Another recipient, and the same one under another type, have their own windows.
    expect((await limiter.take([req('b@example.com')])).outcome).toBe('taken');
    expect((await limiter.take([req('a@example.com', { limitType: 'verification_code_valid' })])).outcome).toBe('taken');
    // Spelling variants are one recipient; the keys hold a hash, never the address.
    expect((await limiter.take([req('  A@Example.COM ')])).outcome).toBe('limited');
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.length).toBe(3);
    for (const k of keys) expect(k).not.toMatch(/example/i);
    expect(keys).toContain(`${prefix}:tracking:rl:rcpt:raw:${recipientHash('a@example.com')}`);
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(50_000);
  });

  it('takes a request all or none, and a failed enqueue gives its places back', async () => {
    const prefix = `{${uniquePrefix('rl-batch')}}`;
    const limiter = createRecipientLimiter(redis, prefix);
    expect((await limiter.take([req('x@example.com'), req('x@example.com')])).outcome).toBe('taken');
    // y fits, x has one place left but the request wants two: nothing is counted.
    const batch = [req('y@example.com'), req('x@example.com'), req('x@example.com')];
    const refused = await limiter.take(batch);
    expect(refused).toMatchObject({ outcome: 'limited', index: 1 });
    expect(await redis.zcard(`${prefix}:tracking:rl:rcpt:raw:${recipientHash('y@example.com')}`)).toBe(0);
    // More messages for one window than its limit can never fit.
    const tooMany = await limiter.take([req('z@example.com'), req('z@example.com'), req('z@example.com'), req('z@example.com')]);
    expect(tooMany).toEqual({ outcome: 'limited', index: 0, retryAfterMs: undefined });

    const taken = await limiter.take([req('x@example.com')]);
    expect(taken.outcome).toBe('taken');
    expect((await limiter.take([req('x@example.com')])).outcome).toBe('limited');
    if (taken.outcome === 'taken') await taken.release();
    expect((await limiter.take([req('x@example.com')])).outcome).toBe('taken');
  });

  it('frees places as the window slides', async () => {
    const prefix = `{${uniquePrefix('rl-slide')}}`;
    const limiter = createRecipientLimiter(redis, prefix);
    expect((await limiter.take([req('s@example.com', { max: 1, windowMs: 300 })])).outcome).toBe('taken');
    const refused = await limiter.take([req('s@example.com', { max: 1, windowMs: 300 })]);
    expect(refused.outcome).toBe('limited');
    await new Promise((r) => setTimeout(r, 350));
    expect((await limiter.take([req('s@example.com', { max: 1, windowMs: 300 })])).outcome).toBe('taken');
  });

  it('normalises e-mail case and whitespace, and phone punctuation', () => {
    expect(normalizeLimitedRecipient(' Bob@Example.ORG\n')).toBe('bob@example.org');
    expect(normalizeLimitedRecipient('+1 (555) 010-9999')).toBe('+15550109999');
    expect(recipientHash('+1 555 010 9999')).toBe(recipientHash('+1-555-010-9999'));
    expect(recipientHash('a@example.com')).not.toBe(recipientHash('b@example.com'));
  });
});

describe('channel slots', () => {
  it('space slots by per_seconds / max on one schedule shared by every connection, after a burst', async () => {
    const prefix = `{${uniquePrefix('rl-chan')}}`;
    const a = createChannelLimiter(redis, prefix);
    const b = createChannelLimiter(other, prefix);
    const rate = { max: 10, per_seconds: 1, burst: 2 };
    expect(await a.take('email', rate)).toEqual({ taken: true });
    expect(await b.take('email', rate)).toEqual({ taken: true });
    const refused = await a.take('email', rate);
    expect(refused.taken).toBe(false);
    if (refused.taken) return;
    expect(refused.waitMs).toBeGreaterThan(0);
    expect(refused.waitMs).toBeLessThanOrEqual(100);
    // Another channel has its own schedule.
    expect(await b.take('sms', rate)).toEqual({ taken: true });
    await new Promise((r) => setTimeout(r, refused.waitMs + 5));
    expect(await b.take('email', rate)).toEqual({ taken: true });
  });

  it('never lets more than the rate through over a run of takes', async () => {
    const prefix = `{${uniquePrefix('rl-chan-run')}}`;
    const limiter = createChannelLimiter(redis, prefix);
    const rate = { max: 20, per_seconds: 1, burst: 1 };
    const started = Date.now();
    let taken = 0;
    while (taken < 10) {
      const answer = await limiter.take('email', rate);
      if (answer.taken) taken++;
      else await new Promise((r) => setTimeout(r, answer.waitMs));
    }
    // 10 slots at one per 50 ms: the 10th is at least 9 intervals after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(9 * 50 - 5);
  });
});
