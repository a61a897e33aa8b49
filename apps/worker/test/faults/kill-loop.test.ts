/**
 * Fault: 10,000 messages through 3 worker processes while one of them is
 * SIGKILLed every second (and replaced, so 3 keep running) for up to 20 s. All
 * must be delivered, nothing may be left stuck, nothing recorded `sent` may be
 * delivered again, and only sends in flight at a kill may repeat.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '@courier/testkit';
import { createDeployment, type Deployment } from '../support/deployment.js';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.js';
import { killChild, sleep, waitForJobsSettled } from './support.js';

const COUNT = 10_000;
const WORKERS = 3;
const KILL_EVERY_MS = 1_000;
const KILL_FOR_MS = 20_000;
/**
 * nodemailer's pool (5 connections, the SMTP strategy's default). With the
 * worker's concurrency equal to it, a worker has at most this many jobs in
 * flight, so a kill can repeat at most this many sends.
 */
const POOL_SIZE = 5;
const LOCK_MS = 3_000;

let smtp: SmtpSink | undefined;
let d: Deployment | undefined;
const everyWorker: WorkerProcess[] = [];
/** Spawns not yet ready: a failing test must not leave them running. */
const pendingSpawns = new Set<Promise<unknown>>();

afterAll(async () => {
  await Promise.allSettled([...pendingSpawns]);
  await Promise.all(everyWorker.map((w) => killChild(w)));
  await d?.cleanup();
  await smtp?.close();
});

/** Deliveries per recipient, updated incrementally from the sink's list. */
function deliveryCounter(received: readonly ReceivedMail[]) {
  const counts = new Map<string, number>();
  let seen = 0;
  return {
    update(): Map<string, number> {
      for (; seen < received.length; seen++) {
        for (const to of received[seen]!.envelope.to) counts.set(to, (counts.get(to) ?? 0) + 1);
      }
      return counts;
    },
  };
}

interface Kill {
  readonly at: number;
  readonly exitedAt: number;
}

