/**
 * Courier on Redis Cluster, end to end: a private 3-master cluster on loopback
 * (`redis-server --cluster-enabled yes` + `redis-cli --cluster create`), the
 * producer and a worker as child processes with `redis.cluster: true`, messages
 * sent through the HTTP API and received by a real SMTP sink.
 *
 * The seed URL deliberately names a master that does NOT own the slot of the
 * hash-tagged prefix, so every command only succeeds when the client follows the
 * cluster topology (a plain single-node client would get MOVED errors).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type CourierConfig } from '@courier/core';
import { closeRedisConnection, createRedisConnection } from '@courier/store';
import { freePort, spawnCourier, startRedisServer, startSmtpSink, type CourierProcess, type RedisServer, type SmtpSink } from '@courier/testkit';

const run = promisify(execFile);

const PREFIX = '{courier-cluster-test}';
const API_KEY = 'cluster-test-api-key-0123456789';
const CLUSTER_NODE_ARGS = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000'];

const nodes: RedisServer[] = [];
let smtp: SmtpSink | undefined;
let producer: CourierProcess | undefined;
let worker: CourierProcess | undefined;
let configDir: string | undefined;
let producerUrl = '';
let seedPort = 0;
let prefixSlot = -1;
let clusterRedis: CourierConfig['redis'] | undefined;

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 });
  return stdout;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const value = await probe().catch((err: unknown) => {
      lastError = err;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms (last error: ${String(lastError)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Port of the master that owns `slot`, from `CLUSTER SLOTS`. */
async function slotOwner(port: number, slot: number): Promise<number> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const ranges = await client.cluster('SLOTS');
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    const master = range?.[2];
    if (master === undefined) throw new Error(`slot ${slot} is not served`);
    return master[1];
  } finally {
    client.disconnect();
  }
}

/** The parts of an API message this test reads. */
interface ApiMessage {
  readonly id: string;
  readonly status: string;
  readonly send_count: number;
  readonly dispatches: readonly { readonly status: string }[];
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- callers name the shape of the answer they expect
async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${producerUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${API_KEY}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Poll a readiness route; on timeout, the error carries the last answer and the process's own log. */
async function waitForReady(name: string, url: string, p: CourierProcess): Promise<void> {
  await waitFor(`${name} ready`, async () => {
    const res = await fetch(url);
    if (res.status === 200) return true;
    const quiet = new Set(['incoming request', 'request completed']);
    const log = p.lines.filter((l) => typeof l['msg'] !== 'string' || !quiet.has(l['msg']));
    throw new Error(`${res.status} ${await res.text()}; ${name} log: ${JSON.stringify(log)}; stderr: ${p.stderr.join('\n')}`);
  });
}

async function stopProcess(p: CourierProcess | undefined): Promise<void> {
  if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(timer);
}

beforeAll(async () => {
  // One at a time, each kept as soon as it runs, so afterAll stops whatever started.
  for (let i = 0; i < 3; i++) nodes.push(await startRedisServer({ args: CLUSTER_NODE_ARGS }));
  // nodes.conf is relative to each server's own temp dir: three dirs, three node identities.
  if (new Set(nodes.map((n) => n.dir)).size !== nodes.length) throw new Error('cluster nodes must not share a data dir');
  await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 60_000 });
  for (const n of nodes) {
    await waitFor(`cluster_state:ok on ${n.port}`, async () => ((await redisCli(n.port, 'cluster', 'info')).includes('cluster_state:ok') ? true : undefined));
  }
  const [first] = nodes;
  if (first === undefined) throw new Error('no cluster node started');
  prefixSlot = Number((await redisCli(first.port, 'cluster', 'keyslot', PREFIX)).trim());
  const owner = await slotOwner(first.port, prefixSlot);
  const seedNode = nodes.find((n) => n.port !== owner);
  if (seedNode === undefined) throw new Error('every node owns the prefix slot?');
  seedPort = seedNode.port;

  smtp = await startSmtpSink({ tls: 'none' });
  const seed = `redis://127.0.0.1:${seedPort}`;
  const raw = {
    redis: { url: seed, cluster: true, prefix: PREFIX },
    courier: {
      smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' },
      message_retries: 3,
    },
    worker: {
      host: '127.0.0.1',
      port: 0,
      concurrency: 20,
      backoff: { base_ms: 50, max_ms: 250 },
      lock_duration_ms: 5_000,
      stalled_interval_ms: 2_000,
      shutdown_timeout_ms: 5_000,
    },
    producer: { host: '127.0.0.1', api_keys: [API_KEY], dashboard: { enabled: false } },
    log: { level: 'info' },
  };
  clusterRedis = parseConfig(raw, 'cluster test config').redis;
  configDir = mkdtempSync(join(tmpdir(), 'courier-cluster-test-'));
  const configPath = join(configDir, 'courier.json');
  writeFileSync(configPath, JSON.stringify(raw));

  const producerPort = await freePort();
  // The vitest global setup exports REDIS_URL (a single-node Redis) and children
  // inherit it; as an override it would beat the config file, so it is pinned here.
  const env = { REDIS_URL: seed, PORT: String(producerPort) };
  producer = await spawnCourier('producer', configPath, env);
  worker = await spawnCourier('worker', configPath, env);
  producerUrl = `http://127.0.0.1:${producerPort}`;
  await waitForReady('producer', `${producerUrl}/health/ready`, producer);
  await waitForReady('worker', `http://127.0.0.1:${Number(worker.ready['health_port'])}/health/ready`, worker);
}, 120_000);

