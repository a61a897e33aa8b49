/**
 * Worker behaviour against real peers: Redis, an SMTP sink, an HTTP sink, and the
 * worker itself as a child process.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpSink, startSmtpSink, type HttpSink, type SmtpSink } from '@courier/testkit';
import { createDeployment, merge, type Deployment } from './support/deployment.js';
import { spawnWorker, type WorkerProcess } from './support/worker-process.js';

const SMS_BODY = Buffer.from('function(ctx) { to: ctx.recipient, text: ctx.body }').toString('base64');

let smtp: SmtpSink;
let http: HttpSink;
const deployments: Deployment[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  smtp = await startSmtpSink({ tls: 'none' });
  http = await startHttpSink();
});

afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.kill('SIGKILL');
    await w.exited;
  }
  for (const d of deployments.splice(0)) await d.cleanup();
  smtp.setResponder(undefined);
  http.setResponder(() => undefined);
});

afterAll(async () => {
  await smtp.close();
  await http.close();
});

async function deployment(overrides: Record<string, unknown> = {}): Promise<Deployment> {
  const d = await createDeployment(
    merge(
      {
        courier: {
          smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' },
          channels: [{ id: 'sms', type: 'http', request_config: { url: `${http.url}/sms`, body: `base64://${SMS_BODY}` } }],
          message_retries: 3,
        },
      },
      overrides,
    ),
  );
  deployments.push(d);
  return d;
}

async function worker(d: Deployment): Promise<WorkerProcess> {
  const w = await spawnWorker(d.configPath);
  workers.push(w);
  return w;
}

/** Poll /health/ready until `accept` holds for its answer (readiness settles after start-up). */
async function readiness(w: WorkerProcess, accept: (status: number, body: { errors?: Record<string, string> }) => boolean) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${w.healthPort}/health/ready`);
    const body = (await res.json()) as { errors?: Record<string, string> };
    if (accept(res.status, body) || Date.now() > deadline) return { status: res.status, body };
    await new Promise((r) => setTimeout(r, 100));
  }
}

function mailsTo(recipient: string) {
  return smtp.received.filter((m) => m.envelope.to.includes(recipient));
}

describe('delivery', () => {
  it('delivers a templated e-mail and a templated SMS, records them sent, and reports health and metrics', async () => {
    const d = await deployment();
    const w = await worker(d);
    const email = `happy-${Date.now()}@example.com`;
    const phone = `+1555${Date.now() % 10_000_000}`;
    const [mail, sms] = await d.enqueue([
      { type: 'email', recipient: email, template_type: 'recovery_code_valid', template_data: { recovery_code: '918273' } },
      { type: 'sms', recipient: phone, template_type: 'login_code_valid', template_data: { login_code: '554433' } },
    ]);
    await d.waitForStatuses((c) => c['sent'] === 2);

    const received = mailsTo(email);
    expect(received).toHaveLength(1);
    expect(received[0]?.parsed?.text).toContain('918273');
    expect(received[0]?.parsed?.html).toContain('918273');
    const smsRequests = http.requests.filter((r) => r.body.includes(phone));
    expect(smsRequests).toHaveLength(1);
    expect(JSON.parse(smsRequests[0]?.body ?? '{}')).toMatchObject({ to: phone });
    expect(smsRequests[0]?.body).toContain('554433');

    for (const p of [mail, sms]) {
      const m = await d.store.get(p!.id);
      expect(m).toMatchObject({ status: 'sent', send_count: 1 });
      expect(m?.dispatches).toEqual([expect.objectContaining({ status: 'success' })]);
    }

    expect((await readiness(w, (status) => status === 200)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${w.healthPort}/health/alive`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${w.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/courier_messages_total\{status="sent",channel="email",template_type="recovery_code_valid"\} 1/);
    expect(metrics).toMatch(/courier_messages_total\{status="sent",channel="sms",template_type="login_code_valid"\} 1/);
    expect(metrics).toMatch(/courier_attempt_duration_seconds_count\{channel="email",outcome="success"\} 1/);
    expect(metrics).toMatch(/courier_messages\{status="sent"\} 2/);
    expect(metrics).toMatch(/courier_queue_jobs\{state="completed"\} 2/);
    // Logs carry the message id and outcome, never the one-time codes.
    expect(w.lines.some((l) => l['message_id'] === mail!.id && l['outcome'] === 'sent')).toBe(true);
    expect(JSON.stringify(w.lines)).not.toContain('918273');
    expect(JSON.stringify(w.lines)).not.toContain('554433');
  });

  it('retries an SMTP 4xx reply with backoff, then sends', async () => {
    const d = await deployment();
    await worker(d);
    const email = `greylisted-${Date.now()}@example.com`;
    let refusals = 0;
    smtp.setResponder((mail) => {
      if (mail.to.includes(email) && refusals < 2) {
        refusals++;
        return { code: 451, message: '4.7.1 Greylisted, try again later' };
      }
      return undefined;
    });
    const [p] = await d.enqueue([{ type: 'email', recipient: email, subject: 'Hello', body: 'raw body' }]);
    await d.waitForStatuses((c) => c['sent'] === 1);
    const m = await d.store.get(p!.id);
    expect(m?.send_count).toBe(3);
    expect(m?.dispatches.map((x) => x.status)).toEqual(['failed', 'failed', 'success']);
    expect(m?.dispatches[0]?.error).toMatchObject({ code: 'SMTP_TRANSIENT', retryable: true });
    expect(m?.dispatches[0]?.error?.message).toContain('451');
    expect(mailsTo(email)).toHaveLength(1);
  });

  it('sends every attempt of a message with the same Message-ID, <message id@courier.smtp.message_id_domain>', async () => {
    const d = await deployment({ courier: { smtp: { message_id_domain: 'courier.test' } } });
    await worker(d);
    const email = `refused-at-data-${Date.now()}@example.com`;
    const attempts: string[] = [];
    smtp.setResponder((mail) => {
      if (!mail.to.includes(email)) return undefined;
      attempts.push(/^Message-ID: (.*)\r$/m.exec(mail.raw ?? '')?.[1] ?? 'none');
      return attempts.length <= 2 ? { code: 451, message: '4.3.0 Queue full, try again later' } : undefined;
    }, 'data');
    const [p] = await d.enqueue([{ type: 'email', recipient: email, subject: 'Hello', body: 'raw body' }]);
    await d.waitForStatuses((c) => c['sent'] === 1);
    const [mail] = mailsTo(email);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts)).toEqual(new Set([`<${p!.id}@courier.test>`]));
    expect(mail?.parsed?.messageId).toBe(`<${p!.id}@courier.test>`);
    const m = await d.store.get(p!.id);
    expect(m?.dispatches.map((x) => x.status)).toEqual(['failed', 'failed', 'success']);
  });

  it('abandons a message after one attempt on an SMTP 5xx reply', async () => {
    const d = await deployment();
    await worker(d);
    const email = `unknown-${Date.now()}@example.com`;
    smtp.setResponder((mail) => (mail.to.includes(email) ? { code: 550, message: '5.1.1 No such user' } : undefined));
    const [p] = await d.enqueue([{ type: 'email', recipient: email, subject: 'Hello', body: 'raw body' }]);
    await d.waitForStatuses((c) => c['abandoned'] === 1);
    // Give a wrongly scheduled retry the time to happen.
    await new Promise((r) => setTimeout(r, 600));
    const m = await d.store.get(p!.id);
    expect(m?.status).toBe('abandoned');
    expect(m?.send_count).toBe(1);
    expect(m?.dispatches[0]?.error).toMatchObject({ code: 'SMTP_PERMANENT', retryable: false });
    expect(mailsTo(email)).toHaveLength(0);
  });

  it('abandons after message_retries + 1 attempts of transient failures', async () => {
    const d = await deployment({ courier: { message_retries: 2 } });
    await worker(d);
    const email = `always-busy-${Date.now()}@example.com`;
    smtp.setResponder((mail) => (mail.to.includes(email) ? { code: 421, message: 'busy' } : undefined));
    const [p] = await d.enqueue([{ type: 'email', recipient: email, subject: 'Hi', body: 'b' }]);
    await d.waitForStatuses((c) => c['abandoned'] === 1);
    const m = await d.store.get(p!.id);
    expect(m?.send_count).toBe(3);
    expect(m?.dispatches.map((x) => x.error?.code)).toEqual(['SMTP_TRANSIENT', 'SMTP_TRANSIENT', 'SMTP_TRANSIENT']);
  });

  it('retries HTTP 500 and abandons HTTP 400 at once', async () => {
    const d = await deployment();
    await worker(d);
    const flaky = `+1555000${Date.now() % 1000}1`;
    const rejected = `+1555000${Date.now() % 1000}2`;
    let failures = 0;
    http.setResponder((req) => {
      if (req.body.includes(flaky) && failures < 2) {
        failures++;
        return { status: 500, body: 'upstream exploded' };
      }
      if (req.body.includes(rejected)) return { status: 400, body: '{"error":"invalid number"}' };
      return undefined;
    });
    const [a, b] = await d.enqueue([
      { type: 'sms', recipient: flaky, body: 'flaky' },
      { type: 'sms', recipient: rejected, body: 'rejected' },
    ]);
    await d.waitForStatuses((c) => c['sent'] === 1 && c['abandoned'] === 1);
    const ma = await d.store.get(a!.id);
    expect(ma).toMatchObject({ status: 'sent', send_count: 3 });
    // Every attempt carries the message id as its idempotency key (default `Idempotency-Key`).
    const attempts = http.requests.filter((r) => r.body.includes(flaky));
    expect(attempts).toHaveLength(3);
    expect(attempts.map((r) => r.headers['idempotency-key'])).toEqual([a!.id, a!.id, a!.id]);
    expect(attempts.map((r) => r.headers['x-courier-message-id'])).toEqual([a!.id, a!.id, a!.id]);
    expect(ma?.dispatches[0]?.error).toMatchObject({ retryable: true });
    const mb = await d.store.get(b!.id);
    expect(mb).toMatchObject({ status: 'abandoned', send_count: 1 });
    expect(mb?.dispatches[0]?.error).toMatchObject({ retryable: false });
    expect(mb?.dispatches[0]?.error?.message).toContain('400');
  });

  it('waits for Retry-After on HTTP 429 instead of the (shorter) backoff', async () => {
    const d = await deployment();
    await worker(d);
    const phone = `+1555111${Date.now() % 10_000}`;
    let limited = false;
    http.setResponder((req) => {
      if (req.body.includes(phone) && !limited) {
        limited = true;
        return { status: 429, headers: { 'Retry-After': '2' }, body: 'slow down' };
      }
      return undefined;
    });
    const [p] = await d.enqueue([{ type: 'sms', recipient: phone, body: 'patience' }]);
    await d.waitForStatuses((c) => c['sent'] === 1, 20_000);
    const attempts = http.requests.filter((r) => r.body.includes(phone));
    expect(attempts).toHaveLength(2);
    const gap = attempts[1]!.receivedAt.getTime() - attempts[0]!.receivedAt.getTime();
    // Backoff alone would be <= 250 ms in this deployment.
    expect(gap).toBeGreaterThanOrEqual(1_900);
    expect((await d.store.get(p!.id))?.dispatches[0]?.error?.code).toBe('HTTP_STATUS_RETRYABLE');
  });
});

