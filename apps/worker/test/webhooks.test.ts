/**
 * Delivery events (webhooks) against real peers: a worker process delivering real
 * messages into an SMTP sink, HTTP receivers that check every request with the
 * reference `standardwebhooks` package (an implementation independent of ours), a
 * receiver that fails, one that is dead, and the private-address guard. Events carry
 * no content and no one-time code, and a webhook never holds a message back.
 */
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret } from '@courier/core';
import { spawnCourier, startHttpSink, startSmtpSink, type CourierProcess, type HttpSink, type RecordedRequest, type SmtpSink } from '@courier/testkit';
import { createDeployment, merge, type Deployment } from './support/deployment.js';
import { spawnWorker, type WorkerProcess } from './support/worker-process.js';

let smtp: SmtpSink;
const sinks: HttpSink[] = [];
const deployments: Deployment[] = [];
const processes: CourierProcess[] = [];

beforeAll(async () => {
  smtp = await startSmtpSink({ tls: 'none' });
});

afterEach(async () => {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
    await p.exited;
  }
  for (const d of deployments.splice(0)) await d.cleanup();
  for (const s of sinks.splice(0)) await s.close();
  smtp.setResponder(undefined);
});

afterAll(async () => {
  await smtp.close();
});

const CODE = '739184';
const unique = (what: string) => `${what}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

async function receiver(): Promise<HttpSink> {
  const sink = await startHttpSink();
  sinks.push(sink);
  return sink;
}

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function start(webhooks: Record<string, unknown>, overrides: Record<string, unknown> = {}): Promise<{ d: Deployment; w: WorkerProcess }> {
  const d = await createDeployment(
    merge(
      {
        courier: {
          smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`, from_address: 'courier@example.com' },
          message_retries: 3,
        },
        webhooks: merge({ timeout_ms: 2_000, backoff: { base_ms: 200, max_ms: 400 } }, webhooks),
      },
      overrides,
    ),
  );
  deployments.push(d);
  const w = await spawnWorker(d.configPath);
  processes.push(w);
  return { d, w };
}

interface Verified {
  readonly id: string;
  readonly timestamp: number;
  readonly event: { type: string; timestamp: string; data: Record<string, unknown> };
  readonly body: string;
}

/** Check a request with the reference implementation (throws when the signature or timestamp is wrong). */
function verify(secret: string, req: RecordedRequest): Verified {
  const headers = {
    'webhook-id': String(req.headers['webhook-id']),
    'webhook-timestamp': String(req.headers['webhook-timestamp']),
    'webhook-signature': String(req.headers['webhook-signature']),
  };
  const event = new Webhook(secret).verify(req.body, headers) as Verified['event'];
  return { id: headers['webhook-id'], timestamp: Number(headers['webhook-timestamp']), event, body: req.body };
}

