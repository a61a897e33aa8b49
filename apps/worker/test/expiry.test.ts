/**
 * Message expiry in the worker, against real peers (Redis, the SMTP sink, the worker
 * as a child process): a message past its `expires_at` is never handed to the
 * provider, whether it waited for a retry's backoff or was scheduled past it, and
 * ends `abandoned` with `MESSAGE_EXPIRED`; a retry that could only come after the
 * expiry is not scheduled.
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

async function start(overrides: Record<string, unknown> = {}): Promise<{ d: Deployment; w: WorkerProcess }> {
  const d = await createDeployment(
    merge(
      {
        courier: {
          smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' },
          message_retries: 100,
        },
      },
      overrides,
    ),
  );
  deployments.push(d);
  const w = await spawnWorker(d.configPath);
  workers.push(w);
  return { d, w };
}

const mailsTo = (recipient: string) => smtp.received.filter((m) => m.envelope.to.includes(recipient));
const unique = (what: string) => `${what}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

describe('expiry', () => {
  it('abandons a message refused with 4xx until its expiry (retrying with backoff meanwhile), never sends it, and counts it', async () => {
    const { d, w } = await start();
    const expiring = unique('greylisted');
    const lasting = unique('lasting');
    let refused = 0;
    // The sink refuses the expiring recipient for as long as the message lives, and accepts it afterwards:
    // a send after the expiry would be received.
    const until = Date.now() + 1_500;
    smtp.setResponder((mail) => {
      if (mail.to.includes(expiring) && Date.now() < until) {
        refused++;
        return { code: 451, message: '4.7.1 Greylisted, try again later' };
      }
      return undefined;
    });
    const [p] = await d.enqueue([{ type: 'email', recipient: expiring, subject: 'Code', body: 'Your code is 1234' }], { ttlMs: 1_000 });
    const [ok] = await d.enqueue([{ type: 'email', recipient: lasting, subject: 'Code', body: 'Your code is 5678' }], { ttlMs: 60_000 });
    await d.waitForStatuses((c) => c['abandoned'] === 1 && c['sent'] === 1);
    const m = await d.store.get(p!.id);
    expect(m).toMatchObject({ status: 'abandoned', expires_at: p!.expires_at });
    expect(refused).toBeGreaterThan(1); // it was retried while it lived
    const last = m?.dispatches.at(-1);
    expect(last).toMatchObject({ status: 'failed', error: { code: 'MESSAGE_EXPIRED', retryable: false } });
    expect(m?.dispatches.slice(0, -1).every((x) => x.error?.code === 'SMTP_TRANSIENT')).toBe(true);
    // The non-expired message went out as usual, with its expiry on record.
    expect(await d.store.get(ok!.id)).toMatchObject({ status: 'sent', send_count: 1, expires_at: ok!.expires_at });
    expect(mailsTo(lasting)).toHaveLength(1);
    // Past the sink's refusals: the expired one was not sent later either.
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 500));
    expect(mailsTo(expiring)).toHaveLength(0);
    expect((await d.store.get(p!.id))?.status).toBe('abandoned');

    const metrics = await (await fetch(`http://127.0.0.1:${w.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/courier_messages_total\{status="abandoned",channel="email",template_type="raw",reason="expired"\} 1/);
    expect(metrics).toMatch(/courier_messages_total\{status="sent",channel="email",template_type="raw"\} 1/);
    expect(w.lines.some((l) => l['message_id'] === p!.id && l['error_code'] === 'MESSAGE_EXPIRED')).toBe(true);
  });

  it('does not schedule a retry that could only come after the expiry: abandons at once', async () => {
    // Backoff of at least 5 s (half of the 10 s first step) against a 4 s life.
    const { d } = await start({ worker: { backoff: { base_ms: 10_000, max_ms: 20_000 } } });
    const email = unique('once');
    let refused = 0;
    smtp.setResponder((mail) => {
      if (mail.to.includes(email) && refused === 0) {
        refused++;
        return { code: 451, message: '4.7.1 Greylisted, try again later' };
      }
      return undefined;
    });
    const [p] = await d.enqueue([{ type: 'email', recipient: email, subject: 'Code', body: 'Your code is 1234' }], { ttlMs: 4_000 });
    await d.waitForStatuses((c) => c['abandoned'] === 1, 10_000);
    const m = await d.store.get(p!.id);
    expect(Date.now()).toBeLessThan(Date.parse(p!.expires_at!)); // abandoned before it even expired
    expect(m).toMatchObject({ status: 'abandoned', send_count: 1 });
    expect(m?.dispatches).toEqual([expect.objectContaining({ status: 'failed', error: expect.objectContaining({ code: 'MESSAGE_EXPIRED', retryable: false }) })]);
    expect(m?.dispatches[0]?.error?.message).toContain('SMTP_TRANSIENT');
    expect(await d.queue.getJobCounts('delayed', 'failed')).toMatchObject({ delayed: 0, failed: 1 });
    expect(mailsTo(email)).toHaveLength(0);
  });

  it('never sends a message scheduled past its expiry', async () => {
    const { d } = await start();
    const email = unique('late');
    const [p] = await d.enqueue([{ type: 'email', recipient: email, subject: 'Code', body: 'Your code is 1234' }], { delayMs: 1_200, ttlMs: 300 });
    await d.waitForStatuses((c) => c['abandoned'] === 1, 10_000);
    const m = await d.store.get(p!.id);
    expect(m?.status).toBe('abandoned');
    expect(m?.dispatches.at(-1)?.error?.code).toBe('MESSAGE_EXPIRED');
    // No attempt was made: the expiry abandon is recorded but not counted as a send.
    expect(m?.send_count).toBe(0);
    expect(mailsTo(email)).toHaveLength(0);
  });
});
