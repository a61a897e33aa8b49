/**
 * Support for the fault tests: config files for child processes, a producer
 * child process and a plain API client for it, polling, and delivery counting.
 * The fault tests drive real `courier-worker` / `courier-producer` processes, so
 * everything here talks to them over loopback only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { MESSAGE_STATUSES, parseConfig } from '@courier/core';
import type { CourierKeys } from '@courier/store';
import { spawnCourier, type CourierProcess, type ReceivedMail } from '@courier/testkit';

/** The API key every fault-test producer accepts. */
export const API_KEY = 'fault-test-key-0123456789abcdef';

/** A config file in its own temp dir. */
export interface ConfigFile {
  readonly path: string;
  remove(): void;
}

/**
 * Validate `raw` as the apps will (so a typo fails here, not as a child's exit
 * code) and write it to a temp file.
 */
export function writeConfig(raw: Record<string, unknown>): ConfigFile {
  parseConfig(raw, 'fault test config');
  const dir = mkdtempSync(join(tmpdir(), 'courier-faults-'));
  const path = join(dir, 'courier.json');
  writeFileSync(path, JSON.stringify(raw));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Environment for a child process. The vitest global setup exports the shared
 * Redis as `REDIS_URL`, which the apps read as an override of `redis.url`; tests
 * with a private Redis must override it back, or the child talks to the wrong one.
 */
export function childEnv(redisUrl: string, logLevel: 'info' | 'warn' = 'info'): Record<string, string> {
  return { REDIS_URL: redisUrl, LOG_LEVEL: logLevel, PORT: '0' };
}

/** A producer child process with its base URL. */
export interface ProducerProcess extends CourierProcess {
  readonly url: string;
}

/** Start a producer child (its config should say `producer.port: 0`); resolves once it listens. */
export async function spawnProducer(configPath: string, env: Record<string, string>): Promise<ProducerProcess> {
  const p = await spawnCourier('producer', configPath, env);
  return Object.assign(p, { url: `http://127.0.0.1:${Number(p.ready['port'])}` });
}

/** SIGKILL a child unless it already exited, and wait for it. */
export async function killChild(p: Pick<CourierProcess, 'child' | 'kill' | 'exited'> | undefined): Promise<void> {
  if (p === undefined) return;
  if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  await p.exited;
}

/** What `POST /messages` answered: an HTTP status, or `network` when no answer came. */
export interface PostOutcome {
  readonly status: number | 'network';
  readonly id?: string;
}

/** Enqueue one e-mail through the producer API. */
export async function postEmail(baseUrl: string, recipient: string, subject: string): Promise<PostOutcome> {
  try {
    const res = await fetch(`${baseUrl}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipient, subject, body: `body of ${subject}` }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json().catch(() => ({}))) as { id?: unknown };
    return typeof body.id === 'string' ? { status: res.status, id: body.id } : { status: res.status };
  } catch {
    return { status: 'network' };
  }
}

/** GET a health route; `network` when nothing answered. */
export async function healthStatus(url: string): Promise<{ status: number | 'network'; body: Record<string, unknown> }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  } catch {
    return { status: 'network', body: {} };
  }
}

/**
 * Poll `fn` every `intervalMs` until `ok` holds; returns the last value and when
 * it held. Throws with the last value when `timeoutMs` passes first.
 */
export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, what: string, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms; last: ${JSON.stringify(v)}`);
    await sleep(intervalMs);
  }
}

/** Resolve after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Deliveries per recipient among `recipients` (each accepted SMTP transaction counts once per recipient). */
export function deliveryCounts(received: readonly ReceivedMail[], recipients: ReadonlySet<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of received) {
    for (const to of m.envelope.to) if (recipients.has(to)) counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

/**
 * Message counts per status, read in one MULTI: the status indexes change while
 * a run is going, and separate reads can count a message moving between two
 * statuses twice (or not at all).
 */
export async function statusCountsAtomic(redis: Redis, keys: CourierKeys): Promise<Record<string, number>> {
  const multi = redis.multi();
  for (const s of MESSAGE_STATUSES) multi.zcard(keys.statusIndex(s));
  const results = (await multi.exec()) ?? [];
  return Object.fromEntries(
    MESSAGE_STATUSES.map((s, i) => {
      const [err, n] = results[i] ?? [new Error('no reply'), 0];
      if (err) throw err;
      return [s, Number(n)];
    }),
  );
}

/**
 * Wait until BullMQ has nothing active, waiting or delayed, and return its
 * counts (with `failed`). A message is recorded `sent` before its job is marked
 * completed, so right after the statuses settle a job may still be active for a
 * moment — or, when its worker died in between, for a lock duration until
 * stalled-job recovery re-runs it (the already-sent guard then skips the send).
 */
export async function waitForJobsSettled(queue: Queue, timeoutMs: number): Promise<Record<string, number>> {
  return until(
    () => queue.getJobCounts('active', 'wait', 'delayed', 'failed'),
    (c) => c['active'] === 0 && c['wait'] === 0 && c['delayed'] === 0,
    timeoutMs,
    'BullMQ settled',
    250,
  );
}