async function metricsOf(w: WorkerProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${w.healthPort}/metrics`)).text();
}

async function eventually<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('delivery events (webhooks)', { timeout: 60_000 }, () => {
  it('sends signed retrying, sent and abandoned events for real deliveries, filtered per endpoint, without content or codes', async () => {
    const all = await receiver();
    const onlyAbandoned = await receiver();
    const secret = newWebhookSecret();
    const otherSecret = newWebhookSecret();
    const { d, w } = await start({
      endpoints: [
        { id: 'all', url: `${all.url}/hooks`, secret, headers: { authorization: 'Bearer receiver-token' } },
        { id: 'abandoned-only', url: `${onlyAbandoned.url}/hooks`, secret: otherSecret, events: ['message.abandoned'] },
      ],
    });
    const flaky = unique('flaky');
    const refused = unique('refused');
    let flakyRefusals = 0;
    smtp.setResponder((mail) => {
      if (mail.to.includes(refused)) return { code: 550, message: '5.1.1 No such user' };
      if (mail.to.includes(flaky) && flakyRefusals === 0) {
        flakyRefusals++;
        return { code: 451, message: '4.7.1 Try again later' };
      }
      return undefined;
    });
    const [sent, abandoned] = await d.enqueue([
      { type: 'email', recipient: flaky, template_type: 'login_code_valid', template_data: { login_code: CODE } },
      { type: 'email', recipient: refused, subject: `Your code is ${CODE}`, body: `Use ${CODE} to sign in` },
    ]);
    // Scheduled past its expiry: abandoned MESSAGE_EXPIRED without an attempt at the provider.
    const [expired] = await d.enqueue([{ type: 'email', recipient: unique('late'), subject: 'Late', body: 'Late' }], { delayMs: 600, ttlMs: 100 });
    await d.waitForStatuses((c) => c['sent'] === 1 && c['abandoned'] === 2);

    const requests = await all.waitFor(4, 15_000);
    const events = requests.map((r) => verify(secret, r));
    for (const r of requests) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe('/hooks');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['authorization']).toBe('Bearer receiver-token');
      expect(r.body).not.toContain(CODE);
      expect(r.body).not.toMatch(/subject|body|template_data/);
    }
    // Signed with this endpoint's secret only: the other endpoint's secret does not verify it.
    expect(() => verify(otherSecret, requests[0]!)).toThrow();
    const byType = (t: string) => events.filter((e) => e.event.type === t);
    expect(byType('message.retrying')).toHaveLength(1);
    expect(byType('message.sent')).toHaveLength(1);
    expect(byType('message.abandoned')).toHaveLength(2);
    expect(byType('message.abandoned').find((e) => e.event.data['id'] === expired!.id)?.event.data).toMatchObject({ status: 'abandoned', reason: 'MESSAGE_EXPIRED' });
    expect(byType('message.retrying')[0]!.event.data).toEqual({
      id: sent!.id,
      status: 'error',
      message_type: 'email',
      channel: 'email',
      template_type: 'login_code_valid',
      recipient: flaky,
      attempt: 1,
      max_attempts: 4,
      reason: 'SMTP_TRANSIENT',
    });
    expect(byType('message.sent')[0]!.event.data).toMatchObject({ id: sent!.id, status: 'sent', attempt: 2, recipient: flaky });
    const refusedEvent = byType('message.abandoned').find((e) => e.event.data['id'] === abandoned!.id)!;
    expect(refusedEvent.event.data).toMatchObject({ id: abandoned!.id, status: 'abandoned', attempt: 1, reason: 'SMTP_PERMANENT', channel: 'email' });
    expect(refusedEvent.event.data).not.toHaveProperty('template_type');
    // Every event has its own id; the timestamp is the attempt's, in seconds.
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
    for (const e of events) expect(Math.abs(e.timestamp - Date.now() / 1000)).toBeLessThan(60);

    // The second endpoint takes abandoned events only, signed with its own secret.
    const onlyEvents = (await onlyAbandoned.waitFor(2, 10_000)).map((r) => verify(otherSecret, r));
    expect(onlyEvents.map((e) => e.event.type)).toEqual(['message.abandoned', 'message.abandoned']);
    // Same event, same webhook-id at every endpoint.
    expect(onlyEvents.map((e) => e.id).sort()).toEqual(
      byType('message.abandoned')
        .map((e) => e.id)
        .sort(),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(onlyAbandoned.count()).toBe(2);
    expect(all.count()).toBe(4);

    const metrics = await metricsOf(w);
    expect(metrics).toMatch(/courier_webhook_deliveries_total\{endpoint="all",event="message.sent",outcome="delivered"\} 1/);
    expect(metrics).toMatch(/courier_webhook_deliveries_total\{endpoint="abandoned-only",event="message.abandoned",outcome="delivered"\} 2/);
    expect(metrics).toMatch(/courier_webhook_events_total\{event="message.abandoned",outcome="queued"\} 4/);
    // No secret in any log line.
    expect(JSON.stringify(w.lines)).not.toContain(secret.slice(6));
  });

  it('retries a failing receiver with backoff and the same webhook-id, without holding back the message', async () => {
    const hook = await receiver();
    let failures = 0;
    hook.setResponder(() => (failures++ < 2 ? { status: 500, body: 'receiver broke' } : undefined));
    const secret = newWebhookSecret();
    const { d, w } = await start({ endpoints: [{ id: 'flaky', url: hook.url, secret, events: ['message.sent'] }] });
    const email = unique('prompt');
    const [p] = await d.enqueue([{ type: 'email', recipient: email, subject: 'Hello', body: 'Hello' }]);
    await d.waitForStatuses((c) => c['sent'] === 1);
    const mail = (await smtp.waitFor(1)).find((m) => m.envelope.to.includes(email))!;

    const requests = await hook.waitFor(3, 15_000);
    const attempts = requests.map((r) => verify(secret, r));
    expect(new Set(attempts.map((a) => a.id)).size).toBe(1);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    expect(attempts[0]!.event.data).toMatchObject({ id: p!.id, status: 'sent' });
    // Backoff between attempts: at least half the 200 ms base each time (loose: the machine is loaded).
    for (let i = 1; i < requests.length; i++) {
      expect(requests[i]!.receivedAt.getTime() - requests[i - 1]!.receivedAt.getTime()).toBeGreaterThanOrEqual(90);
    }
    // The message went out before the receiver ever accepted its event.
    expect(mail.receivedAt).toBeLessThan(requests[2]!.receivedAt.getTime());
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.count()).toBe(3);
    const metrics = await metricsOf(w);
    expect(metrics).toMatch(/courier_webhook_deliveries_total\{endpoint="flaky",event="message.sent",outcome="retrying"\} 2/);
    expect(metrics).toMatch(/courier_webhook_deliveries_total\{endpoint="flaky",event="message.sent",outcome="delivered"\} 1/);
    expect(w.lines.some((l) => l['msg'] === 'webhook delivery failed; will retry' && l['endpoint'] === 'flaky' && l['error_code'] === 'HTTP_STATUS_RETRYABLE')).toBe(true);
  });

  it('a dead receiver never blocks messages: all are sent while its events wait for retries', async () => {
    const port = await deadPort();
    const { d, w } = await start({
      endpoints: [{ id: 'dead', url: `http://127.0.0.1:${port}/hooks`, secret: newWebhookSecret() }],
      max_attempts: 3,
    });
    const count = 30;
    const recipients = Array.from({ length: count }, (_, i) => unique(`bulk${i}`));
    await d.enqueue(recipients.map((recipient) => ({ type: 'email' as const, recipient, subject: 'Hi', body: 'Hi' })));
    await d.waitForStatuses((c) => c['sent'] === count, 20_000);
    expect(recipients.every((r) => smtp.received.some((m) => m.envelope.to.includes(r)))).toBe(true);
    // Each event is tried max_attempts times, then given up.
    const metrics = await eventually(
      () => metricsOf(w),
      (m) => /courier_webhook_deliveries_total\{endpoint="dead",event="message.sent",outcome="abandoned"\} 30/.test(m),
      20_000,
    );
    expect(metrics).toMatch(/courier_webhook_deliveries_total\{endpoint="dead",event="message.sent",outcome="retrying"\} 60/);
    expect(metrics).toMatch(/courier_webhook_queue_jobs\{state="failed"\} 30/);
    expect(w.lines.some((l) => l['error_code'] === 'HTTP_NETWORK' && l['endpoint'] === 'dead')).toBe(true);
    // The worker, its webhook worker and their queues stop cleanly.
    w.kill('SIGTERM');
    expect(await w.exited).toMatchObject({ code: 0 });
    expect(w.lines.some((l) => l['msg'] === 'courier worker stopped')).toBe(true);
  });

  it('honours the private-address guard: a loopback receiver is refused (not retried) unless an exception URL allows it', async () => {
    const refusedHook = await receiver();
    const allowedHook = await receiver();
    const secret = newWebhookSecret();
    const { d, w } = await start(
      {
        endpoints: [
          { id: 'refused', url: `${refusedHook.url}/in`, secret, events: ['message.sent'] },
          { id: 'allowed', url: `${allowedHook.url}/in`, secret, events: ['message.sent'] },
        ],
      },
      { clients: { http: { disallow_private_ip_ranges: true, private_ip_exception_urls: [`${allowedHook.url}/in`] } } },
    );
    await d.enqueue([{ type: 'email', recipient: unique('guarded'), subject: 'Hi', body: 'Hi' }]);
    await d.waitForStatuses((c) => c['sent'] === 1);
    const [allowed] = await allowedHook.waitFor(1, 10_000);
    expect(verify(secret, allowed!).event.type).toBe('message.sent');
    const metrics = await eventually(
      () => metricsOf(w),
      (m) => /courier_webhook_deliveries_total\{endpoint="refused",event="message.sent",outcome="abandoned"\} 1/.test(m),
    );
    expect(metrics).not.toMatch(/endpoint="refused",event="message.sent",outcome="retrying"/);
    expect(refusedHook.count()).toBe(0);
    expect(w.lines.some((l) => l['endpoint'] === 'refused' && l['error_code'] === 'HTTP_ADDRESS_DISALLOWED')).toBe(true);
  });

  it('the producer reports a cancelled message, and the worker delivers the event', async () => {
    const hook = await receiver();
    const secret = newWebhookSecret();
    const apiKey = 'webhook-test-key-0123456789';
    const { d } = await start({ endpoints: [{ id: 'ops', url: hook.url, secret }] }, { producer: { host: '127.0.0.1', port: 0, api_keys: [apiKey] } });
    const producer = await spawnCourier('producer', d.configPath);
    processes.push(producer);
    const api = `http://127.0.0.1:${String(producer.ready['port'])}`;
    const headers = { authorization: `Bearer ${apiKey}` };
    const recipient = unique('cancel');
    const posted = await fetch(`${api}/messages`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'email', recipient, template_type: 'recovery_code_valid', template_data: { recovery_code: CODE }, delay_ms: 60_000 }),
    });
    expect(posted.status).toBe(202);
    const created = (await posted.json()) as { id: string };
    const cancelled = await fetch(`${api}/messages/${created.id}`, { method: 'DELETE', headers });
    expect(cancelled.status).toBe(200);
    const [req] = await hook.waitFor(1, 10_000);
    const { event } = verify(secret, req!);
    expect(event.type).toBe('message.cancelled');
    expect(event.data).toEqual({ id: created.id, status: 'cancelled', message_type: 'email', channel: 'email', template_type: 'recovery_code_valid', recipient, send_count: 0 });
    expect(req!.body).not.toContain(CODE);
    // A second cancel is refused and reports nothing.
    expect((await fetch(`${api}/messages/${created.id}`, { method: 'DELETE', headers })).status).toBe(409);
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.count()).toBe(1);
  });
});
