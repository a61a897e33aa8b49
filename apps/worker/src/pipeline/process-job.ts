/**
 * The job processor: parse -> begin (already-sent guard) -> render -> send ->
 * record. Every attempt is recorded as a dispatch; a permanent failure or the
 * last attempt abandons the message.
 */
import { DelayedError, type Job } from 'bullmq';
import {
  DeliveryError,
  computeBackoffMs,
  failureRouteOf,
  isExpired,
  jobPayloadSchema,
  routeDispatchFields,
  summarizeError,
  type BackoffPolicy,
  type DeliveryChannels,
  type DeliveryRoute,
  type ErrorSummary,
  type JobPayload,
  type Logger,
  type TemplateRegistry,
} from '@courier/core';
import type { FinishResult, MessageStore } from '@courier/store';
import type { Leases } from '../lifecycle/leases.js';
import type { WorkerMetrics } from '../ops/metrics.js';
import type { ChannelGate } from './channel-gate.js';
import { NO_DELIVERY_EVENTS, type DeliveryEvents } from '../webhooks/delivery-events.js';
import { errorForBullmq } from './failure.js';
import { renderPayload } from './render.js';
import { suppressedError, type SuppressionGate } from './suppression.js';

const RECORD_SENT_RETRY_MS = 250;

const INVALID_PAYLOAD = { code: 'INVALID_PAYLOAD', message: 'job data is not a valid v1 courier payload', retryable: false } as const;

/** Thrown (and caught below) when a message's `expires_at` has passed just before its send. */
function expiredError(payload: JobPayload): DeliveryError {
  return new DeliveryError('MESSAGE_EXPIRED', `the message expired at ${payload.expires_at ?? '?'} before it was sent`, { retryable: false });
}

/**
 * The summary to record instead of a retryable failure when the earliest next attempt
 * (the backoff's lower bound: half its step, or a Retry-After) would come after the
 * message's `expires_at`; undefined when a retry may still go out in time.
 */
function expiryBeforeRetry(payload: JobPayload, failure: ErrorSummary, err: unknown, attempt: number, backoff: BackoffPolicy | undefined): ErrorSummary | undefined {
  if (payload.expires_at === undefined) return undefined;
  const retryAfterMs = err instanceof DeliveryError ? err.retryAfterMs : undefined;
  const earliest = Date.now() + (backoff === undefined ? 0 : computeBackoffMs(backoff, attempt, retryAfterMs, () => 0));
  if (!isExpired(payload, earliest)) return undefined;
  return {
    code: 'MESSAGE_EXPIRED',
    message: `the next retry would come after the message expires at ${payload.expires_at} (this attempt: ${failure.code}: ${failure.message})`.slice(0, 1000),
    retryable: false,
  };
}

/**
 * The job's message id when its data has the v1 envelope (`jobEnvelopeSchema`:
 * `v` 1 and an `id` of 1-128 characters), else the failing field. A plain check:
 * it runs on every attempt, before the status says whether the content is needed.
 */
function envelopeIdOf(data: unknown): { readonly id: string } | { readonly issue: string } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { issue: '' };
  const { v, id } = data as { v?: unknown; id?: unknown };
  if (v !== 1) return { issue: 'v' };
  if (typeof id !== 'string' || id.length < 1 || id.length > 128) return { issue: 'id' };
  return { id };
}

/** What the processor needs. */
export interface ProcessorDeps {
  readonly store: MessageStore;
  readonly channels: DeliveryChannels;
  readonly templates: TemplateRegistry;
  readonly metrics: WorkerMetrics;
  readonly logger: Logger;
  /** How long to keep trying to record a successful send before giving up (the job's lock duration). */
  readonly recordSentForMs: number;
  /** The retry backoff (`worker.backoff`): a retry that could only come after a message's expiry is not scheduled. */
  readonly backoff?: BackoffPolicy;
  /** The suppression list (`courier.suppression`); absent when it is off. */
  readonly suppression?: SuppressionGate | undefined;
  /** The job locks' leases (lifecycle/leases.ts): no message is handed over once its job's lease ran out. */
  readonly leases?: Leases;
  /** Per-channel send rates (`worker.rate_limits.channels`; channel-gate.ts), when any is set. */
  readonly channelGate?: ChannelGate | undefined;
  /** Where outcomes are reported for webhooks (none when absent). */
  readonly events?: DeliveryEvents;
}

/** What a job returns (kept in BullMQ until trimmed; no content, no secrets). */
export interface ProcessResult {
  readonly outcome: 'sent' | 'skipped';
  readonly reason?: string;
  readonly providerMessageId?: string | undefined;
}

