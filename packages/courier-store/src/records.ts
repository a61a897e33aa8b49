/**
 * How a message record is laid out in its Redis hash, and read back.
 *
 * - `m`: the immutable content as JSON (template data, bodies: may be megabytes).
 * - `s`: the summary's immutable fields as JSON (type, channel, recipient,
 *   template type, creation time, creating key): small, written with `m` at
 *   create, so lists read a few hundred bytes per message instead of the content.
 * - `status`, `send_count`, `dispatches` (JSON array), `updated_at`: tracking state.
 */
import type { Dispatch, JobPayload, Message, MessageStatus, MessageType, TemplateType } from '@courier/core';

/** Immutable content of a message, as stored in the `m` field. */
export type StoredContent = Omit<JobPayload, 'v' | 'id'>;

/** A message as stored: the model plus the key that created it (when known). */
export type StoredMessage = Message & {
  /** Non-secret id or name of the API key that created the message. */
  created_by?: string;
};

/** What a list shows of a message: everything but its content (subject, bodies, template data). */
export interface MessageSummary {
  readonly id: string;
  readonly type: MessageType;
  readonly channel: string;
  readonly recipient: string;
  readonly template_type?: TemplateType;
  readonly status: MessageStatus;
  readonly send_count: number;
  readonly dispatches: Dispatch[];
  readonly created_by?: string;
  readonly created_at: string;
  readonly updated_at: string;
}

/** Who/what created a record; not part of the job payload (the worker never needs it). */
export interface CreateMeta {
  /** Non-secret id or name of the creating API key. */
  readonly createdBy?: string | undefined;
}

/** The immutable summary fields, as stored in `s`. */
interface StoredSummary {
  type: MessageType;
  channel: string;
  recipient: string;
  template_type?: TemplateType | undefined;
  created_at: string;
  created_by?: string | undefined;
}

/** Hash fields a list reads, in this order (never `m`). */
export const SUMMARY_FIELDS = ['s', 'status', 'send_count', 'dispatches', 'updated_at'] as const;

/** The content to store in `m`. */
export function contentOf(payload: JobPayload): StoredContent {
  const { v: _v, id: _id, ...content } = payload;
  return content;
}

/** The `s` field of a new record: a handful of short fields, cheap to build on the enqueue path. */
export function summaryFieldOf(payload: JobPayload, meta: CreateMeta = {}): string {
  const s: StoredSummary = { type: payload.type, channel: payload.channel, recipient: payload.recipient, created_at: payload.created_at };
  if (payload.template_type !== undefined) s.template_type = payload.template_type;
  if (meta.createdBy !== undefined) s.created_by = meta.createdBy;
  return JSON.stringify(s);
}

/** A whole record (HGETALL), or undefined when there is none. */
export function parseMessage(id: string, h: Record<string, string>): StoredMessage | undefined {
  if (h['m'] === undefined || h['status'] === undefined) return undefined;
  const content = JSON.parse(h['m']) as StoredContent;
  const createdBy = h['s'] === undefined ? undefined : (JSON.parse(h['s']) as StoredSummary).created_by;
  return {
    id,
    ...content,
    status: h['status'] as MessageStatus,
    send_count: Number(h['send_count'] ?? 0),
    dispatches: JSON.parse(h['dispatches'] ?? '[]') as Dispatch[],
    ...(createdBy === undefined ? {} : { created_by: createdBy }),
    updated_at: h['updated_at'] ?? content.created_at,
  };
}

/**
 * A summary from the {@link SUMMARY_FIELDS} values (HMGET). `legacyContent` is a
 * record's `m` for records written before `s` existed (read only for those).
 * Undefined when the record is gone; 'legacy' when `s` is missing and no
 * content was given.
 */
export function parseSummary(id: string, values: readonly (string | null)[], legacyContent?: string): MessageSummary | undefined | 'legacy' {
  const [s, status, sendCount, dispatches, updatedAt] = values;
  if (status === null || status === undefined) return undefined;
  let fields: StoredSummary;
  if (s !== null && s !== undefined) fields = JSON.parse(s) as StoredSummary;
  else if (legacyContent !== undefined) fields = JSON.parse(legacyContent) as StoredContent;
  else return 'legacy';
  return {
    id,
    type: fields.type,
    channel: fields.channel,
    recipient: fields.recipient,
    ...(fields.template_type === undefined ? {} : { template_type: fields.template_type }),
    status: status as MessageStatus,
    send_count: Number(sendCount ?? 0),
    dispatches: JSON.parse(dispatches ?? '[]') as Dispatch[],
    ...(fields.created_by === undefined ? {} : { created_by: fields.created_by }),
    created_at: fields.created_at,
    updated_at: updatedAt ?? fields.created_at,
  };
}
