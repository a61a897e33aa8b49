/**
 * Enqueue transactions: record and job in one MULTI built with only the scripts
 * it runs, calls of one event-loop turn sharing a transaction, and scripts that
 * Redis lost (restart, SCRIPT FLUSH).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { newMessageId, parseConfig, toJobPayload, type JobPayload } from '@courier/core';
import { startRedisServer, uniquePrefix, type RedisServer } from '@courier/testkit';
import { createCourierQueue, createEnqueueMulti, createEnqueuer, createMessageStore, enqueueMessages, type MessageStore } from '../src/index.js';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

function payload(recipient = `${newMessageId()}@example.com`): JobPayload {
  return toJobPayload({ type: 'email', recipient, subject: 'hello', body: 'hi' }, newMessageId());
}

interface Deployment {
  readonly redis: Redis | Cluster;
  readonly queue: Queue<JobPayload>;
  readonly store: MessageStore;
  close(): Promise<void>;
}

async function open(url: string, label: string, cluster = false): Promise<Deployment> {
  const prefix = `{${uniquePrefix(label)}}`;
  const config = parseConfig({ courier: { smtp: { connection_uri: 'smtp://h/' } }, redis: { url, prefix } });
  const redis = cluster
    ? new Cluster([{ host: '127.0.0.1', port: Number(new URL(url).port) }], { redisOptions: { maxRetriesPerRequest: null } })
    : new Redis(url, { maxRetriesPerRequest: null });
  const queue = createCourierQueue(redis, config);
  queue.on('error', () => undefined);
  const store = createMessageStore(redis, prefix, { finishedTtlSeconds: 3600 });
  await queue.waitUntilReady();
  return {
    redis,
    queue,
    store,
    async close() {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close().catch(() => undefined);
      const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** Whether a message has its record (queued) and its job. */
async function landed(d: Deployment, p: JobPayload): Promise<{ status: string | undefined; job: boolean }> {
  return { status: (await d.store.get(p.id))?.status, job: (await d.queue.getJob(p.id)) !== undefined };
}

const scriptNames = (o: object): string[] => Object.keys(o).filter((k) => /^[a-zA-Z0-9]+:\d/.test(k) || k.startsWith('courier'));

let d: Deployment;

beforeAll(async () => {
  d = await open(redisUrl, 'enqueue');
});

afterAll(async () => {
  await d?.close();
});

