/**
 * Per-channel send rates (`worker.rate_limits.channels`) against real peers: two
 * worker processes sharing one Redis deliver into the SMTP sink no faster than the
 * rate (asserted on the sink's arrival times, as a lower bound on elapsed time
 * only), waits are neither failed attempts nor dispatches, and a message whose
 * expiry comes before its slot ends abandoned with MESSAGE_EXPIRED, unsent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '@courier/testkit';
import { createDeployment, merge, type Deployment } from './support/deployment.js';
import { spawnWorker, type WorkerProcess } from './support/worker-process.js';

let smtp: SmtpSink;
const deployments: Deployment[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  smtp = await startSmtpSink({ tls: 'none' });
});

afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.kill('SIGKILL');
    await w.exited;
  }
  for (const d of deployments.splice(0)) await d.cleanup();
  smtp.setResponder(undefined);
});

afterAll(async () => {
  await smtp.close();
});

async function deployment(rate: Record<string, unknown>): Promise<Deployment> {
  const d = await createDeployment(
    merge(
      {
        courier: { smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' } },
      },
      { worker: { rate_limits: { channels: { email: rate } } } },
    ),
  );
  deployments.push(d);
  return d;
}

const unique = (what: string) => `${what}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

async function metricsOf(w: WorkerProcess): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${w.healthPort}/metrics`);
  return res.text();
}

describe('per-channel send rate', () => {
  it('two workers deliver 20 e-mails at 5/s no faster than the rate, without failed attempts', { timeout: 120_000 }, async () => {
    const d = await deployment({ max: 5, per_seconds: 1 });
    workers.push(await spawnWorker(d.configPath), await spawnWorker(d.configPath));
    const tag = unique('rate');
    const recipients = Array.from({ length: 20 }, (_, i) => tag.replace('@', `-${i}@`));
    const payloads = await d.enqueue(recipients.map((recipient) => ({ type: 'email' as const, recipient, subject: 'Rate', body: 'limited' })));
    await d.waitForStatuses((c) => c['sent'] === 20, 60_000);
    const arrivals = smtp.received
      .filter((m) => recipients.some((r) => m.envelope.to.includes(r)))
      .map((m) => m.receivedAt)
      .sort((a, b) => a - b);
    expect(arrivals).toHaveLength(20);
    // Slots are 200 ms apart (burst 1): the 20th hand-over is at least 19 intervals after the
    // first. Arrival at the sink adds jitter either way, so the bound is loosened by 0.5 s.
    expect(arrivals[19]! - arrivals[0]!).toBeGreaterThanOrEqual(19 * 200 - 500);
    // Only lower bounds: a job that wakes late (a loaded machine) sends late, so arrivals may
    // bunch up after a gap; the rate bounds the total, never the spacing of two arrivals.
    expect(arrivals[9]! - arrivals[0]!).toBeGreaterThanOrEqual(9 * 200 - 500);
    // A wait is not an attempt: one dispatch per message, and it is the send.
    for (const p of payloads.slice(0, 5)) {
      const m = await d.store.get(p.id);
      expect(m?.dispatches).toHaveLength(1);
      expect(m?.dispatches[0]?.status).toBe('success');
    }
    const text = (await Promise.all(workers.map(metricsOf))).join('\n');
    const waited = [...text.matchAll(/^courier_channel_rate_waits_total\{channel="email",outcome="waited"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(waited).toBeGreaterThanOrEqual(10);
  });

  it('abandons a message whose expiry comes before its slot with MESSAGE_EXPIRED, and never sends it', { timeout: 90_000 }, async () => {
    const d = await deployment({ max: 1, per_seconds: 30 });
    const w = await spawnWorker(d.configPath);
    workers.push(w);
    const first = unique('first');
    const expiring = unique('expiring');
    const [a] = await d.enqueue([{ type: 'email', recipient: first, subject: 'First', body: 'takes the slot' }]);
    await d.waitForStatuses((c) => c['sent'] === 1);
    const [b] = await d.enqueue([{ type: 'email', recipient: expiring, subject: 'Code', body: 'Your code is 1234' }], { ttlMs: 3_000 });
    await d.waitForStatuses((c) => c['abandoned'] === 1);
    const m = await d.store.get(b!.id);
    expect(m?.status).toBe('abandoned');
    expect(m?.dispatches).toHaveLength(1);
    expect(m?.dispatches[0]).toMatchObject({ status: 'failed', error: { code: 'MESSAGE_EXPIRED', retryable: false } });
    expect(m?.dispatches[0]?.error?.message).toMatch(/send slot/);
    expect((await d.store.get(a!.id))?.status).toBe('sent');
    // Past the expiry, nothing arrived for it.
    await new Promise((r) => setTimeout(r, 3_500));
    expect(smtp.received.filter((x) => x.envelope.to.includes(expiring))).toHaveLength(0);
    expect(await metricsOf(w)).toMatch(/^courier_channel_rate_waits_total\{channel="email",outcome="expired"\} 1/m);
  });

  it('abandons a message that expires while it waits for its reserved slot, at its hand-over, unsent', { timeout: 90_000 }, async () => {
    // 1 per 3 s: the second message's slot is ~3 s away, inside its 60 s life, so it is
    // reserved and it waits in the delayed set. While it waits, the test shortens its life
    // (the job payload's expires_at to 0.5 s from now), as if it had been enqueued with a
    // life shorter than its wait: when it runs again, the expiry check before the hand-over stops it.
    const d = await deployment({ max: 1, per_seconds: 3 });
    workers.push(await spawnWorker(d.configPath));
    await d.enqueue([{ type: 'email', recipient: unique('slot'), subject: 'First', body: 'takes the slot' }]);
    await d.waitForStatuses((c) => c['sent'] === 1);
    const waiting = unique('waiting');
    const [p] = await d.enqueue([{ type: 'email', recipient: waiting, subject: 'Code', body: 'Your code is 1234' }], { ttlMs: 60_000 });
    // Wait until it is delayed for its slot, its record back to queued.
    const jobKey = `${d.prefix}:courier:${p!.id}`;
    const deadline = Date.now() + 10_000;
    while ((await d.queue.getJobState(p!.id)) !== 'delayed') {
      if (Date.now() > deadline) throw new Error('the job never waited for a slot');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await d.store.get(p!.id))?.status).toBe('queued');
    const data = JSON.parse((await d.redis.hget(jobKey, 'data')) ?? '{}') as Record<string, unknown>;
    await d.redis.hset(jobKey, 'data', JSON.stringify({ ...data, expires_at: new Date(Date.now() + 500).toISOString() }));
    await d.waitForStatuses((c) => c['abandoned'] === 1, 15_000);
    const m = await d.store.get(p!.id);
    expect(m?.dispatches).toHaveLength(1);
    expect(m?.dispatches[0]?.error?.code).toBe('MESSAGE_EXPIRED');
    expect(smtp.received.filter((x) => x.envelope.to.includes(waiting))).toHaveLength(0);
  });

  it("pauses the channel for every message after the provider's throttling answer", { timeout: 90_000 }, async () => {
    const d = await deployment({ max: 50, per_seconds: 1, throttle_pause_ms: 1_500 });
    const w = await spawnWorker(d.configPath);
    workers.push(w);
    const tag = unique('throttle');
    const recipients = Array.from({ length: 4 }, (_, i) => tag.replace('@', `-${i}@`));
    let throttledAt: number | undefined;
    smtp.setResponder((mail) => {
      if (throttledAt === undefined && mail.to.some((t) => recipients.includes(t))) {
        throttledAt = Date.now();
        return { code: 454, message: 'Throttling failure: Maximum sending rate exceeded.' };
      }
      return undefined;
    });
    // One message first, so the throttling answer comes before the others are sent.
    await d.enqueue([{ type: 'email', recipient: recipients[0]!, subject: 'T', body: 'first' }]);
    const deadline = Date.now() + 20_000;
    while (throttledAt === undefined) {
      if (Date.now() > deadline) throw new Error('the sink was never reached');
      await new Promise((r) => setTimeout(r, 10));
    }
    await d.enqueue(recipients.slice(1).map((recipient) => ({ type: 'email' as const, recipient, subject: 'T', body: 'later' })));
    await d.waitForStatuses((c) => c['sent'] === 4, 30_000);
    const arrivals = smtp.received.filter((m) => recipients.some((r) => m.envelope.to.includes(r))).map((m) => m.receivedAt);
    expect(arrivals).toHaveLength(4);
    // Nothing went out until the pause (1.5 s) was over; 0.3 s of slack for the clocks.
    for (const at of arrivals) expect(at - throttledAt).toBeGreaterThanOrEqual(1_200);
    expect(await metricsOf(w)).toMatch(/^courier_channel_rate_waits_total\{channel="email",outcome="throttled"\} 1/m);
  });
});
