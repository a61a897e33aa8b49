/**
 * Hostile message content through the running apps (producer and worker as child
 * processes, a real HTTP sink behind a Jsonnet SMS channel, a real SMTP sink):
 *
 * - a string that is not well-formed UTF-16 is refused at the API, naming the
 *   field; one written by an older producer fails nobody else's message in the
 *   same Jsonnet batch;
 * - template data past its limits (bytes, values, depth) is refused at once,
 *   however large, and neither app's memory grows with it;
 * - the worker looks at a message's status before its content: a cancelled
 *   message's oversized payload is never parsed, and an invalid one still ends
 *   with a recorded status instead of staying queued.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildJobPayload, newMessageId, type JobPayload } from '@courier/core';
import { enqueueMessages } from '@courier/store';
import type { CourierProcess, HttpSink } from '@courier/testkit';
import type { Deployment } from './support/deployment.js';
import { startRunningCourier, type RunningCourier } from './support/running-courier.js';

const KEY = 'hostile-key-0123456789abcdef';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers read as untyped JSON; expect() checks their shape
type Json = Record<string, any>;

let courier: RunningCourier;
let http: HttpSink;
let d: Deployment;
let producer: CourierProcess;
let worker: CourierProcess;
let api: string;

beforeAll(async () => {
  courier = await startRunningCourier(KEY);
  ({ http, deployment: d, producer, worker, api } = courier);
}, 60_000);

afterAll(async () => {
  await courier?.stop();
});

async function post(path: string, body: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function get(path: string): Promise<Json> {
  const res = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  return (await res.json()) as Json;
}

async function statusOf(id: string, want: (s: string) => boolean, timeoutMs = 20_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await get(`/messages/${id}`);
    if (want(String(m['status'])) || Date.now() > deadline) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Enqueue payloads as an older producer (without today's checks) would have written them. */
async function enqueueUnchecked(payloads: readonly JobPayload[]): Promise<void> {
  await enqueueMessages(
    d.redis,
    d.queue,
    d.store,
    payloads.map((payload) => ({ payload })),
  );
}

function smsPayload(recipient: string, body: string): JobPayload {
  return buildJobPayload({ type: 'sms', channel: 'sms', recipient, body }, newMessageId(), new Date());
}

