/**
 * Fault: the SMTP server goes away for 10 s in the middle of a run. Messages
 * must wait (`error`, with a retry scheduled, or `queued`) rather than be
 * abandoned while attempts remain, and go out once the server is back, each once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '@courier/testkit';
import { createDeployment, type Deployment } from '../support/deployment.js';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.js';
import { deliveryCounts, killChild, sleep, statusCountsAtomic, waitForJobsSettled } from './support.js';

const COUNT = 300;
const OUTAGE_MS = 10_000;
const RETRIES = 10;
/**
 * Base 500 ms doubling to a 3 s cap, each step at least half random: the
 * shortest possible schedule of 10 retries waits 0.25+0.5+1+1.5*7 = 12.25 s,
 * longer than the outage, so no message can run out of attempts during it.
 */
const BACKOFF = { base_ms: 500, max_ms: 3_000 };

let smtp: SmtpSink | undefined;
let d: Deployment | undefined;
let worker: WorkerProcess | undefined;

afterAll(async () => {
  await killChild(worker);
  await d?.cleanup();
  await smtp?.close();
});

describe('SMTP server down for 10 s mid-run', () => {
  it(`${COUNT} messages: they wait while it is down, none abandoned, all delivered once after`, async () => {
    smtp = await startSmtpSink({ tls: 'none', parse: false });
    d = await createDeployment({
      courier: {
        smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' },
        message_retries: RETRIES,
      },
      // The rate limit spreads the run over 3 s so the outage lands in the middle of it.
      worker: { concurrency: 10, backoff: BACKOFF, rate_limit_per_second: 100 },
      log: { level: 'warn' },
    });
    // The ready line is logged at info; the rest of the run only needs warnings.
    worker = await spawnWorker(d.configPath, { LOG_LEVEL: 'info' });

    const tag = `outage-${Date.now()}`;
    const payloads = await d.enqueue(Array.from({ length: COUNT }, (_, i) => ({ type: 'email' as const, recipient: `${tag}-${i}@example.com`, subject: `m${i}`, body: `b${i}` })));
    const recipients = new Set(payloads.map((p) => p.recipient));
    while (smtp.count() < COUNT / 5) await sleep(5);
    await smtp.stop();
    const stoppedAt = Date.now();
    const deliveredBefore = smtp.count();
    expect(deliveredBefore).toBeLessThan(COUNT);

    // Sample the statuses through the outage: nothing abandoned, the rest waiting.
    let sawWaitingWithError = false;
    let maxAbandoned = 0;
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      const c = await statusCountsAtomic(d.redis, d.store.keys);
      maxAbandoned = Math.max(maxAbandoned, c['abandoned'] ?? 0);
      if ((c['error'] ?? 0) > 0) sawWaitingWithError = true;
      expect((c['sent'] ?? 0) + (c['error'] ?? 0) + (c['queued'] ?? 0) + (c['processing'] ?? 0)).toBe(COUNT);
      await sleep(500);
    }
    const atEnd = await statusCountsAtomic(d.redis, d.store.keys);
    expect(maxAbandoned).toBe(0);
    expect(sawWaitingWithError).toBe(true);
    expect(atEnd['sent']).toBeLessThan(COUNT);
    const waiting = COUNT - (atEnd['sent'] ?? 0);
    await smtp.start();
    const restartedAt = Date.now();

    await d.waitForStatuses((c) => c['sent'] === COUNT || (c['abandoned'] ?? 0) > 0, 45_000);
    const recoveredIn = Date.now() - restartedAt;
    expect(await d.statusCounts()).toMatchObject({ sent: COUNT, abandoned: 0, error: 0, processing: 0, queued: 0 });
    expect(await waitForJobsSettled(d.queue, 10_000)).toEqual({ active: 0, wait: 0, delayed: 0, failed: 0 });

    // The sink records a message before it answers 250, and it stops between
    // commands, so a client never misses the answer to a message it recorded.
    const counts = deliveryCounts(smtp.received, recipients);
    expect(counts.size).toBe(COUNT);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    expect(smtp.received.every((m) => m.receivedAt < stoppedAt || m.receivedAt >= restartedAt)).toBe(true);

    // The messages that waited show their failed attempts, all retryable, and then the success.
    let retried = 0;
    let maxAttempts = 0;
    for (const p of payloads) {
      const m = await d.store.get(p.id);
      expect(m?.status).toBe('sent');
      const failed = m?.dispatches.filter((x) => x.status === 'failed') ?? [];
      expect(failed.every((x) => x.error?.retryable === true)).toBe(true);
      expect(m?.dispatches.at(-1)?.status).toBe('success');
      if (failed.length > 0) retried++;
      maxAttempts = Math.max(maxAttempts, m?.send_count ?? 0);
    }
    expect(retried).toBeGreaterThan(0);
    expect(maxAttempts).toBeLessThanOrEqual(RETRIES + 1);
    console.info(
      `[faults] SMTP outage: ${deliveredBefore} delivered before, ${waiting} waiting at the end of the ${OUTAGE_MS} ms outage, ` +
        `${retried} retried (max ${maxAttempts} attempts), all delivered ${recoveredIn} ms after the server came back`,
    );
  }, 90_000);
});