describe('secrets on failure paths', () => {
  it('keeps a one-time code a provider echoes back out of dispatches, logs and BullMQ', async () => {
    const d = await deployment();
    const w = await worker(d);
    const phone = `+1555333${Date.now() % 10_000}`;
    http.setResponder((req) => (req.body.includes(phone) ? { status: 400, body: `invalid request: ${req.body}` } : undefined));
    const [p] = await d.enqueue([{ type: 'sms', recipient: phone, template_type: 'login_code_valid', template_data: { login_code: '770077' } }]);
    await d.waitForStatuses((c) => c['abandoned'] === 1);
    const m = await d.store.get(p!.id);
    expect(m?.dispatches[0]?.error?.message).toContain('400');
    expect(m?.dispatches[0]?.error?.message).toContain('[redacted]');
    const job = await d.queue.getJob(p!.id);
    await new Promise((r) => setTimeout(r, 200));
    const everything = JSON.stringify([m?.dispatches, w.lines, w.stderr, job?.failedReason, job?.stacktrace]);
    // The provider did receive the code: it is the message. Nothing of ours may repeat it.
    expect(http.requests.some((r) => r.body.includes('770077'))).toBe(true);
    expect(everything).not.toContain('770077');
  });
});

describe('private address guard', () => {
  it('with clients.http.disallow_private_ip_ranges, refuses a loopback provider: abandoned, nothing sent', async () => {
    const d = await deployment({ clients: { http: { disallow_private_ip_ranges: true } } });
    await worker(d);
    const phone = `+1555777${Date.now() % 10_000}`;
    const before = http.requests.length;
    const [p] = await d.enqueue([{ type: 'sms', recipient: phone, body: 'guarded' }]);
    await d.waitForStatuses((c) => c['abandoned'] === 1);
    const m = await d.store.get(p!.id);
    expect(m?.send_count).toBe(1);
    expect(m?.dispatches[0]?.error).toMatchObject({ code: 'HTTP_ADDRESS_DISALLOWED', retryable: false });
    expect(http.requests.slice(before).some((r) => r.body.includes(phone))).toBe(false);
  });
});

