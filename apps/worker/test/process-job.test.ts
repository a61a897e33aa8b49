/**
 * The processor with stand-ins for its peers: payload validation (a malformed
 * job is refused before anything is recorded or sent) and the job logger, which
 * is only made when a line is written.
 */
import { describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import type { Job } from 'bullmq';
import { createLogger, DeliveryError, newMessageId, toJobPayload, type DeliveryChannels, type DeliveryContext, type JobPayload, type TemplateRegistry } from '@courier/core';
import type { MessageStore } from '@courier/store';
import { createProcessor } from '../src/pipeline/process-job.js';
import type { WorkerMetrics } from '../src/ops/metrics.js';
import { createLeases, type Leases } from '../src/lifecycle/leases.js';

function setup(level: 'info' | 'warn', leases?: Leases) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  const logger = createLogger({ level, app: 'test', destination });
  const child = vi.spyOn(logger, 'child');
  const store = { begin: vi.fn(async (): Promise<string> => 'ok'), finish: vi.fn(async () => 'ok') };
  const send = vi.fn(async (_message: unknown, _ctx?: DeliveryContext) => ({ providerMessageId: 'provider-1' }));
  const channels = { has: () => true, get: () => ({ send }) } as unknown as DeliveryChannels;
  const metricFns = { recordStatus: vi.fn(), observeAttempt: vi.fn(), countFenced: vi.fn() };
  const metrics = metricFns as unknown as WorkerMetrics;
  const processJob = createProcessor({
    store: store as unknown as MessageStore,
    channels,
    templates: {} as TemplateRegistry,
    metrics,
    logger,
    recordSentForMs: 1_000,
    ...(leases === undefined ? {} : { leases }),
  });
  const run = (data: unknown, token?: string, processedOn?: number) =>
    processJob({ id: 'job-1', data, attemptsMade: 0, opts: { attempts: 3 }, processedOn } as unknown as Job<JobPayload>, token);
  return { lines, child, store, send, run, metrics: metricFns };
}

const rawEmail = (): JobPayload => toJobPayload({ type: 'email', recipient: 'user@example.com', subject: 'Hi', body: 'secret body' }, newMessageId());

