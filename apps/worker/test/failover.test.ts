/**
 * Failover in a running worker (a child process) against real peers: Redis, a
 * primary SMTP sink that greylists (451), a backup SMTP sink, and an SMS HTTP sink
 * with a second one behind it. Messages go through the fallback and their dispatches
 * say so; the primary's circuit opens after `failure_threshold` failures, so later
 * messages go straight to the backup without touching it; after `open_ms` one message
 * probes the recovered primary and closes the circuit. Metrics follow each step.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHttpSink, startSmtpSink, type HttpSink, type SmtpSink } from '@courier/testkit';
import type { JobPayload } from '@courier/core';
import { createDeployment, type Deployment } from './support/deployment.js';
import { spawnWorker, type WorkerProcess } from './support/worker-process.js';

const OPEN_MS = 1_500;

let primary: SmtpSink;
let backup: SmtpSink;
let sms: HttpSink;
let smsBackup: HttpSink;
const deployments: Deployment[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [primary, backup, sms, smsBackup] = await Promise.all([startSmtpSink({ tls: 'none' }), startSmtpSink({ tls: 'none' }), startHttpSink(), startHttpSink()]);
});

afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.kill('SIGKILL');
    await w.exited;
  }
  for (const d of deployments.splice(0)) await d.cleanup();
});

afterAll(async () => {
  await Promise.all([primary.close(), backup.close(), sms.close(), smsBackup.close()]);
});

const smtpUri = (sink: SmtpSink) => `smtp://127.0.0.1:${sink.port}/?disable_starttls=true`;

async function setup(): Promise<{ d: Deployment; w: WorkerProcess }> {
  const d = await createDeployment({
    courier: {
      smtp: { connection_uri: smtpUri(primary), from_address: 'courier@example.com' },
      fallback: ['backup'],
      channels: [
        { id: 'backup', type: 'smtp', smtp: { connection_uri: smtpUri(backup), from_address: 'courier@backup.example.com' } },
        { id: 'sms', type: 'http', request_config: { url: `${sms.url}/sms` }, fallback: ['sms-backup'] },
        { id: 'sms-backup', type: 'http', request_config: { url: `${smsBackup.url}/sms` } },
      ],
      circuit_breaker: { failure_threshold: 2, window_ms: 60_000, open_ms: OPEN_MS },
      message_retries: 2,
    },
  });
  deployments.push(d);
  const w = await spawnWorker(d.configPath);
  workers.push(w);
  return { d, w };
}

/** Enqueue one message and wait until it is sent; its stored record. */
async function sendOne(d: Deployment, message: Parameters<Deployment['enqueue']>[0][number]) {
  const [payload] = (await d.enqueue([message])) as [JobPayload];
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = await d.store.get(payload.id);
    if (m?.status === 'sent' || m?.status === 'abandoned') return m;
    if (Date.now() > deadline) throw new Error(`message ${payload.id} not finished: ${m?.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function metricsOf(w: WorkerProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${w.healthPort}/metrics`)).text();
}