describe('rate limit and readiness', () => {
  it('limits deliveries per second across the queue', async () => {
    const d = await deployment({ worker: { rate_limit_per_second: 4 } });
    await worker(d);
    const marker = `rate-${Date.now()}`;
    await d.enqueue(Array.from({ length: 9 }, (_, i) => ({ type: 'sms' as const, recipient: `+1555444${i}`, body: `${marker} ${i}` })));
    await d.waitForStatuses((c) => c['sent'] === 9, 20_000);
    const times = http.requests.filter((r) => r.body.includes(marker)).map((r) => r.receivedAt.getTime());
    expect(times).toHaveLength(9);
    // 9 messages at 4 per second need three one-second windows; unlimited, they take a few ms.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1_500);
  });

  it('reports not ready while its SMTP server cannot be verified, and alive all the same', async () => {
    const d = await createDeployment({ courier: { smtp: { connection_uri: 'smtp://127.0.0.1:9/?disable_starttls=true' } } });
    deployments.push(d);
    const w = await worker(d);
    // Once Redis is connected, the only thing missing is the SMTP server.
    const { status, body } = await readiness(w, (_s, b) => b.errors !== undefined && !('redis' in b.errors) && 'delivery' in b.errors);
    expect(status).toBe(503);
    expect(Object.keys(body.errors ?? {})).toEqual(['delivery']);
    expect(body.errors?.['delivery']).toContain('email');
    expect((await fetch(`http://127.0.0.1:${w.healthPort}/health/alive`)).status).toBe(200);
  });
});