describe('enqueue transaction', () => {
  it('carries only the record and add-job scripts, and leaves the connection as it was', async () => {
    const registry = (d.redis as unknown as { scriptsSet: Record<string, unknown> }).scriptsSet;
    const before = Object.keys(registry).length;
    expect(before).toBeGreaterThan(20); // BullMQ's and the store's
    const multi = createEnqueueMulti(d.redis);
    const names = scriptNames(multi).filter((n) => !n.endsWith('Buffer'));
    expect(names.sort()).toEqual(
      [
        'courierCreate',
        'courierCreateMany',
        ...['addDelayedJob', 'addPrioritizedJob', 'addStandardJob'].map((n) => Object.keys(registry).find((k) => k.startsWith(`${n}:`))),
      ].sort(),
    );
    multi.discard();
    expect((d.redis as unknown as { scriptsSet: Record<string, unknown> }).scriptsSet).toBe(registry);
    expect(Object.keys(registry)).toHaveLength(before);
    // A plain MULTI still carries them all.
    expect(scriptNames(d.redis.multi()).filter((n) => !n.endsWith('Buffer')).length).toBe(before);
  });

  it('writes record and job of standard, delayed and prioritized messages together', async () => {
    const [now, later, urgent] = [payload(), payload(), payload()];
    await enqueueMessages(d.redis, d.queue, d.store, [{ payload: now }, { payload: later, delayMs: 60_000 }, { payload: urgent, priority: 5 }]);
    for (const p of [now, later, urgent]) expect(await landed(d, p)).toEqual({ status: 'queued', job: true });
    expect(await d.queue.getJobState(now.id)).toBe('waiting');
    expect(await d.queue.getJobState(later.id)).toBe('delayed');
    expect(await d.queue.getJobState(urgent.id)).toBe('prioritized');
    // The queue's default options apply (Job does not merge them itself).
    expect((await d.queue.getJob(now.id))?.opts.attempts).toBe(d.queue.defaultJobOptions.attempts);
  });

  it('writes the records of a batch call with one script call, indexes included, and leaves an existing record as it was', async () => {
    const existing = payload();
    expect(await d.store.create(existing, { createdBy: 'first' })).toBe(true);
    const templated = toJobPayload(
      { type: 'email', recipient: `${newMessageId()}@example.com`, template_type: 'verification_code_valid', template_data: { verification_code: '123456' } },
      newMessageId(),
    );
    const batch = [payload(), templated, { ...existing, subject: 'changed' }, payload()];
    const multi = vi.spyOn(d.redis, 'multi');
    try {
      await enqueueMessages(
        d.redis,
        d.queue,
        d.store,
        batch.map((p) => ({ payload: p, createdBy: 'second' })),
      );
      // MULTI, one record script for the 4 records, 4 jobs (ioredis counts MULTI, and EXEC once sent).
      const sent = multi.mock.results[0]!.value as { _queue: { name: string }[] };
      expect(sent._queue.map((c) => c.name).filter((n) => n === 'evalsha' || n === 'eval')).toHaveLength(1 + 4);
    } finally {
      multi.mockRestore();
    }
    for (const p of batch) expect(await landed(d, p)).toEqual({ status: 'queued', job: true });
    expect((await d.store.get(existing.id))?.subject).toBe('hello');
    expect(await d.redis.zscore(d.store.keys.allIndex, templated.id)).toBe('0');
    expect(await d.redis.zscore(d.store.keys.statusIndex('queued'), batch[3]!.id)).toBe('0');
    expect(await d.redis.zscore(d.store.keys.templateIndex('verification_code_valid'), templated.id)).toBe('0');
    expect(await d.redis.zscore(d.store.keys.templateIndex('verification_code_valid'), batch[0]!.id)).toBeNull();
    expect(await d.redis.ttl(d.store.keys.recipientIndex(templated.recipient))).toBeGreaterThan(3_600);
    // The same record as create.lua writes: same fields, same values but for content, summary and time.
    const single = payload();
    await d.store.create(single, { createdBy: 'second' });
    const strip = (h: Record<string, string>) => ({ ...h, m: undefined, s: undefined, updated_at: undefined });
    expect(strip(await d.redis.hgetall(d.store.keys.message(batch[0]!.id)))).toEqual(strip(await d.redis.hgetall(d.store.keys.message(single.id))));
    expect(JSON.parse((await d.redis.hget(d.store.keys.message(batch[0]!.id), 's'))!)).toMatchObject({ created_by: 'second' });
  });

  it('refuses at once, writing nothing, on a fail-fast connection that is not ready', async () => {
    const prefix = `{${uniquePrefix('enqueue-down')}}`;
    const down = new Redis(redisUrl, { enableOfflineQueue: false, lazyConnect: true });
    down.on('error', () => undefined);
    const queue = createCourierQueue(down, parseConfig({ courier: { smtp: { connection_uri: 'smtp://h/' } }, redis: { prefix } }));
    queue.on('error', () => undefined);
    const store = createMessageStore(down, prefix, { finishedTtlSeconds: 3600 });
    const p = payload();
    const started = Date.now();
    await expect(createEnqueuer(down, queue, store).enqueue([{ payload: p }])).rejects.toThrow(/Connection is closed/);
    await expect(enqueueMessages(down, queue, store, [{ payload: p }])).rejects.toThrow(/Connection is closed/);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await d.redis.exists(`${prefix}:tracking:msg:${p.id}`)).toBe(0);
    await queue.close().catch(() => undefined);
    down.disconnect();
  });
});