/** Peak resident memory of a child process, in MB (Linux's VmHWM). */
function peakRssMb(p: CourierProcess): number {
  const status = readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

/** A JSON text of about 4 MB: a message whose template data holds a 2,000,000-element array. */
function hugeArrayMessage(recipient: string): string {
  return `{"recipient":"${recipient}","template_type":"login_code_valid","template_data":{"login_code":"1234","big":[${'0,'.repeat(1_999_999)}0]}}`;
}

describe('strings that are not well-formed UTF-16', () => {
  it('are refused at the API with a 400 naming the field, and nothing of the batch is enqueued', async () => {
    const res = await post(
      '/messages/batch',
      JSON.stringify({
        messages: [
          { type: 'sms', recipient: '+15550001', body: 'good one' },
          { type: 'sms', recipient: '+15550002', body: 'poison \ud800' },
          { type: 'sms', recipient: '+15550003', body: 'good two' },
        ],
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body['error'].details).toContainEqual({
      path: 'messages.1.body',
      message: 'must be well-formed UTF-16 text (it holds a lone surrogate)',
    });

    const nested = await post(
      '/messages',
      JSON.stringify({
        recipient: 'ann@example.com',
        template_type: 'login_code_valid',
        template_data: { login_code: '1234', identity: { traits: { ['name\udc00']: 'Ann' } } },
      }),
    );
    expect(nested.status).toBe(400);
    expect(nested.body['error'].details[0].path).toBe('template_data.identity.traits.name\udc00');

    // What Kratos's HTTP strategy posts goes through the same check.
    const kratos = await post('/kratos/messages', JSON.stringify({ recipient: 'ann@example.com', template_type: 'login_code_valid', subject: 'S', body: 'code \udbff' }));
    expect(kratos.status).toBe(400);
    expect(kratos.body['error'].details[0].path).toBe('body');
  });

  it('written by an older producer, are refused each on its own and fail no other message of their Jsonnet batch', async () => {
    http.reset();
    const good = Array.from({ length: 10 }, (_, i) => smsPayload(`+1555100${i}`, `Your code is 40${i}${i}${i}`));
    const poisoned = Array.from({ length: 10 }, (_, i) => smsPayload(`+1555200${i}`, `poison \ud800 ${i}`));
    // Interleaved in one enqueue, so that they share the worker's Jsonnet batches.
    await enqueueUnchecked(good.flatMap((g, i) => [g, poisoned[i]!]));
    const requests = await http.waitFor(10, 20_000);
    const texts = new Map(requests.map((r) => [JSON.parse(r.body).to as string, JSON.parse(r.body).text as string]));
    for (const g of good) expect(texts.get(g.recipient)).toBe(g.body);
    for (const g of good) expect((await statusOf(g.id, (s) => s === 'sent'))['status']).toBe('sent');
    // The poisoned ones are refused by the worker's own check of the payload, each on its own.
    for (const p of poisoned) {
      const m = await statusOf(p.id, (s) => s === 'abandoned');
      expect(m['dispatches'][0].error.code).toBe('INVALID_PAYLOAD');
    }
    expect(http.count()).toBe(10);
  });
});

describe('template data past its limits', () => {
  it('is refused at once however large, and the producer stays small', async () => {
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post('/messages', hugeArrayMessage(`big${i}@example.com`))));
    for (const res of answers) {
      expect(res.status).toBe(400);
      expect(res.body['error'].details[0]).toEqual({
        path: 'template_data.big',
        message: 'must not hold more than 10000 values (objects, arrays, strings, numbers, ...)',
      });
    }
    expect(performance.now() - started).toBeLessThan(15_000);

    const bytes = await post(
      '/messages',
      JSON.stringify({ recipient: 'ann@example.com', template_type: 'login_code_valid', template_data: { login_code: '1', note: 'x'.repeat(70_000) } }),
    );
    expect(bytes.status).toBe(400);
    expect(bytes.body['error'].details[0]).toEqual({ path: 'template_data.note', message: 'must not be larger than 65536 bytes as JSON' });

    let deep: unknown = 'bottom';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const nested = await post('/messages', JSON.stringify({ recipient: 'ann@example.com', template_type: 'login_code_valid', template_data: { deep } }));
    expect(nested.status).toBe(400);
    expect(nested.body['error'].details[0].message).toBe('must not be nested more than 32 levels deep');

    // The producer's documented ceiling (README, Security: 400 MB with eight such requests at once).
    expect(peakRssMb(producer)).toBeLessThan(400);
    expect((await fetch(`${api}/health/alive`)).status).toBe(200);
  });

  it('written by an older producer, is refused by the worker after it looked at the status; a cancelled one is never parsed', async () => {
    const huge = (recipient: string): JobPayload => ({
      ...buildJobPayload({ type: 'email', channel: 'email', recipient, template_type: 'login_code_valid' }, newMessageId(), new Date()),
      template_data: { login_code: '1234', big: Array.from({ length: 2_000_000 }, () => 0) },
    });
    const cancelled = Array.from({ length: 4 }, (_, i) => huge(`cancelled${i}@example.com`));
    const pending = Array.from({ length: 4 }, (_, i) => huge(`pending${i}@example.com`));
    const fine = buildJobPayload(
      { type: 'email', channel: 'email', recipient: 'fine@example.com', template_type: 'login_code_valid', template_data: { login_code: '9876' } },
      newMessageId(),
      new Date(),
    );
    // Scheduled a little later, so they can be cancelled first (as the issue saw: cancelled, then a worker restart).
    await enqueueMessages(
      d.redis,
      d.queue,
      d.store,
      [...cancelled, ...pending, fine].map((payload) => ({ payload, delayMs: 1_000 })),
    );
    for (const c of cancelled) expect(await d.store.transition(c.id, ['queued'], 'cancelled')).toBe('ok');

    const sent = await statusOf(fine.id, (s) => s === 'sent');
    expect(sent['status']).toBe('sent');
    for (const p of pending) {
      const m = await statusOf(p.id, (s) => s === 'abandoned');
      expect(m['status']).toBe('abandoned');
      expect(m['dispatches']).toEqual([
        { at: expect.any(String), status: 'failed', error: { code: 'INVALID_PAYLOAD', message: 'job data is not a valid v1 courier payload', retryable: false } },
      ]);
    }
    for (const c of cancelled) {
      const m = await get(`/messages/${c.id}`);
      expect(m['status']).toBe('cancelled');
      expect(m['dispatches']).toEqual([]);
    }
    expect(worker.child.exitCode).toBeNull();
    // The documented ceiling (README, Security: 450 MB with eight 4 MB payloads in flight; the heap is capped at 256 MB).
    expect(peakRssMb(worker)).toBeLessThan(450);
  }, 60_000);
});

describe('codes in raw bodies', () => {
  it('never reach the stored dispatch, the job failed reason or the worker log when a provider echoes the request', async () => {
    const recipient = '+15559999';
    http.setResponder((req) => (req.body.includes(recipient) ? { status: 400, body: `{"error":"invalid request","request":${req.body}}` } : undefined));
    try {
      const [payload] = [smsPayload(recipient, 'Your verification code is 605118.\nOr open https://example.com/v?token=Zq81xPt')];
      await enqueueUnchecked([payload]);
      const m = await statusOf(payload.id, (s) => s === 'abandoned');
      const error = m['dispatches'][0].error as { code: string; message: string };
      expect(error.code).toBe('HTTP_STATUS_PERMANENT');
      expect(error.message).toContain('invalid request');
      const job = await d.queue.getJob(payload.id);
      const places = [error.message, job?.failedReason ?? '', JSON.stringify(worker.lines.filter((l) => l['message_id'] === payload.id))];
      for (const text of places) {
        expect(text).not.toContain('605118');
        expect(text).not.toContain('Zq81xPt');
      }
      expect(error.message).toContain('[redacted]');
    } finally {
      http.setResponder(() => undefined);
    }
  });
});