describe('failover in a running worker', () => {
  it('delivers through the backup SMTP channel, opens the primary’s circuit, and closes it again with a probe', { timeout: 60_000 }, async () => {
    const { d, w } = await setup();
    expect(await metricsOf(w)).toMatch(/courier_channel_circuit_state\{channel="email"\} 0/);

    let primaryRefusals = 0;
    primary.setResponder(() => {
      primaryRefusals += 1;
      return { code: 451, message: '4.7.1 greylisted, try again later' };
    });
    const run = Date.now();
    const recipient = (n: number) => `failover-${n}-${run}@example.com`;

    // Two transient failures: each message fails over, then the circuit opens.
    for (const n of [1, 2]) {
      const m = await sendOne(d, { type: 'email', recipient: recipient(n), subject: 'Hi', body: `message ${n}` });
      expect(m).toMatchObject({ status: 'sent', send_count: 1 });
      expect(m?.dispatches).toEqual([expect.objectContaining({ status: 'success', channel: 'backup', failed_channels: [{ channel: 'email', code: 'SMTP_TRANSIENT' }] })]);
      expect(backup.received.filter((r) => r.envelope.to.includes(recipient(n)))).toHaveLength(1);
    }
    expect(primaryRefusals).toBe(2);
    let metrics = await metricsOf(w);
    expect(metrics).toMatch(/courier_channel_circuit_state\{channel="email"\} 2/);
    expect(metrics).toMatch(/courier_channel_failovers_total\{from="email",to="backup"\} 2/);
    expect(metrics).toMatch(/courier_channel_attempts_total\{channel="email",outcome="transient"\} 2/);
    expect(metrics).toMatch(/courier_channel_attempts_total\{channel="backup",outcome="success"\} 2/);

    // Open: straight to the backup, the primary is not contacted.
    const third = await sendOne(d, { type: 'email', recipient: recipient(3), subject: 'Hi', body: 'message 3' });
    expect(third?.dispatches).toEqual([expect.objectContaining({ status: 'success', channel: 'backup', failed_channels: [{ channel: 'email', code: 'CHANNEL_CIRCUIT_OPEN' }] })]);
    expect(primaryRefusals).toBe(2);
    expect(await metricsOf(w)).toMatch(/courier_channel_attempts_total\{channel="email",outcome="skipped"\} 1/);

    // The primary recovers; after open_ms the next message probes it and closes the circuit.
    primary.setResponder(undefined);
    await new Promise((r) => setTimeout(r, OPEN_MS + 200));
    const fourth = await sendOne(d, { type: 'email', recipient: recipient(4), subject: 'Hi', body: 'message 4' });
    expect(fourth?.dispatches).toEqual([{ at: expect.any(String), status: 'success', channel: 'email' }]);
    expect(primary.received.filter((r) => r.envelope.to.includes(recipient(4)))).toHaveLength(1);
    expect(backup.received.filter((r) => r.envelope.to.includes(recipient(4)))).toHaveLength(0);
    metrics = await metricsOf(w);
    expect(metrics).toMatch(/courier_channel_circuit_state\{channel="email"\} 0/);
    expect(metrics).toMatch(/courier_channel_attempts_total\{channel="email",outcome="success"\} 1/);
    // The worker's log names the channel that delivered.
    expect(w.lines.some((l) => l['message_id'] === third?.id && l['outcome'] === 'sent' && l['via'] === 'backup')).toBe(true);
  });

  it('fails an SMS over to the second HTTP channel, records both, and does not fail over a permanent refusal', { timeout: 60_000 }, async () => {
    const { d } = await setup();
    sms.setResponder(() => ({ status: 503, body: 'maintenance' }));
    const phone = `+1555${Date.now() % 10_000_000}`;
    const m = await sendOne(d, { type: 'sms', recipient: phone, body: 'your code is 1234' });
    expect(m?.dispatches).toEqual([expect.objectContaining({ status: 'success', channel: 'sms-backup', failed_channels: [{ channel: 'sms', code: 'HTTP_STATUS_RETRYABLE' }] })]);
    // Same message on both providers: the same idempotency key.
    const first = sms.requests.find((r) => r.body.includes(phone));
    const second = smsBackup.requests.find((r) => r.body.includes(phone));
    expect(first?.headers['idempotency-key']).toBe(m?.id);
    expect(second?.headers['idempotency-key']).toBe(m?.id);

    // 400 is permanent: the recipient would be refused everywhere; no failover, abandoned.
    sms.setResponder(() => ({ status: 400, body: 'invalid number' }));
    const before = smsBackup.count();
    const bad = await sendOne(d, { type: 'sms', recipient: `+1555${(Date.now() + 1) % 10_000_000}`, body: 'x' });
    expect(bad).toMatchObject({ status: 'abandoned' });
    expect(bad?.dispatches).toEqual([
      expect.objectContaining({ status: 'failed', channel: 'sms', error: expect.objectContaining({ code: 'HTTP_STATUS_PERMANENT', retryable: false }) }),
    ]);
    expect(bad?.dispatches[0]).not.toHaveProperty('failed_channels');
    expect(smsBackup.count()).toBe(before);
    sms.setResponder(() => undefined);
  });
});