describe('processJob', () => {
  it('refuses a job of another version for good (INVALID_PAYLOAD) before recording or sending', async () => {
    const { lines, store, send, run } = setup('warn');
    const err = await run(JSON.parse(JSON.stringify({ ...rawEmail(), v: 2 }))).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('UnrecoverableError');
    expect(err?.message).toBe('INVALID_PAYLOAD: job data is not a valid v1 courier payload');
    expect(store.begin).not.toHaveBeenCalled();
    expect(send).not.toHaveBeenCalled();
    expect(lines).toEqual([expect.objectContaining({ level: 'error', msg: 'invalid job payload', job_id: 'job-1', issues: expect.any(Array) })]);
  });

  it.each([
    ['an unknown field', { extra: true }],
    ['a bad created_at', { created_at: '2024-13-01T00:00:00Z' }],
    ['no recipient', { recipient: undefined }],
    ['an unknown template type', { template_type: 'nope', subject: undefined, body: undefined }],
  ])('refuses a job with %s for good (INVALID_PAYLOAD) after its status, recording it abandoned, never sending', async (_name, change) => {
    const { lines, store, send, run } = setup('warn');
    const data = JSON.parse(JSON.stringify({ ...rawEmail(), ...change })) as { id: string };
    const err = await run(data).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('UnrecoverableError');
    expect(err?.message).toBe('INVALID_PAYLOAD: job data is not a valid v1 courier payload');
    // The status is read first (a cancelled message's content is never parsed), then the refusal is recorded.
    expect(store.begin).toHaveBeenCalledWith(expect.objectContaining({ id: data.id }), '');
    expect(store.finish).toHaveBeenCalledWith(
      { id: data.id },
      expect.objectContaining({ status: 'abandoned', counted: false, dispatch: expect.objectContaining({ error: expect.objectContaining({ code: 'INVALID_PAYLOAD' }) }) }),
    );
    expect(send).not.toHaveBeenCalled();
    expect(lines).toEqual([expect.objectContaining({ level: 'error', msg: 'invalid job payload', job_id: 'job-1', issues: expect.any(Array) })]);
  });

  it('never parses the content of a job whose message is already finished', async () => {
    const { store, send, run } = setup('warn');
    store.begin.mockResolvedValueOnce('cancelled');
    const data = JSON.parse(JSON.stringify({ ...rawEmail(), template_data: { big: new Array(20_000).fill(0) } })) as unknown;
    expect(await run(data)).toEqual({ outcome: 'skipped', reason: 'cancelled' });
    expect(store.finish).not.toHaveBeenCalled();
    expect(send).not.toHaveBeenCalled();
  });

  it('makes no job logger when nothing is logged at the level', async () => {
    const { lines, child, store, run } = setup('warn');
    expect(await run(JSON.parse(JSON.stringify(rawEmail())))).toMatchObject({ outcome: 'sent' });
    expect(store.finish).toHaveBeenCalledWith(expect.objectContaining({ recipient: 'user@example.com' }), expect.objectContaining({ status: 'sent' }));
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it('logs the outcome with the message id, attempt and channel when the level allows', async () => {
    const { lines, child, run } = setup('info');
    const p = rawEmail();
    await run(JSON.parse(JSON.stringify(p)));
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([expect.objectContaining({ msg: 'message sent', outcome: 'sent', message_id: p.id, attempt: 1, channel: 'email' })]);
    expect(JSON.stringify(lines)).not.toContain('secret body');
  });

  it('logs a failed attempt at warn', async () => {
    const { lines, child, send, run } = setup('warn');
    send.mockRejectedValueOnce(Object.assign(new Error('451 try later'), { responseCode: 451 }));
    const p = rawEmail();
    await expect(run(JSON.parse(JSON.stringify(p)))).rejects.toThrow();
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', outcome: 'failed', message_id: p.id, attempt: 1 })]);
  });

  it('begins with the job token as owner and records every outcome with it', async () => {
    const { store, run } = setup('warn');
    const p = rawEmail();
    await run(JSON.parse(JSON.stringify(p)), 'lock-token-1');
    expect(store.begin).toHaveBeenCalledWith(expect.objectContaining({ id: p.id }), 'lock-token-1');
    expect(store.finish).toHaveBeenCalledWith(expect.objectContaining({ id: p.id }), expect.objectContaining({ status: 'sent', owner: 'lock-token-1' }));
  });

  it('counts and logs an outcome the store fenced (another worker owns the message now)', async () => {
    const { lines, store, run, metrics } = setup('warn');
    store.finish.mockResolvedValueOnce('fenced');
    await run(JSON.parse(JSON.stringify(rawEmail())), 'old-token');
    expect(metrics.countFenced).toHaveBeenCalledWith('record');
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringContaining('taken over by another worker') })]);
  });

  it('does not hand a message over once the job lease ran out: LOCK_LOST, not counted as a send', async () => {
    // A lock of 1 s taken 5 s ago and never renewed.
    const { store, send, run, metrics } = setup('warn', createLeases(1_000));
    send.mockImplementationOnce(async (_m, ctx) => {
      ctx?.handOver?.();
      return { providerMessageId: 'never' };
    });
    const err = await run(JSON.parse(JSON.stringify(rawEmail())), 'tok', Date.now() - 5_000).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/not handed over: the job lock was last confirmed/);
    expect(store.finish).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({ status: 'error', owner: 'tok', counted: false, dispatch: expect.objectContaining({ error: expect.objectContaining({ code: 'LOCK_LOST' }) }) }),
    );
    expect(metrics.countFenced).toHaveBeenCalledWith('hand_over');
    expect(metrics.observeAttempt).not.toHaveBeenCalled();
  });

  it('hands a message over while the lease holds', async () => {
    const { send, run } = setup('warn', createLeases(5_000));
    send.mockImplementationOnce(async (_m, ctx) => {
      ctx?.handOver?.();
      return { providerMessageId: 'p' };
    });
    expect(await run(JSON.parse(JSON.stringify(rawEmail())), 'tok', Date.now())).toMatchObject({ outcome: 'sent' });
  });

  it('records an unknown outcome as an outcome_unknown dispatch and observes it as unknown', async () => {
    const { store, send, run, metrics } = setup('warn');
    send.mockRejectedValueOnce(new DeliveryError('SMTP_OUTCOME_UNKNOWN', 'no answer after the message was handed over', { retryable: true, outcomeUnknown: true }));
    await expect(run(JSON.parse(JSON.stringify(rawEmail())), 'tok')).rejects.toThrow();
    expect(store.finish).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({
        status: 'error',
        counted: true,
        dispatch: expect.objectContaining({ status: 'outcome_unknown', error: expect.objectContaining({ code: 'SMTP_OUTCOME_UNKNOWN' }) }),
      }),
    );
    expect(metrics.observeAttempt).toHaveBeenCalledWith('email', 'unknown', expect.any(Number));
  });
});