describe('SIGKILL loop', () => {
  it(`${COUNT} messages, ${WORKERS} workers, one SIGKILLed every second: all delivered, none stuck`, async () => {
    smtp = await startSmtpSink({ tls: 'none', parse: false });
    const deployment = await createDeployment({
      courier: {
        smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' },
        message_retries: 5,
      },
      worker: { concurrency: POOL_SIZE, lock_duration_ms: LOCK_MS, stalled_interval_ms: 1_000, backoff: { base_ms: 100, max_ms: 1_000 } },
      // Start-up needs the info-level ready line; the run logs one line per message.
      log: { level: 'info' },
    });
    d = deployment;
    const spawn = async (): Promise<WorkerProcess> => {
      const starting = spawnWorker(deployment.configPath);
      pendingSpawns.add(starting);
      try {
        const w = await starting;
        everyWorker.push(w);
        return w;
      } finally {
        pendingSpawns.delete(starting);
      }
    };
    const tag = `kl-${Date.now()}`;
    const payloads = await d.enqueue(
      Array.from({ length: COUNT }, (_, i) => ({ type: 'email' as const, recipient: `${tag}-${i}@example.com`, subject: `m${i}`, body: `b${i}` })),
    );
    const started = Date.now();
    const live: WorkerProcess[] = await Promise.all(Array.from({ length: WORKERS }, spawn));
    const allUpAt = Date.now();
    let booting = 0;
    const idToRecipient = new Map(payloads.map((p) => [p.id, p.recipient]));
    const counter = deliveryCounter(smtp.received);
    /** Deliveries of a recipient when it was first seen recorded `sent`: it may never grow after. */
    const countWhenRecordedSent = new Map<string, number>();
    const kills: Kill[] = [];
    let spawnFailures = 0;

    const snapshotSent = async (): Promise<void> => {
      const ids = await deployment.redis.zrange(deployment.store.keys.statusIndex('sent'), '0', '-1');
      // Counted after the read: whatever was recorded by then was delivered by then.
      const counts = counter.update();
      for (const id of ids) {
        const r = idToRecipient.get(id);
        if (r !== undefined && !countWhenRecordedSent.has(r)) countWhenRecordedSent.set(r, counts.get(r) ?? 0);
      }
    };
    const sentCount = async (): Promise<number> => deployment.redis.zcard(deployment.store.keys.statusIndex('sent'));

    while (Date.now() - allUpAt < KILL_FOR_MS && (await sentCount()) < COUNT) {
      const tickAt = Date.now();
      // Kill only a worker that is up, and never the last one up, so the run always
      // progresses; a replacement takes 2-5 s to boot on a busy 2-core machine, so
      // fewer than one kill a second is what this achieves there (reported below).
      if (live.length >= 2) {
        const victim = live.shift()!;
        const at = Date.now();
        victim.kill('SIGKILL');
        await victim.exited;
        kills.push({ at, exitedAt: Date.now() });
        await snapshotSent();
        booting++;
        void spawn().then(
          (w) => {
            booting--;
            live.push(w);
          },
          () => {
            booting--;
            spawnFailures++;
          },
        );
      }
      await sleep(Math.max(0, KILL_EVERY_MS - (Date.now() - tickAt)));
    }
    const killingStoppedAt = Date.now();
    while (booting > 0) await sleep(50);
    expect(spawnFailures).toBe(0);
    expect(live).toHaveLength(WORKERS);

    const final = await d.waitForStatuses((c) => c['sent'] === COUNT || (c['abandoned'] ?? 0) > 0, 120_000);
    const took = Date.now() - started;
    expect(final).toEqual({ sent: COUNT, processing: 0, queued: 0, error: 0, abandoned: 0, cancelled: 0 });
    // A job whose worker died after recording `sent` but before telling BullMQ
    // stays active until its lock expires, then is re-run and skipped.
    const settleStarted = Date.now();
    const jobCounts = await waitForJobsSettled(deployment.queue, LOCK_MS + 15_000);
    const settledAfter = Date.now() - settleStarted;
    expect(jobCounts).toEqual({ active: 0, wait: 0, delayed: 0, failed: 0 });
    expect(await d.statusCounts()).toEqual(final);

    const counts = counter.update();
    const recipients = payloads.map((p) => p.recipient);
    expect(recipients.filter((r) => (counts.get(r) ?? 0) === 0)).toEqual([]);
    // Recorded sent means never delivered again, whatever stalled-job recovery re-ran.
    const againAfterSent = [...countWhenRecordedSent].filter(([r, n]) => counts.get(r) !== n);
    expect(againAfterSent).toEqual([]);
    expect(countWhenRecordedSent.size).toBeGreaterThan(0);

    // A repeat is a send in flight at a kill, re-run by stalled-job recovery once
    // the dead worker's lock expired (it was renewed every half lock duration, so
    // it outlives the kill by about that much): the copies straddle a kill and lie
    // well apart, never milliseconds apart as two live workers sending one job would.
    const duplicates = recipients.filter((r) => (counts.get(r) ?? 0) > 1);
    expect(duplicates.length).toBeLessThanOrEqual(kills.length * POOL_SIZE);
    const times = new Map<string, number[]>();
    for (const m of smtp.received) for (const to of m.envelope.to) if ((counts.get(to) ?? 0) > 1) times.set(to, [...(times.get(to) ?? []), m.receivedAt]);
    let minRepeatGap = Infinity;
    for (const r of duplicates) {
      const [first, second] = times.get(r)!;
      minRepeatGap = Math.min(minRepeatGap, second! - first!);
      expect(second! - first!, `repeat of ${r}`).toBeGreaterThanOrEqual(500);
      // The slack covers bytes the dead worker left in the socket, read by the sink after the exit.
      expect(kills.some((k) => first! <= k.exitedAt + 1_000 && k.at <= second!), `repeat of ${r} straddles a kill`).toBe(true);
    }
    // A replacement boots in 2-8 s on a busy 2-core machine, so 20 s of "kill one
    // of at least two up" yields 3-8 kills; fewer would not test much.
    expect(kills.length).toBeGreaterThanOrEqual(3);
    console.info(
      `[faults] SIGKILL loop: ${COUNT} delivered in ${took} ms (3 workers up after ${allUpAt - started} ms, then killing for ${killingStoppedAt - allUpAt} ms), ${kills.length} kills, ` +
        `${duplicates.length} duplicates (bound ${kills.length * POOL_SIZE}, shortest gap ${minRepeatGap} ms), ` +
        `${countWhenRecordedSent.size} recorded sent at a kill and not delivered again; BullMQ settled ${settledAfter} ms after the statuses`,
    );
  }, 200_000);
});
