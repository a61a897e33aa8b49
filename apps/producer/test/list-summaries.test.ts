/**
 * Lists answer summaries, not whole records: `GET /messages` and Kratos's
 * `GET /admin/courier/messages` over messages with 4 MB of template data read
 * none of the content from Redis (checked with MONITOR), answer a few hundred
 * bytes per message, and leave the process's peak RSS where it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { newMessageId, type JobPayload } from '@courier/core';
import { createMessageStore } from '@courier/store';
import { createApiClient, type ApiClient } from './support/api-client.js';
import { startProducer, type TestProducer } from './support/producer.js';

const KEY = 'test-key-0123456789abcdef';
const LARGE = 4 * 1024 * 1024;
const COUNT = 20;
let p: TestProducer;
let api: ApiClient;
const ids: string[] = [];

beforeAll(async () => {
  p = await startProducer();
  api = await createApiClient(p.url, KEY);
  // Written through the store (the API's own write path for records), not the
  // queue: only the records matter here, and no worker runs.
  const store = createMessageStore(p.redis as never, p.config.redis.prefix, { finishedTtlSeconds: 3600 });
  const filler = 'x'.repeat(LARGE);
  for (let i = 0; i < COUNT; i++) {
    const payload: JobPayload = {
      v: 1,
      id: newMessageId(),
      type: 'email',
      channel: 'email',
      recipient: `big${i}@example.com`,
      template_type: 'recovery_code_valid',
      template_data: { recovery_code: `RC-${i}-SECRET`, filler },
      created_at: new Date().toISOString(),
    };
    expect(await store.create(payload)).toBe(true);
    ids.push(payload.id);
  }
}, 120_000);

afterAll(async () => {
  await p.close();
});

/** Every command Redis ran on this test's message records while `fn` ran. */
async function monitored(fn: () => Promise<void>): Promise<string[][]> {
  const monitor = await new Redis(process.env['REDIS_URL']!).monitor();
  const seen: string[][] = [];
  const msgKey = `${p.config.redis.prefix}:tracking:msg:`;
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args.some((a) => a.startsWith(msgKey))) seen.push(args);
  });
  try {
    await fn();
    // MONITOR lines may trail the replies a little.
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    monitor.disconnect();
  }
  return seen;
}

/** True for a command that reads a record's `m` (content) field. */
function readsContent(args: string[]): boolean {
  const cmd = args[0]?.toLowerCase();
  if (cmd === 'hgetall') return true;
  if (cmd === 'hget' || cmd === 'hmget') return args.slice(2).includes('m');
  return false;
}

describe('GET /messages over large messages', () => {
  it('answers summaries without content, reading no record content from Redis', async () => {
    let res: Awaited<ReturnType<ApiClient['request']>> | undefined;
    const commands = await monitored(async () => {
      res = await api.request('GET', '/messages');
    });
    expect(res?.status).toBe(200);
    const messages = (res?.body as { messages: Record<string, unknown>[] }).messages;
    expect(messages.map((m) => m['id'])).toEqual([...ids].reverse());
    for (const m of messages) {
      expect(m).not.toHaveProperty('template_data');
      expect(m).not.toHaveProperty('body');
      expect(m).toMatchObject({ type: 'email', channel: 'email', template_type: 'recovery_code_valid', status: 'queued', send_count: 0 });
    }
    expect(JSON.stringify(res?.body).length).toBeLessThan(COUNT * 1_000);
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.filter(readsContent)).toEqual([]);
  });

  it("Kratos's admin list keeps its shape and reads no content either", async () => {
    let res: Awaited<ReturnType<ApiClient['request']>> | undefined;
    const commands = await monitored(async () => {
      // Kratos's default page is 10; ask for all of them.
      res = await api.request('GET', `/admin/courier/messages?page_size=${COUNT}`);
    });
    expect(res?.status).toBe(200);
    const messages = res?.body as Record<string, unknown>[];
    expect(messages).toHaveLength(COUNT);
    expect(messages[0]).toMatchObject({ subject: '<redacted-unless-dev-mode>', body: '<redacted-unless-dev-mode>', template_type: 'recovery_code_valid' });
    expect(commands.filter(readsContent)).toEqual([]);
  });

  it('keeps peak RSS flat over three default list calls', async () => {
    global.gc?.();
    const before = process.resourceUsage().maxRSS; // KiB, the process's peak so far
    for (let i = 0; i < 3; i++) expect((await api.request('GET', '/messages')).status).toBe(200);
    const grownMiB = (process.resourceUsage().maxRSS - before) / 1024;
    expect(grownMiB).toBeLessThan(40);
  });
});