describe('shared enqueue transactions', () => {
  it('writes the calls of one turn as one transaction, each call resolving once written', async () => {
    const enqueuer = createEnqueuer(d.redis, d.queue, d.store);
    const multi = vi.spyOn(d.redis, 'multi');
    try {
      const calls = Array.from({ length: 20 }, () => [payload(), payload()]);
      await Promise.all(calls.map((ps) => enqueuer.enqueue(ps.map((p) => ({ payload: p })))));
      expect(multi).toHaveBeenCalledTimes(1);
      for (const p of calls.flat()) expect(await landed(d, p)).toEqual({ status: 'queued', job: true });
    } finally {
      multi.mockRestore();
    }
  });

  it('sends a transaction once it holds maxItems, without waiting for the turn to end', async () => {
    const enqueuer = createEnqueuer(d.redis, d.queue, d.store, { maxItems: 4 });
    const multi = vi.spyOn(d.redis, 'multi');
    try {
      const ps = Array.from({ length: 10 }, () => payload());
      await Promise.all(ps.map((p) => enqueuer.enqueue([{ payload: p }])));
      // 4 + 4 + 2.
      expect(multi).toHaveBeenCalledTimes(3);
      for (const p of ps) expect(await landed(d, p)).toEqual({ status: 'queued', job: true });
    } finally {
      multi.mockRestore();
    }
  });

  it('fails only the call whose command failed', async () => {
    const enqueuer = createEnqueuer(d.redis, d.queue, d.store);
    // The record script fails for this recipient: its index key holds a string.
    const blocked = payload(`blocked-${newMessageId()}@example.com`);
    await d.redis.set(d.store.keys.recipientIndex(blocked.recipient), 'not a sorted set');
    const others = [payload(), payload()];
    const outcomes = await Promise.allSettled([others[0]!, blocked, others[1]!].map((p) => enqueuer.enqueue([{ payload: p }])));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    for (const p of others) expect(await landed(d, p)).toEqual({ status: 'queued', job: true });
  });

  it('sends the other calls alone when one call cannot be queued', async () => {
    const enqueuer = createEnqueuer(d.redis, d.queue, d.store);
    const multi = vi.spyOn(d.redis, 'multi');
    try {
      // BullMQ refuses this job id as it queues the job (ids may not contain ':').
      const refused = { ...payload(), id: `bad:${newMessageId()}` };
      const others = [payload(), payload()];
      const outcomes = await Promise.allSettled([others[0]!, refused, others[1]!].map((p) => enqueuer.enqueue([{ payload: p }])));
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(multi).toHaveBeenCalledTimes(4);
      for (const p of others) expect(await landed(d, p)).toEqual({ status: 'queued', job: true });
      expect(await landed(d, refused)).toEqual({ status: undefined, job: false });
    } finally {
      multi.mockRestore();
    }
  });
});

