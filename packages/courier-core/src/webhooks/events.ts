/**
 * Delivery events sent to webhook endpoints: their types, their payload (Standard
 * Webhooks' `{type, timestamp, data}`) and their ids. An event says what happened to
 * a message and carries only what identifies it: never its subject, bodies, template
 * data (one-time codes, links) nor a provider's error text.
 */
import { createHash } from 'node:crypto';

/** The event types, in the order of a message's life. */
export const WEBHOOK_EVENT_TYPES = ['message.sent', 'message.retrying', 'message.abandoned', 'message.cancelled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Longest message field (channel, template type, recipient) copied into an event. */
const MAX_FIELD_LENGTH = 512;

/** The message status each event reports. */
const STATUS_OF: Readonly<Record<WebhookEventType, WebhookEventData['status']>> = {
  'message.sent': 'sent',
  'message.retrying': 'error',
  'message.abandoned': 'abandoned',
  'message.cancelled': 'cancelled',
};

/** What an event says about its message. Optional fields are absent when unknown (an unreadable job). */
export interface WebhookEventData {
  /** The message id. */
  readonly id: string;
  /** The status the message reached. */
  readonly status: 'sent' | 'error' | 'abandoned' | 'cancelled';
  readonly message_type?: 'email' | 'sms';
  readonly channel?: string;
  readonly template_type?: string;
  readonly recipient?: string;
  /** The attempt that ended so (1 for the first), for worker events. */
  readonly attempt?: number;
  /** Attempts the message's current job allows. */
  readonly max_attempts?: number;
  /** Attempts recorded for the message so far (cancelled events). */
  readonly send_count?: number;
  /** The error code behind a retry or an abandonment (`SMTP_TRANSIENT`, `MESSAGE_EXPIRED`, `STALLED`...). */
  readonly reason?: string;
}

/** An event as its endpoints receive it (the JSON body of the request). */
export interface WebhookEvent {
  readonly type: WebhookEventType;
  /** When it happened (ISO 8601). */
  readonly timestamp: string;
  readonly data: WebhookEventData;
}

/** What a caller knows of an event; only these fields are copied into it. */
export interface WebhookEventInput {
  readonly type: WebhookEventType;
  readonly message: {
    readonly id: string;
    readonly type?: string | undefined;
    readonly channel?: string | undefined;
    readonly template_type?: string | undefined;
    readonly recipient?: string | undefined;
  };
  readonly attempt?: number | undefined;
  readonly maxAttempts?: number | undefined;
  readonly sendCount?: number | undefined;
  readonly reason?: string | undefined;
  /**
   * What makes this occurrence of the event unique beside its message and type (a job
   * id and attempt): the same occurrence reported twice gets the same `webhook-id`.
   */
  readonly occurrence?: string | undefined;
  readonly at?: Date | undefined;
}

/** An event ready to queue: its id (`webhook-id`, the same on every retry) and its body as sent and signed. */
export interface PreparedWebhookEvent {
  readonly id: string;
  readonly type: WebhookEventType;
  readonly body: string;
}

/**
 * The stable id of an event: `evt_` + 32 hex digits of a hash of its message, type and
 * occurrence (no `.`, as the signature scheme requires).
 */
export function webhookEventId(type: WebhookEventType, messageId: string, occurrence = ''): string {
  return `evt_${createHash('sha256').update(`${type}\n${messageId}\n${occurrence}`).digest('hex').slice(0, 32)}`;
}

/** Build an event from what is known, copying only the fields an event may carry. */
export function webhookEvent(input: WebhookEventInput): WebhookEvent {
  const m = input.message;
  const data: Record<string, unknown> = { id: m.id, status: STATUS_OF[input.type] };
  if (m.type === 'email' || m.type === 'sms') data['message_type'] = m.type;
  // A job's data comes from Redis: only strings of sane length are copied.
  for (const [key, value] of [
    ['channel', m.channel],
    ['template_type', m.template_type],
    ['recipient', m.recipient],
  ] as const) {
    if (typeof value === 'string' && value.length <= MAX_FIELD_LENGTH) data[key] = value;
  }
  if (input.attempt !== undefined) data['attempt'] = input.attempt;
  if (input.maxAttempts !== undefined) data['max_attempts'] = input.maxAttempts;
  if (input.sendCount !== undefined) data['send_count'] = input.sendCount;
  if (input.reason !== undefined) data['reason'] = input.reason;
  return { type: input.type, timestamp: (input.at ?? new Date()).toISOString(), data: data as unknown as WebhookEventData };
}

/** Build and serialize an event with its id. */
export function prepareWebhookEvent(input: WebhookEventInput): PreparedWebhookEvent {
  return {
    id: webhookEventId(input.type, input.message.id, input.occurrence),
    type: input.type,
    body: JSON.stringify(webhookEvent(input)),
  };
}
