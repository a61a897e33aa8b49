/**
 * The client's own types. Message shapes come from @courier/core as types only,
 * so the client carries no runtime dependency on core (no zod, no templates).
 */
import type { Message as CoreMessage, MessageStatus, MessageType, NewMessage, TemplateType } from '@courier/core';

export type { Dispatch, MessageStatus, MessageType, NewMessage, TemplateData, TemplateType } from '@courier/core';

/**
 * A message with its dispatches (`GET /messages/{id}`). Without the `admin`
 * scope, secret content (one-time codes and links in `template_data`, a raw
 * message's `subject`, `body`, `html_body`) reads `[redacted]`.
 */
export type Message = CoreMessage & {
  /** Name or non-secret id of the API key that created the message. */
  readonly created_by?: string;
};

/** A message as lists show it: no content (subject, bodies, template data). */
export interface MessageSummary {
  readonly id: string;
  readonly type: MessageType;
  readonly channel: string;
  readonly recipient: string;
  readonly template_type?: TemplateType;
  readonly status: MessageStatus;
  readonly send_count: number;
  /** When the last attempt was made, if any. */
  readonly last_attempt_at?: string;
  /** The error of the last attempt, when it failed. */
  readonly last_error?: { readonly code: string; readonly message: string; readonly retryable: boolean };
  /** Name or non-secret id of the API key that created the message. */
  readonly created_by?: string;
  readonly created_at: string;
  readonly updated_at: string;
}

/** Options of {@link createCourierClient}. */
export interface CourierClientOptions {
  /** Where the producer listens, e.g. `http://courier-producer:4000`. */
  readonly baseUrl: string;
  /** An API key of the producer (`producer.api_keys`), sent as `Authorization: Bearer`. */
  readonly apiKey: string;
  /** A `fetch` to use instead of the global one (proxies, instrumentation). */
  readonly fetch?: typeof globalThis.fetch;
  /** Per-request deadline in milliseconds, response body included; default 10,000. */
  readonly timeoutMs?: number;
}

/** Scheduling of one message; give `sendAt` or `delayMs`, not both. */
export interface Schedule {
  /** Send no earlier than this instant (less than a year ahead). */
  readonly sendAt?: Date | string;
  /** Send after this many milliseconds. */
  readonly delayMs?: number;
  /** BullMQ priority, 1 (highest) to 1,000,000. */
  readonly priority?: number;
  /**
   * Never send after this instant (must be in the future): a message not handed to the
   * provider by then ends `abandoned` with `MESSAGE_EXPIRED`. Give `expiresAt` or `ttlSeconds`, not both;
   * without either, a code/link template expires after `template_data.expires_in_minutes`.
   */
  readonly expiresAt?: Date | string;
  /** Never send later than this many seconds after enqueue (1 to 2,592,000, 30 days). */
  readonly ttlSeconds?: number;
}

/** Options of {@link CourierClient.send}. */
export interface SendOptions extends Schedule {
  /**
   * Makes the request safe to retry: the same key with the same message returns
   * the first answer and enqueues nothing; with a different message it is a 409.
   */
  readonly idempotencyKey?: string;
}

/** Options of {@link CourierClient.sendBatch}. */
export interface SendBatchOptions {
  /** As {@link SendOptions.idempotencyKey}, for the whole batch. */
  readonly idempotencyKey?: string;
}

/** One message of a batch, with its own scheduling in the API's field names. */
export type BatchMessage = NewMessage & {
  readonly send_at?: string;
  readonly delay_ms?: number;
  readonly priority?: number;
  /** See {@link Schedule.expiresAt}. */
  readonly expires_at?: string;
  /** See {@link Schedule.ttlSeconds}. */
  readonly ttl_seconds?: number;
};

/** A message the producer accepted. */
export interface EnqueuedMessage {
  readonly id: string;
  readonly status: 'queued';
}

/** Answer to {@link CourierClient.send}. */
export interface SendResult extends EnqueuedMessage {
  /** True when an earlier request with the same idempotency key produced this answer. */
  readonly replayed: boolean;
}