/** Build the BullMQ processor function. */
export function createProcessor(deps: ProcessorDeps) {
  const { store, channels, templates, metrics, logger } = deps;
  const events = deps.events ?? NO_DELIVERY_EVENTS;

  /**
   * Record a send that went out. This is the already-sent guard, so it is
   * retried in process (a throw here would re-run the job and send again); with
   * the worker's connection a Redis outage makes the call wait, not fail.
   */
  async function recordSent(payload: JobPayload, owner: string, route: DeliveryRoute | undefined): Promise<FinishResult> {
    const deadline = Date.now() + deps.recordSentForMs;
    for (;;) {
      try {
        return await store.finish(payload, { status: 'sent', owner, dispatch: { at: new Date().toISOString(), status: 'success', ...routeDispatchFields(route) } });
      } catch (err) {
        if (Date.now() > deadline) throw err;
        logger.warn({ message_id: payload.id, error: (err as Error).message }, 'could not record a sent message; retrying');
        await new Promise((r) => setTimeout(r, RECORD_SENT_RETRY_MS));
      }
    }
  }

  /** The error for a job whose data is not a v1 payload (a job may have been added by hand). */
  function invalidPayload(job: Job, issues: readonly { path: PropertyKey[] }[]): Error {
    logger.error({ job_id: job.id, issues: issues.map((i) => i.path.join('.')) }, 'invalid job payload');
    return errorForBullmq(undefined, INVALID_PAYLOAD);
  }

  /** The job's payload, checked against the v1 schema (bounded: template data is refused at its limits before any walk). */
  function payloadOf(job: Job<JobPayload>): JobPayload {
    const parsed = jobPayloadSchema.safeParse(job.data);
    if (parsed.success) return parsed.data;
    throw invalidPayload(job, parsed.error.issues);
  }

  /** Log and count an outcome the store refused to record because another worker owns the message now. */
  function noteFenced(answer: FinishResult, id: string, attempt: number): void {
    if (answer !== 'fenced') return;
    metrics.countFenced('record');
    logger.warn({ message_id: id, attempt }, 'the message was taken over by another worker; this outcome is not recorded');
  }

  const { leases } = deps;

  return async function processJob(job: Job<JobPayload>, token?: string, signal?: AbortSignal): Promise<ProcessResult> {
    const jobId = job.id;
    if (leases === undefined || jobId === undefined) return processOwned(job, token ?? '', signal, undefined);
    leases.open(jobId, job.processedOn);
    try {
      return await processOwned(job, token ?? '', signal, jobId);
    } finally {
      leases.close(jobId);
    }
  };

  async function processOwned(job: Job<JobPayload>, owner: string, signal: AbortSignal | undefined, leaseId: string | undefined): Promise<ProcessResult> {
    // Only the id is read before the status: a cancelled or sent message's content is
    // never parsed (nor refused), however large a job written by an older producer is.
    const envelope = envelopeIdOf(job.data);
    if ('issue' in envelope) throw invalidPayload(job, [{ path: envelope.issue === '' ? [] : [envelope.issue] }]);
    const id = envelope.id;
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;

    // The owner token (the job lock's token, new at every take-over) goes into the record:
    // an outcome is recorded only while the record still names it (fencing).
    const begun = await store.begin({ id, load: () => payloadOf(job) }, owner);
    if (begun === 'sent' || begun === 'cancelled' || begun === 'abandoned') {
      // The already-sent guard: a re-run of a finished send does not send again.
      if (logger.isLevelEnabled('info')) logger.info({ message_id: id, attempt, outcome: 'skipped', status: begun }, 'message already finished; not sending');
      return { outcome: 'skipped', reason: begun };
    }
    let payload: JobPayload;
    try {
      payload = payloadOf(job);
    } catch (err) {
      // The record exists and says processing: settle it, so it is not left there.
      await store
        .finish({ id }, { status: 'abandoned', owner, counted: false, dispatch: { at: new Date().toISOString(), status: 'failed', error: INVALID_PAYLOAD } })
        .then((answer) => {
          noteFenced(answer, id, attempt);
          if (answer === 'ok') events.emit('message.abandoned', job, { id }, attempt, INVALID_PAYLOAD.code);
        })
        .catch((recordErr: unknown) => logger.error({ message_id: id, error: (recordErr as Error).message }, 'could not record an invalid payload'));
      throw err;
    }
    // The job's child logger costs more than the rest of the bookkeeping, so it
    // is made only for a line that is written (callers check the level first).
    let jobLogger: Logger | undefined;
    const log = (): Logger => (jobLogger ??= logger.child({ message_id: payload.id, attempt, channel: payload.channel }));
    // Metric labels only take configured channel ids, so a bad payload cannot grow them.
    const channelLabel = channels.has(payload.channel) ? payload.channel : 'unknown';

    metrics.recordStatus('processing', channelLabel, payload.template_type);

    // The last check before the provider hands the message over (SMTP: DATA accepted;
    // HTTP: before the request is written): a worker that may have lost its job lock
    // (its event loop stalled past it) does not send what another worker may own now.
    const fence = { atHandOver: false };
    const handOver = (): void => {
      const why = leaseId === undefined ? (signal?.aborted === true ? 'the attempt was aborted' : undefined) : leases?.lost(leaseId, signal);
      if (why === undefined) return;
      fence.atHandOver = true;
      throw new DeliveryError('LOCK_LOST', `not handed over: ${why}`, { retryable: true });
    };

    const started = performance.now();
    let providerMessageId: string | undefined;
    // Which channel delivered, when the message's channel has fallbacks (recorded in the dispatch).
    let route: DeliveryRoute | undefined;
    // The look-up's round trip overlaps rendering; its answer is awaited before the send.
    const suppressed = deps.suppression?.lookUp(payload);
    try {
      const outbound = await renderPayload(payload, templates);
      const entry = await suppressed;
      if (entry !== undefined) throw suppressedError(entry);
      // The last moment before the provider: a message past its expiry (waiting in the
      // queue, for a retry's backoff or for a rate-limit slot) is never sent.
      if (isExpired(payload)) throw expiredError(payload);
      // A channel with a send rate: the job may wait for its slot here (DelayedError).
      if (deps.channelGate !== undefined) await deps.channelGate.pass(job, owner, payload);
      const result = await channels.get(payload.channel).send(outbound, signal ? { attempt, signal, handOver } : { attempt, handOver });
      providerMessageId = result.providerMessageId;
      route = result.route;
    } catch (err) {
      // Waiting for a channel slot is neither a failure nor an attempt.
      if (err instanceof DelayedError) throw err;
      if (deps.channelGate !== undefined) {
        await deps.channelGate.afterFailure(payload, err).catch((pauseErr: unknown) => log().warn({ error: (pauseErr as Error).message }, 'could not pause a throttled channel'));
      }
      const seconds = (performance.now() - started) / 1000;
      if (fence.atHandOver) metrics.countFenced('hand_over');
      let summary = summarizeError(err);
      let final = !summary.retryable || attempt >= maxAttempts;
      if (!final) {
        const expiry = expiryBeforeRetry(payload, summary, err, attempt, deps.backoff);
        if (expiry !== undefined) [summary, final] = [expiry, true];
      }
      const expired = summary.code === 'MESSAGE_EXPIRED';
      const status = final ? 'abandoned' : 'error';
      // Handed over, then no answer: the message may have been delivered.
      const unknown = err instanceof DeliveryError && err.outcomeUnknown;
      const suppressedNow = err instanceof DeliveryError && err.code === 'RECIPIENT_SUPPRESSED';
      // Nothing was handed over: an expiry, a suppressed recipient, or a worker that fenced itself out.
      const notSent = err instanceof DeliveryError && (err.code === 'MESSAGE_EXPIRED' || suppressedNow || fence.atHandOver);
      // Before the record: the list holds the recipient by the time the message reads abandoned.
      if (final && !notSent) await deps.suppression?.noteFailure(payload, err);
      try {
        const answer = await store.finish(payload, {
          status,
          owner,
          counted: !notSent,
          dispatch: { at: new Date().toISOString(), status: unknown ? 'outcome_unknown' : 'failed', error: summary, ...routeDispatchFields(failureRouteOf(err)) },
        });
        noteFenced(answer, payload.id, attempt);
        if (answer === 'ok') events.emit(final ? 'message.abandoned' : 'message.retrying', job, payload, attempt, summary.code);
      } catch (recordErr) {
        // The delivery error decides what BullMQ does next; if this was the last
        // attempt, the worker's `failed` handler records the final status.
        log().error({ error: (recordErr as Error).message }, 'could not record the failed attempt');
      }
      // An expired or suppressed message, or one a fenced worker held back, made no delivery attempt.
      if (!notSent) metrics.observeAttempt(channelLabel, unknown ? 'unknown' : 'failed', seconds);
      metrics.recordStatus(status, channelLabel, payload.template_type, final ? (expired ? 'expired' : suppressedNow ? 'suppressed' : 'failed') : undefined);
      if (logger.isLevelEnabled('warn')) {
        log().warn(
          {
            outcome: unknown ? 'unknown' : 'failed',
            status,
            error_code: summary.code,
            error: summary.message,
            retryable: summary.retryable,
            duration_ms: Math.round(seconds * 1000),
          },
          expired ? 'message expired; abandoned' : suppressedNow ? 'recipient suppressed; abandoned' : final ? 'delivery failed; message abandoned' : 'delivery failed; will retry',
        );
      }
      throw errorForBullmq(notSent ? undefined : err, summary);
    }

    const seconds = (performance.now() - started) / 1000;
    const recorded = await recordSent(payload, owner, route);
    noteFenced(recorded, payload.id, attempt);
    // Reported once, by the attempt that recorded it: a fenced worker's send is reported by the
    // worker that owns the message now, and a repeat of a send already recorded is not news.
    if (recorded === 'ok') events.emit('message.sent', job, payload, attempt);
    metrics.observeAttempt(channelLabel, 'success', seconds);
    metrics.recordStatus('sent', channelLabel, payload.template_type);
    if (logger.isLevelEnabled('info'))
      log().info({ outcome: 'sent', duration_ms: Math.round(seconds * 1000), ...(route === undefined ? {} : { via: route.channel }) }, 'message sent');
    return { outcome: 'sent', providerMessageId };
  }
}
