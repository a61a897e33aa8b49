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
    const keys = await redis.keys(`${prefix}:*:rl:rcpt:*`);
    expect(keys.length).toBe(3);
    // Refusals are counted for the metrics, by reason and type.
    expect(await redis.hget(`${prefix}:tracking:rl:rejections`, 'recipient:raw')).toBe('2');
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
  it('give the burst at once, then reserve the next slots one interval apart on one schedule shared by every connection', async () => {
    const prefix = `{${uniquePrefix('rl-chan')}}`;
    const a = createChannelLimiter(redis, prefix);
    const b = createChannelLimiter(other, prefix);
    const rate = { max: 10, per_seconds: 1, burst: 2 };
    expect(await a.take('email', rate, 'j1')).toEqual({ outcome: 'go' });
    expect(await b.take('email', rate, 'j2')).toEqual({ outcome: 'go' });
    const third = await a.take('email', rate, 'j3');
    const fourth = await b.take('email', rate, 'j4');
    expect(third.outcome).toBe('wait');
    expect(fourth.outcome).toBe('wait');
    if (third.outcome !== 'wait' || fourth.outcome !== 'wait') return;
    expect(third.waitMs).toBeLessThanOrEqual(100);
    // The fourth got the slot after the third's: about one interval (100 ms) later.
    expect(fourth.waitMs - third.waitMs).toBeGreaterThanOrEqual(90);
    // Asking again before the reservation is due tells the remaining wait and reserves nothing new.
    const early = await a.take('email', rate, 'j3');
    expect(early.outcome).toBe('wait');
    // Another channel has its own schedule.
    expect(await b.take('sms', rate, 'j5')).toEqual({ outcome: 'go' });
    await new Promise((r) => setTimeout(r, third.waitMs + 10));
    expect(await a.take('email', rate, 'j3')).toEqual({ outcome: 'go' });
    expect(await redis.zscore(`${prefix}:tracking:rl:chan-held:email`, 'j3')).toBeNull();
  });

  it('reserves nothing for a job whose deadline comes before the next slot', async () => {
    const prefix = `{${uniquePrefix('rl-chan-deadline')}}`;
    const limiter = createChannelLimiter(redis, prefix);
    const rate = { max: 1, per_seconds: 10, burst: 1 };
    expect(await limiter.take('email', rate, 'j1')).toEqual({ outcome: 'go' });
    const late = await limiter.take('email', rate, 'j2', Date.now() + 2_000);
    expect(late.outcome).toBe('too-late');
    if (late.outcome === 'too-late') expect(late.waitMs).toBeGreaterThan(5_000);
    // Nothing was reserved: the next job without a deadline gets the slot j2 did not take.
    const next = await limiter.take('email', rate, 'j3');
    expect(next.outcome).toBe('wait');
    if (next.outcome === 'wait') expect(next.waitMs).toBeLessThanOrEqual(10_000);
    expect(await redis.zcard(`${prefix}:tracking:rl:chan-held:email`)).toBe(1);
  });

  it('never lets more than the rate through over a run of takes', async () => {
    const prefix = `{${uniquePrefix('rl-chan-run')}}`;
    const limiter = createChannelLimiter(redis, prefix);
    const rate = { max: 20, per_seconds: 1, burst: 1 };
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      let answer = await limiter.take('email', rate, `j${i}`);
      while (answer.outcome === 'wait') {
        const { waitMs } = answer;
        await new Promise((r) => setTimeout(r, waitMs));
        answer = await limiter.take('email', rate, `j${i}`);
      }
      expect(answer.outcome).toBe('go');
    }
    // 10 slots at one per 50 ms: the 10th is at least 9 intervals after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(9 * 50 - 10);
  });

  it('gives out no new slot during a pause (a provider throttling), keeping the ones already reserved', async () => {
    const prefix = `{${uniquePrefix('rl-chan-pause')}}`;
    const limiter = createChannelLimiter(redis, prefix);
    const rate = { max: 100, per_seconds: 1, burst: 5 };
    expect(await limiter.take('email', rate, 'j1')).toEqual({ outcome: 'go' });
    await limiter.pause('email', rate, 1_000);
    const held = await limiter.take('email', rate, 'j2');
    expect(held.outcome).toBe('wait');
    if (held.outcome === 'wait') expect(held.waitMs).toBeGreaterThanOrEqual(950);
    // A shorter pause does not shorten the longer one.
    await limiter.pause('email', rate, 10);
    const next = await limiter.take('email', rate, 'j3');
    if (next.outcome === 'wait' && held.outcome === 'wait') expect(next.waitMs).toBeGreaterThanOrEqual(held.waitMs - 50);
    else expect.fail('j3 should wait');
  });
});