/** Answer to {@link CourierClient.sendBatch}: one entry per message, in request order. */
export interface SendBatchResult {
  readonly messages: readonly EnqueuedMessage[];
  readonly replayed: boolean;
}

/** Filters and paging of {@link CourierClient.list}; every filter is optional. */
export interface ListFilter {
  readonly status?: MessageStatus;
  readonly recipient?: string;
  readonly templateType?: TemplateType;
  /** Messages per page, 1 to 1,000; the server's default is 100. */
  readonly pageSize?: number;
  /** A `nextPageToken` from an earlier page. */
  readonly pageToken?: string;
}

/** One page of message summaries, newest first (no content: get a message for that). */
export interface MessagePage {
  readonly messages: readonly MessageSummary[];
  /** Present when there are more messages; pass it as `pageToken`. */
  readonly nextPageToken?: string;
}

/** Answer to {@link CourierClient.retry} and {@link CourierClient.cancel}. */
export interface StatusChange<S extends MessageStatus> {
  readonly id: string;
  readonly status: S;
}

/** Why an address is on the suppression list (`courier.suppression`). */
export interface Suppression {
  /** The address, trimmed and lower-cased. */
  readonly address: string;
  readonly added_at: string;
  /** When the entry lapses; absent when it lasts until deleted. */
  readonly expires_at?: string;
  /** `delivery` (a provider's permanent rejection) or `api` (added by hand). */
  readonly source: 'delivery' | 'api';
  /** The enhanced status code (`5.1.1`), the reply code (`550`), `HTTP <status>`, or `manual`. */
  readonly code: string;
  /** The provider's words, or the note of a manual entry. */
  readonly detail: string;
  readonly channel?: string;
  /** The message whose rejection added the entry. */
  readonly message_id?: string;
  readonly template_type?: string;
}

/** Paging of {@link CourierClient.listSuppressions}. */
export interface SuppressionListOptions {
  /** Entries per page, 1 to 1,000; the server's default is 100. */
  readonly pageSize?: number;
  readonly pageToken?: string;
}

/** One page of the suppression list, in address order. */
export interface SuppressionPage {
  readonly suppressions: readonly Suppression[];
  readonly nextPageToken?: string;
}

/** A typed client of Courier's producer API. Every method throws `CourierApiError` on failure. */
export interface CourierClient {
  /** Enqueue one message (`POST /messages`). */
  send(message: NewMessage, options?: SendOptions): Promise<SendResult>;
  /** Enqueue up to 1,000 messages in one request, all or none (`POST /messages/batch`). */
  sendBatch(messages: readonly BatchMessage[], options?: SendBatchOptions): Promise<SendBatchResult>;
  /** One message with its dispatches (`GET /messages/{id}`). */
  get(id: string): Promise<Message>;
  /** One page of message summaries (`GET /messages`). */
  list(filter?: ListFilter): Promise<MessagePage>;
  /** Summaries of every message matching the filter, newest first, fetching pages as the loop asks for them. */
  listAll(filter?: ListFilter): AsyncIterable<MessageSummary>;
  /** Re-queue an abandoned message (`POST /messages/{id}/retry`). */
  retry(id: string): Promise<StatusChange<'queued'>>;
  /** Cancel a message not yet sent (`DELETE /messages/{id}`). */
  cancel(id: string): Promise<StatusChange<'cancelled'>>;
  /** One page of the suppression list (`GET /suppressions`; `read` scope). */
  listSuppressions(options?: SuppressionListOptions): Promise<SuppressionPage>;
  /** An address's entry (`GET /suppressions/{address}`); throws `not_found` (404) when it is not on the list. */
  getSuppression(address: string): Promise<Suppression>;
  /** Put an address on the list by hand (`POST /suppressions`; `admin` scope). */
  addSuppression(address: string, note?: string): Promise<Suppression>;
  /** Take an address off the list (`DELETE /suppressions/{address}`; `admin`); throws `not_found` when it was not on it. */
  deleteSuppression(address: string): Promise<void>;
  /** Empty the list (`DELETE /suppressions?all=true`; `admin`); answers how many entries went. */
  clearSuppressions(): Promise<number>;
}