describe('shutdown', () => {
  it('drains in-flight jobs on SIGTERM, then exits 0', async () => {
    const d = await deployment({ worker: { concurrency: 10 } });
    const w = await worker(d);
    const marker = `drain-${Date.now()}`;
    http.setResponder((req) => (req.body.includes(marker) ? { status: 200, delayMs: 1_500 } : undefined));
    const payloads = await d.enqueue(Array.from({ length: 10 }, (_, i) => ({ type: 'sms' as const, recipient: `+1555222${i}`, body: `${marker} ${i}` })));
    // All ten are in flight at the provider when the signal arrives.
    await http.waitFor(http.requests.filter((r) => !r.body.includes(marker)).length + 10, 10_000);
    w.kill('SIGTERM');
    const { code } = await w.exited;
    expect(code).toBe(0);
    for (const p of payloads) expect((await d.store.get(p.id))?.status).toBe('sent');
    expect(w.lines.some((l) => l['msg'] === 'courier worker stopped' && l['drained'] === true)).toBe(true);
  });

  it('bounds the drain: past shutdown_timeout_ms it cancels in-flight sends, exits 0, and another worker delivers them', async () => {
    const d = await deployment({ worker: { concurrency: 4, shutdown_timeout_ms: 1_000 } });
    const w = await worker(d);
    const marker = `stuck-${Date.now()}`;
    let hang = true;
    http.setResponder((req) => (req.body.includes(marker) && hang ? { status: 200, delayMs: 20_000 } : undefined));
    const payloads = await d.enqueue(Array.from({ length: 3 }, (_, i) => ({ type: 'sms' as const, recipient: `+1555666${i}`, body: `${marker} ${i}` })));
    await http.waitFor(http.requests.filter((r) => !r.body.includes(marker)).length + 3, 10_000);
    const signalled = Date.now();
    w.kill('SIGTERM');
    const { code } = await w.exited;
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    hang = false;
    await worker(d);
    await d.waitForStatuses((c) => c['sent'] === 3, 30_000);
    for (const p of payloads) {
      const m = await d.store.get(p.id);
      expect(m?.dispatches[0]?.error?.retryable).toBe(true);
      expect(m?.dispatches.at(-1)?.status).toBe('success');
    }
  }, 60_000);
});