describe('scripts Redis has lost', () => {
  let server: RedisServer;
  let own: Deployment;

  beforeAll(async () => {
    server = await startRedisServer();
    own = await open(server.url, 'enqueue-noscript');
  });

  afterAll(async () => {
    await own?.close();
    await server?.stop();
  });

  it('enqueues after a Redis restart (the scripts go again as EVAL on the new socket)', async () => {
    const enqueuer = createEnqueuer(own.redis, own.queue, own.store);
    const first = payload();
    await enqueuer.enqueue([{ payload: first }]);
    const crashed = server;
    await crashed.kill();
    server = await startRedisServer({ port: crashed.port });
    await crashed.stop(); // removes its data dir
    await vi.waitFor(() => expect(own.redis.status).toBe('ready'), { timeout: 15_000, interval: 100 });
    expect(await own.redis.script('EXISTS', ...scriptShas(own.redis))).toEqual([0, 0, 0, 0, 0]);
    const ps = [payload(), payload()];
    await Promise.all(ps.map((p) => enqueuer.enqueue([{ payload: p }])));
    for (const p of ps) expect(await landed(own, p)).toEqual({ status: 'queued', job: true });
  }, 30_000);

  it('recovers from SCRIPT FLUSH on a live connection: the failed attempt writes nothing, the next one goes through', async () => {
    const enqueuer = createEnqueuer(own.redis, own.queue, own.store);
    await enqueuer.enqueue([{ payload: payload() }]);
    await own.redis.script('FLUSH');
    // ioredis believes the scripts loaded on this socket and sends EVALSHA; in a
    // MULTI the NOSCRIPT comes with EXEC, where ioredis does not resend as EVAL.
    const lost = payload();
    await expect(enqueuer.enqueue([{ payload: lost }])).rejects.toThrow(/NOSCRIPT/);
    expect(await landed(own, lost)).toEqual({ status: undefined, job: false });
    const next = [payload(), payload()];
    await Promise.all(next.map((p) => enqueuer.enqueue([{ payload: p }])));
    for (const p of next) expect(await landed(own, p)).toEqual({ status: 'queued', job: true });
    await own.redis.script('FLUSH');
    await expect(enqueueMessages(own.redis, own.queue, own.store, [{ payload: lost }])).rejects.toThrow(/NOSCRIPT/);
    await enqueueMessages(own.redis, own.queue, own.store, [{ payload: lost }]);
    expect(await landed(own, lost)).toEqual({ status: 'queued', job: true });
  });
});

describe('on Redis Cluster', () => {
  let server: RedisServer;
  let own: Deployment;

  beforeAll(async () => {
    // A one-master cluster: enough for ioredis's Cluster client and its routing.
    server = await startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-announce-ip', '127.0.0.1'] });
    await promisify(execFile)('redis-cli', ['-p', String(server.port), 'cluster', 'addslotsrange', '0', '16383']);
    const probe = new Redis(server.url);
    await vi.waitFor(async () => expect(await probe.cluster('INFO')).toMatch(/cluster_state:ok/), { timeout: 15_000, interval: 100 });
    probe.disconnect();
    own = await open(server.url, 'enqueue-cluster', true);
  }, 30_000);

  afterAll(async () => {
    await own?.close();
    await server?.stop();
  });

  it('builds lean transactions, shares them between calls, and recovers from SCRIPT FLUSH', async () => {
    expect(own.redis).toBeInstanceOf(Cluster);
    const multi = createEnqueueMulti(own.redis);
    expect(scriptNames(multi).filter((n) => !n.endsWith('Buffer'))).toHaveLength(5);
    multi.discard();
    const enqueuer = createEnqueuer(own.redis, own.queue, own.store);
    const ps = [payload(), payload(), payload()];
    await Promise.all(ps.map((p) => enqueuer.enqueue([{ payload: p }])));
    for (const p of ps) expect(await landed(own, p)).toEqual({ status: 'queued', job: true });
    await Promise.all((own.redis as Cluster).nodes('master').map((n) => n.script('FLUSH')));
    const lost = payload();
    await expect(enqueuer.enqueue([{ payload: lost }])).rejects.toThrow(/NOSCRIPT/);
    await enqueuer.enqueue([{ payload: lost }]);
    expect(await landed(own, lost)).toEqual({ status: 'queued', job: true });
  }, 30_000);
});

/** SHA1s of the scripts an enqueue transaction runs. */
function scriptShas(redis: Redis | Cluster): string[] {
  const registry = (redis as unknown as { scriptsSet: Record<string, { sha: string }> }).scriptsSet;
  return Object.entries(registry)
    .filter(([name]) => name === 'courierCreate' || name === 'courierCreateMany' || /^add(Standard|Delayed|Prioritized)Job:/.test(name))
    .map(([, script]) => script.sha);
}
