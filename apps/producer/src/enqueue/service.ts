/**
 * Turning validated requests into queued messages: channel check, payload,
 * schedule, then the records and jobs in one transaction through the store
 * (shared with the other requests of the same event-loop turn: see
 * `createEnqueuer`).
 */
import type { Queue } from 'bullmq';
import { buildJobPayload, expiresAtFor, newMessageId, type CourierConfig, type JobPayload, type Message } from '@courier/core';
import { createEnqueuer, jobNameFor, NO_WEBHOOKS, type MessageStore, type RedisConnection, type WebhookEmitter } from '@courier/store';
import { ApiError, type FieldError } from '../http/api-error.js';
import type { SendMessageBody } from '../http/schemas.js';
import { createRecipientLimits } from './recipient-limits.js';

/** Enqueueing operations of the API. */
export interface EnqueueService {
  /**
   * Enqueue validated messages; all or none. Throws ApiError 400 naming bad channels.
   *
   * @param createdBy - Non-secret id of the API key, recorded as `created_by`.
   */
  enqueue(items: readonly SendMessageBody[], pathPrefix?: (index: number) => string, createdBy?: string): Promise<{ id: string }[]>;
  /** Enqueue already-built payloads (Kratos bridge). */
  enqueuePayloads(payloads: readonly JobPayload[], createdBy?: string): Promise<void>;
  /** Re-queue an abandoned message. Returns the store's answer ('ok', 'missing' or the blocking status). */
  retry(id: string): Promise<string>;
  /** Cancel a message that has not been sent (queued, or waiting for a retry). */
  cancel(id: string): Promise<string>;
  /** Channel ids messages may use. */
  readonly channels: ReadonlySet<string>;
}

function payloadFromMessage(m: Message): JobPayload {
  const { id, type, channel, recipient, subject, body, html_body, template_type, template_data, created_at, expires_at } = m;
  const payload: JobPayload = { v: 1, id, type, channel, recipient, created_at };
  // A retried message keeps its expiry: an expired code is not sent by a retry either.
  if (expires_at !== undefined) payload.expires_at = expires_at;
  if (subject !== undefined) payload.subject = subject;
  if (body !== undefined) payload.body = body;
  if (html_body !== undefined) payload.html_body = html_body;
  if (template_type !== undefined) payload.template_type = template_type;
  if (template_data !== undefined) payload.template_data = template_data;
  return payload;
}

/** Create the service. */
export function createEnqueueService(
  config: CourierConfig,
  redis: RedisConnection,
  queue: Queue<JobPayload>,
  store: MessageStore,
  webhooks: WebhookEmitter = NO_WEBHOOKS,
): EnqueueService {
  const channels = new Set(['email', ...config.courier.channels.map((c) => c.id)]);
  const enqueuer = createEnqueuer(redis, queue, store);
  const recipientLimits = createRecipientLimits(config, redis);
  /** Enqueue entries counted against the recipient limits (all or none); an enqueue that fails gives its places back. */
  const enqueueLimited = async (entries: Parameters<typeof enqueuer.enqueue>[0], pathPrefix: (i: number) => string): Promise<void> => {
    if (recipientLimits === undefined) return enqueuer.enqueue(entries);
    const release = await recipientLimits.take(
      entries.map((e) => e.payload),
      pathPrefix,
    );
    try {
      await enqueuer.enqueue(entries);
    } catch (err) {
      await release().catch(() => undefined);
      throw err;
    }
  };

  const channelErrors = (items: readonly SendMessageBody[], pathPrefix: (i: number) => string): FieldError[] => {
    const errors: FieldError[] = [];
    items.forEach((item, i) => {
      const channel = item.channel ?? item.type;
      // The path is only built for an item in error (this runs for every item of a batch).
      const path = (): string => `${pathPrefix(i)}channel`;
      if (!channels.has(channel)) {
        errors.push({ path: path(), message: `no channel "${channel}" is configured (have: ${[...channels].join(', ')})` });
      } else if (item.type === 'email' && channel !== 'email') {
        errors.push({ path: path(), message: 'e-mail goes through the "email" channel' });
      } else if (item.type === 'sms' && channel === 'email') {
        errors.push({ path: path(), message: 'an SMS needs an SMS channel (courier.channels)' });
      }
    });
    return errors;
  };

  return {
    channels,
    async enqueue(items, pathPrefix = () => '', createdBy) {
      const errors = channelErrors(items, pathPrefix);
      if (errors.length > 0) {
        throw new ApiError(400, 'invalid_request', `request is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
      }
      const now = new Date();
      const entries = items.map((item) => {
        const { send_at, delay_ms, priority } = item;
        // `sendMessageBody` checks every field at least as strictly as `jobPayloadSchema`
        // (same content schemas, same limits): the payload is valid by construction.
        // buildJobPayload copies only the content fields, so the item is passed whole.
        const payload = buildJobPayload(item, newMessageId(), now, expiresAtFor(item, now));
        const delayMs = send_at !== undefined ? Math.max(0, Date.parse(send_at) - now.getTime()) : delay_ms;
        return { payload, delayMs, priority, createdBy };
      });
      await enqueueLimited(entries, pathPrefix);
      return entries.map((e) => ({ id: e.payload.id }));
    },
    async enqueuePayloads(payloads, createdBy) {
      await enqueueLimited(
        payloads.map((payload) => ({ payload, createdBy })),
        () => '',
      );
    },
    async retry(id) {
      const answer = await store.transition(id, ['abandoned'], 'queued');
      if (answer !== 'ok') return answer;
      const message = await store.get(id);
      if (message === undefined) return 'missing';
      const payload = payloadFromMessage(message);
      try {
        // A new job id: the abandoned job may still sit in the failed set.
        await queue.add(jobNameFor(payload), payload, { jobId: `${id}:retry:${Date.now()}` });
      } catch (err) {
        await store.transition(id, ['queued'], 'abandoned').catch(() => undefined);
        throw err;
      }
      return 'ok';
    },
    async cancel(id) {
      const answer = await store.transition(id, ['queued', 'error'], 'cancelled');
      if (answer === 'ok') {
        // The worker also skips cancelled messages, so a job that cannot be
        // removed (already picked up) does not send.
        await queue.remove(id).catch(() => 0);
        if (webhooks.wants('message.cancelled')) await emitCancelled(store, webhooks, id);
      }
      return answer;
    },
  };
}

/** Report a cancellation to webhooks; the record is read for the event's fields (never its content). */
async function emitCancelled(store: MessageStore, webhooks: WebhookEmitter, id: string): Promise<void> {
  const message = await store.get(id).catch(() => undefined);
  webhooks.emit({ type: 'message.cancelled', message: message ?? { id }, sendCount: message?.send_count });
}
