/**
 * What BEGIN and FINISH send and write: the content only when a record must be
 * re-created, the record format the API reads, and the indexes of a re-created
 * record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { newMessageId, toJobPayload, type JobPayload } from '@courier/core';
import { uniquePrefix } from '@courier/testkit';
import { createMessageStore, type MessageStore } from '../src/index.js';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const SECRET = '918273';
let redis: Redis;
let store: MessageStore;
let prefix: string;
/** Script calls the store sent, as [key count, ...keys and args]. */
let sent: string[][] = [];

beforeAll(() => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  prefix = `{${uniquePrefix('attempts')}}`;
  store = createMessageStore(redis, prefix, { finishedTtlSeconds: 3600 });
  // Record every script call (EVAL/EVALSHA) as it is written.
  const sendCommand = redis.sendCommand.bind(redis);
  redis.sendCommand = (command: { name: string; args: unknown[] }, ...rest: unknown[]) => {
    if (command.name === 'evalsha' || command.name === 'eval') sent.push(command.args.slice(1).map(String));
    return (sendCommand as (...a: unknown[]) => unknown)(command, ...rest);
  };
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function payload(recipient = 'Someone@Example.com'): JobPayload {
  return toJobPayload({ type: 'email', recipient, template_type: 'recovery_code_valid', template_data: { recovery_code: SECRET } }, newMessageId());
}

async function indexesOf(id: string): Promise<Record<string, boolean>> {
  const k = store.keys;
  const entries: [string, string][] = [
    ['all', k.allIndex],
    ['recipient', k.recipientIndex('someone@example.com')],
    ['template', k.templateIndex('recovery_code_valid')],
    ['queued', k.statusIndex('queued')],
    ['processing', k.statusIndex('processing')],
    ['sent', k.statusIndex('sent')],
  ];
  const out: Record<string, boolean> = {};
  for (const [name, key] of entries) out[name] = (await redis.zscore(key, id)) !== null;
  return out;
}

describe('begin', () => {
  it('sends the message key, status indexes, id and time only, never the content, when the record exists', async () => {
    const p = payload();
    await store.create(p);
    sent = [];
    expect(await store.begin(p)).toBe('ok');
    expect(sent).toHaveLength(1);
    const [count, ...rest] = sent[0]!;
    expect(count).toBe('7');
    // The owner token ('' when none is given) is the last argument.
    expect(rest).toEqual([store.keys.message(p.id), ...store.keys.statusIndexes, p.id, expect.any(String), '']);
    expect(JSON.stringify(sent)).not.toContain(SECRET);
    expect(await indexesOf(p.id)).toMatchObject({ queued: false, processing: true });
  });

  it('re-creates a record that expired or was lost, from the payload, with every index', async () => {
    const p = payload();
    await store.create(p);
    await redis.del(store.keys.message(p.id));
    sent = [];
    expect(await store.begin(p)).toBe('created');
    // One call without content answered 'missing'; only then the content went.
    expect(sent).toHaveLength(2);
    expect(sent[0]![0]).toBe('7');
    expect(JSON.stringify(sent[0])).not.toContain(SECRET);
    expect(sent[1]![0]).toBe('10');
    expect(JSON.stringify(sent[1])).toContain(SECRET);

    const m = await store.get(p.id);
    expect(m).toMatchObject({
      id: p.id,
      status: 'processing',
      send_count: 0,
      dispatches: [],
      recipient: p.recipient,
      channel: 'email',
      template_type: 'recovery_code_valid',
      template_data: { recovery_code: SECRET },
      created_at: p.created_at,
    });
    expect(await indexesOf(p.id)).toMatchObject({ all: true, recipient: true, template: true, processing: true });
    // A re-created record has no TTL until it finishes.
    expect(await redis.ttl(store.keys.message(p.id))).toBe(-1);
  });

  it('re-creates a record nobody ever created, then records its outcome', async () => {
    const p = payload();
    expect(await store.begin(p)).toBe('created');
    expect(await store.finish(p, { status: 'sent', dispatch: { at: new Date().toISOString(), status: 'success' } })).toBe('ok');
    expect(await store.begin(p)).toBe('sent');
    expect(await indexesOf(p.id)).toEqual({ all: true, recipient: true, template: true, queued: false, processing: false, sent: true });
  });

  it('begins a record that appears between the first answer and the re-creation, keeping its content', async () => {
    const p = payload();
    const connection = redis as unknown as { courierBegin: (...args: (string | number)[]) => Promise<string> };
    const original = connection.courierBegin;
    // Another writer creates the record right after BEGIN answered 'missing'.
    connection.courierBegin = async (...args) => {
      const answer = await original.apply(redis, args);
      if (answer === 'missing') await store.create(p);
      return answer;
    };
    try {
      expect(await store.begin(p)).toBe('ok');
    } finally {
      connection.courierBegin = original;
    }
    expect(await store.get(p.id)).toMatchObject({ status: 'processing', send_count: 0, dispatches: [] });
    expect(await indexesOf(p.id)).toMatchObject({ queued: false, processing: true });
  });

  it('refuses to begin a finished message, and begins a processing one again (a stalled job)', async () => {
    const p = payload();
    await store.create(p);
    expect(await store.begin(p)).toBe('ok');
    expect(await store.begin(p)).toBe('ok');
    expect(await indexesOf(p.id)).toMatchObject({ queued: false, processing: true });
    await store.finish(p, { status: 'abandoned', dispatch: { at: new Date().toISOString(), status: 'failed' } });
    expect(await store.begin(p)).toBe('abandoned');
  });
});

describe('finish', () => {
  it('keeps the record format: m, s, status, send_count, dispatches, updated_at', async () => {
    const p = payload();
    await store.create(p);
    await store.begin(p);
    const failedAt = new Date(Date.now() - 1_000).toISOString();
    const error = { code: 'SMTP_TRANSIENT', message: '451 later', retryable: true };
    expect(await store.finish(p, { status: 'error', dispatch: { at: failedAt, status: 'failed', error } })).toBe('ok');
    await store.begin(p);
    const sentAt = new Date().toISOString();
    sent = [];
    expect(await store.finish(p, { status: 'sent', dispatch: { at: sentAt, status: 'success' } })).toBe('ok');
    expect(sent[0]?.[0]).toBe('7');
    expect(JSON.stringify(sent)).not.toContain(SECRET);

    const h = await redis.hgetall(store.keys.message(p.id));
    expect(Object.keys(h).sort()).toEqual(['dispatches', 'm', 's', 'send_count', 'status', 'updated_at']);
    // The summary's immutable fields, without content: what lists read instead of m.
    expect(JSON.parse(h['s']!)).toEqual({ type: 'email', channel: 'email', recipient: p.recipient, template_type: p.template_type, created_at: p.created_at });
    expect(h['status']).toBe('sent');
    expect(h['send_count']).toBe('2');
    expect(h['updated_at']).toBe(sentAt);
    expect(JSON.parse(h['dispatches']!)).toEqual([
      { at: failedAt, status: 'failed', error },
      { at: sentAt, status: 'success' },
    ]);
    expect(await indexesOf(p.id)).toMatchObject({ processing: false, sent: true });
  });

  it('answers missing for a record that is gone and writes nothing', async () => {
    const p = payload();
    expect(await store.finish(p, { status: 'error', dispatch: { at: new Date().toISOString(), status: 'failed' } })).toBe('missing');
    expect(await redis.exists(store.keys.message(p.id))).toBe(0);
    expect(await indexesOf(p.id)).toEqual({ all: false, recipient: false, template: false, queued: false, processing: false, sent: false });
  });
});

describe('batched attempts', () => {
  it('begins and finishes calls made in one turn with one script call each, with the same answers and records as one by one', async () => {
    const ps = Array.from({ length: 5 }, () => payload());
    for (const p of ps.slice(0, 4)) await store.create(p);
    // ps[3] is already sent; ps[4] has no record (re-created from its payload).
    await store.begin(ps[3]!);
    await store.finish(ps[3]!, { status: 'sent', dispatch: { at: new Date().toISOString(), status: 'success' } });
    sent = [];
    const begun = await Promise.all(ps.map((p) => store.begin(p)));
    expect(begun).toEqual(['ok', 'ok', 'ok', 'sent', 'created']);
    // One batched call for the five (6 status indexes + 5 hashes), then the re-creation alone.
    expect(sent.map((c) => c[0])).toEqual(['11', '10']);
    expect(JSON.stringify(sent[0])).not.toContain(SECRET);
    for (const p of ps.slice(0, 3)) expect(await indexesOf(p.id)).toMatchObject({ queued: false, processing: true });

    sent = [];
    const at = new Date().toISOString();
    const error = { code: 'SMTP_TRANSIENT', message: '451 later', retryable: true };
    const finished = await Promise.all([
      store.finish(ps[0]!, { status: 'sent', dispatch: { at, status: 'success' } }),
      store.finish(ps[1]!, { status: 'error', dispatch: { at, status: 'failed', error } }),
      store.finish(ps[2]!, { status: 'abandoned', dispatch: { at, status: 'failed', error } }),
      store.finish(ps[3]!, { status: 'error', dispatch: { at, status: 'failed', error } }),
      store.finish({ id: newMessageId() }, { status: 'error', dispatch: { at, status: 'failed', error } }),
    ]);
    expect(finished).toEqual(['ok', 'ok', 'ok', 'sent', 'missing']);
    expect(sent).toHaveLength(1);
    expect(await store.get(ps[0]!.id)).toMatchObject({ status: 'sent', send_count: 1, dispatches: [{ at, status: 'success' }] });
    expect(await store.get(ps[1]!.id)).toMatchObject({ status: 'error', send_count: 1, dispatches: [{ at, status: 'failed', error }] });
    expect(await store.get(ps[2]!.id)).toMatchObject({ status: 'abandoned', send_count: 1 });
    expect(await store.get(ps[3]!.id)).toMatchObject({ status: 'sent', send_count: 1 });
    expect(await indexesOf(ps[0]!.id)).toMatchObject({ processing: false, sent: true });
    expect(await redis.ttl(store.keys.message(ps[2]!.id))).toBeGreaterThan(3_000);
    expect(await redis.ttl(store.keys.message(ps[1]!.id))).toBe(-1);
    expect(await redis.zscore(store.keys.statusIndex('error'), ps[1]!.id)).not.toBeNull();
  });
});