afterAll(async () => {
  await Promise.all([stopProcess(producer), stopProcess(worker)]);
  await smtp?.close();
  await Promise.all(nodes.map((n) => n.stop()));
  if (configDir !== undefined) rmSync(configDir, { recursive: true, force: true });
}, 60_000);

describe('Courier on a 3-node Redis Cluster', () => {
  it('refuses cluster mode without a hash-tagged prefix', () => {
    const smtpOnly = { courier: { smtp: { connection_uri: 'smtp://127.0.0.1:25/' } } };
    const url = `redis://127.0.0.1:${seedPort}`;
    expect(() => parseConfig({ ...smtpOnly, redis: { url, cluster: true, prefix: PREFIX } })).not.toThrow();
    let error: unknown;
    try {
      parseConfig({ ...smtpOnly, redis: { url, cluster: true, prefix: 'courier' } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['redis.prefix']);
  });

  it('gets fail-fast and waiting cluster connections ready promptly, every time', async () => {
    // Regression: node clients that connected eagerly made the cluster's ready check
    // fail at random, and a fail-fast client then spent tens of seconds reconnecting.
    for (let i = 0; i < 15; i++) {
      for (const role of ['fail-fast', 'wait'] as const) {
        const connection = createRedisConnection(clusterRedis!, role, `cluster-test-${role}`);
        connection.on('error', () => undefined);
        try {
          await waitFor(`${role} connection ready`, async () => (connection.status === 'ready' ? true : undefined), 5_000);
          expect(await connection.ping()).toBe('PONG');
        } finally {
          await closeRedisConnection(connection);
        }
      }
    }
  }, 120_000);

  it('accepts messages through the producer and delivers every one through the worker', async () => {
    const tag = Date.now().toString(36);
    const templated = `cluster-tpl-${tag}@example.com`;
    const rawRecipient = `cluster-raw-${tag}@example.com`;
    const batchRecipients = Array.from({ length: 100 }, (_, i) => `cluster-batch-${i}-${tag}@example.com`);

    const one = await api<{ id: string }>('/messages', {
      method: 'POST',
      body: { type: 'email', recipient: templated, template_type: 'recovery_code_valid', template_data: { recovery_code: '314159' } },
    });
    expect(one.status).toBe(202);
    const two = await api<{ id: string }>('/messages', {
      method: 'POST',
      body: { type: 'email', recipient: rawRecipient, subject: 'Cluster hello', body: 'sent through a Redis Cluster' },
    });
    expect(two.status).toBe(202);
    const batch = await api<{ messages: { id: string }[] }>('/messages/batch', {
      method: 'POST',
      body: {
        messages: batchRecipients.map((recipient, i) =>
          i % 2 === 0
            ? { type: 'email', recipient, subject: `Batch ${i}`, body: `batch message ${i}` }
            : { type: 'email', recipient, template_type: 'verification_code_valid', template_data: { verification_code: `${100000 + i}` } },
        ),
      },
    });
    expect(batch.status).toBe(202);
    expect(batch.body.messages).toHaveLength(100);

    const ids = [one.body.id, two.body.id, ...batch.body.messages.map((m) => m.id)];
    expect(new Set(ids).size).toBe(102);
    const recipients = new Set([templated, rawRecipient, ...batchRecipients]);
    const ours = () => smtp!.received.filter((m) => m.envelope.to.some((to) => recipients.has(to)));
    await waitFor('all 102 mails at the sink', async () => (ours().length >= 102 ? true : undefined), 60_000);

    const mails = ours();
    expect(mails).toHaveLength(102);
    expect(new Set(mails.flatMap((m) => m.envelope.to))).toEqual(recipients);
    expect(mails.find((m) => m.envelope.to.includes(templated))?.parsed?.text).toContain('314159');
    const rawMail = mails.find((m) => m.envelope.to.includes(rawRecipient));
    expect(rawMail?.parsed?.subject).toBe('Cluster hello');
    expect(rawMail?.parsed?.text).toContain('sent through a Redis Cluster');

    // The "sent" record is written after the SMTP reply, so poll rather than read once.
    for (const id of ids) {
      const message = await waitFor(`message ${id} sent`, async () => {
        const res = await api<ApiMessage>(`/messages/${id}`);
        return res.status === 200 && res.body.status === 'sent' ? res.body : undefined;
      });
      expect(message).toMatchObject({ id, status: 'sent', send_count: 1 });
      expect(message.dispatches).toEqual([expect.objectContaining({ status: 'success' })]);
    }

    const listed = await api<{ messages: ApiMessage[] }>('/messages?status=sent&page_size=1000');
    expect(listed.status).toBe(200);
    const listedIds = new Set(listed.body.messages.map((m) => m.id));
    for (const id of ids) expect(listedIds.has(id)).toBe(true);
    const byRecipient = await api<{ messages: ApiMessage[] }>(`/messages?recipient=${encodeURIComponent(templated)}`);
    expect(byRecipient.body.messages.map((m) => m.id)).toEqual([one.body.id]);
  }, 120_000);

  it('keeps every Courier key in the one slot of the hash-tagged prefix', async () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: seedPort }], { lazyConnect: true });
    cluster.on('error', () => undefined);
    try {
      await cluster.connect();
      const perNode = await Promise.all(
        cluster.nodes('master').map(async (node) => {
          const keys: string[] = [];
          let cursor = '0';
          do {
            const [next, found] = await node.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
            cursor = next;
            keys.push(...found);
          } while (cursor !== '0');
          return { port: node.options.port, keys };
        }),
      );
      const holding = perNode.filter((n) => n.keys.length > 0);
      // Only the owner of the prefix's slot holds keys, and it is not the seed.
      expect(holding).toHaveLength(1);
      expect(holding[0]?.port).toBe(await slotOwner(seedPort, prefixSlot));
      expect(holding[0]?.port).not.toBe(seedPort);
      const keys = holding[0]?.keys ?? [];
      expect(keys.some((k) => k.startsWith(`${PREFIX}:courier:`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${PREFIX}:tracking:`))).toBe(true);
      const slots = await Promise.all(keys.map(async (k) => await cluster.cluster('KEYSLOT', k)));
      expect(new Set(slots)).toEqual(new Set([prefixSlot]));
    } finally {
      cluster.disconnect();
    }
  });
});
