/**
 * What the delivery path reports to webhooks: one `emit` per recorded outcome (sent,
 * retrying, abandoned). It costs nothing when no endpoint wants the event, and it
 * never waits nor throws: the emitter writes in the background.
 */
import type { WebhookEventType } from '@courier/core';
import type { WebhookEmitter } from '@courier/store';

/** The message fields an event may carry (a payload has more; only these are copied). */
interface EventMessage {
  readonly id: string;
  readonly type?: string | undefined;
  readonly channel?: string | undefined;
  readonly template_type?: string | undefined;
  readonly recipient?: string | undefined;
}

/** Reports a message's outcomes to the webhook queue. */
export interface DeliveryEvents {
  /**
   * Report that `message` reached the outcome `type` in attempt `attempt` of the job
   * `job` (whose id and attempt make the event's id, so a re-run reports the same event).
   *
   * @param reason - The error code of a retry or an abandonment.
   */
  emit(
    type: WebhookEventType,
    job: { readonly id?: string | undefined; readonly opts: { readonly attempts?: number | undefined } },
    message: EventMessage,
    attempt: number,
    reason?: string,
  ): void;
}

/** Delivery events that go nowhere (no endpoint configured). */
export const NO_DELIVERY_EVENTS: DeliveryEvents = { emit: () => undefined };

/** Delivery events through `emitter`. */
export function deliveryEvents(emitter: WebhookEmitter): DeliveryEvents {
  return {
    emit(type, job, message, attempt, reason) {
      if (!emitter.wants(type)) return;
      emitter.emit({
        type,
        message,
        attempt,
        maxAttempts: job.opts.attempts ?? 1,
        reason,
        occurrence: `${job.id ?? message.id}/${attempt}`,
      });
    },
  };
}
