/**
 * What the processor reports to webhooks, with stand-ins for the store and channel and
 * the real emitter writing into a capturing queue: one event per recorded outcome, the
 * same webhook-id when an attempt is reported again, nothing when the record kept
 * another status (a message cancelled during its attempt), and nothing at all without
 * endpoints.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Job } from 'bullmq';
import {
  createLogger,
  DeliveryError,
  newMessageId,
  newWebhookSecret,
  parseConfig,
  toJobPayload,
  type DeliveryChannels,
  type JobPayload,
  type TemplateRegistry,
} from '@courier/core';
import { createWebhookEmitter, type MessageStore, type WebhookJobData } from '@courier/store';
import { createProcessor } from '../src/pipeline/process-job.js';
import type { WorkerMetrics } from '../src/ops/metrics.js';
import { deliveryEvents } from '../src/webhooks/delivery-events.js';

function setup(endpoints: boolean) {
  const written: WebhookJobData[] = [];
  const addBulk = vi.fn(async (jobs: { data: WebhookJobData }[]) => {
    written.push(...jobs.map((j) => j.data));
    return [];
  });
  const config = parseConfig({ webhooks: { endpoints: endpoints ? [{ id: 'ops', url: 'https://hooks.example.com/', secret: newWebhookSecret() }] : [] } });
  const emitter = createWebhookEmitter({ queue: { addBulk } as never, config });
  const store = { begin: vi.fn(async (): Promise<string> => 'ok'), finish: vi.fn(async (): Promise<string> => 'ok') };
  const send = vi.fn(async (): Promise<{ providerMessageId?: string }> => ({}));
  const processJob = createProcessor({
    store: store as unknown as MessageStore,
    channels: { has: () => true, get: () => ({ send }) } as unknown as DeliveryChannels,
    templates: {} as TemplateRegistry,
    metrics: { recordStatus: vi.fn(), observeAttempt: vi.fn(), countFenced: vi.fn() } as unknown as WorkerMetrics,
    logger: createLogger({ level: 'silent', app: 'test' }),
    recordSentForMs: 1_000,
    events: deliveryEvents(emitter),
  });
  const payload = toJobPayload({ type: 'email', recipient: 'user@example.com', subject: 'Code 424242', body: 'Your code is 424242' }, newMessageId());
  const run = async (attemptsMade: number) => {
    // A delivery failure rejects (BullMQ's retry); anything else thrown is a defect of the processor.
    await processJob({ id: 'job-1', data: payload, attemptsMade, opts: { attempts: 3 } } as unknown as Job<JobPayload>).catch((err: unknown) => {
      if (err instanceof TypeError) throw err;
    });
    await emitter.flush();
  };
  return { written, addBulk, store, send, run, payload };
}

describe('delivery events from the processor', () => {
  it('reports retrying, then sent; a re-run of the same attempt gets the same webhook-id', async () => {
    const { written, send, run, payload } = setup(true);
    send.mockRejectedValueOnce(new DeliveryError('SMTP_TRANSIENT', '451 try later', { retryable: true }));
    await run(0);
    await run(1);
    await run(1); // the same attempt again (a stalled job re-run)
    expect(written.map((j) => j.type)).toEqual(['message.retrying', 'message.sent', 'message.sent']);
    expect(written[1]!.event_id).toBe(written[2]!.event_id);
    expect(written[0]!.event_id).not.toBe(written[1]!.event_id);
    expect(JSON.parse(written[0]!.body)).toMatchObject({ data: { id: payload.id, status: 'error', attempt: 1, max_attempts: 3, reason: 'SMTP_TRANSIENT' } });
    expect(written.every((j) => !j.body.includes('424242'))).toBe(true);
  });

  it('reports abandoned on a permanent failure, and nothing when the record kept another status', async () => {
    const { written, send, store, run } = setup(true);
    send.mockRejectedValue(new DeliveryError('SMTP_PERMANENT', '550 no such user', { retryable: false }));
    await run(0);
    expect(written.map((j) => [j.type, JSON.parse(j.body).data.reason])).toEqual([['message.abandoned', 'SMTP_PERMANENT']]);
    // Cancelled while the attempt ran: FINISH keeps `cancelled`, and no retrying/abandoned event claims otherwise.
    store.finish.mockResolvedValue('cancelled');
    send.mockRejectedValue(new DeliveryError('SMTP_TRANSIENT', '451', { retryable: true }));
    await run(1);
    expect(written).toHaveLength(1);
  });

  it('reports sent only for the attempt that recorded it (not a fenced worker, not a repeat of a recorded send)', async () => {
    const { written, store, run } = setup(true);
    store.finish.mockResolvedValue('fenced');
    await run(0);
    store.finish.mockResolvedValue('sent');
    await run(1);
    expect(written).toEqual([]);
    store.finish.mockResolvedValue('ok');
    await run(2);
    expect(written.map((j) => j.type)).toEqual(['message.sent']);
  });

  it('does nothing without endpoints', async () => {
    const { addBulk, run } = setup(false);
    await run(0);
    expect(addBulk).not.toHaveBeenCalled();
  });
});
