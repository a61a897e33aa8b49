/**
 * Kratos's `GET /admin/courier/messages` shape. Like Kratos outside dev mode,
 * subject and body read `<redacted-unless-dev-mode>` unless
 * `producer.expose_message_content` is on.
 */
import { createHash } from 'node:crypto';
import type { MessageSummary } from '@courier/store';
import type { z } from 'zod';
import type { kratosMessage } from '../http/schemas.js';

/** Kratos's own placeholder for content outside dev mode. */
const KRATOS_REDACTED = '<redacted-unless-dev-mode>';

/** Kratos has no `error` or `cancelled` status: a failed attempt awaiting retry is still queued; a cancelled one is abandoned. */
function kratosStatus(status: MessageSummary['status']): z.output<typeof kratosMessage>['status'] {
  switch (status) {
    case 'error':
      return 'queued';
    case 'cancelled':
      return 'abandoned';
    default:
      return status;
  }
}

/** A deterministic UUID-shaped id for the n-th dispatch of a message (Kratos gives dispatches ids). */
function dispatchId(messageId: string, n: number): string {
  const h = createHash('sha1').update(`${messageId}:${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** The content Kratos's shape shows; undefined means "not exposed" (the placeholder). */
export interface KratosContent {
  readonly subject?: string | undefined;
  readonly body?: string | undefined;
}

/** A summary, or a whole stored message (whose optional `template_type` may hold `undefined`). */
type KratosSource = Omit<MessageSummary, 'template_type'> & { readonly template_type?: MessageSummary['template_type'] | undefined };

/**
 * A message in Kratos's admin shape.
 *
 * @param content - The message's subject and body when content is exposed (dev
 *   mode); undefined shows Kratos's placeholder for both.
 * @param withDispatches - True for `GET /admin/courier/messages/{id}`: Kratos loads
 *   dispatches there only (newest first), and omits the field when there are none.
 */
export function presentKratosMessage(m: KratosSource, content: KratosContent | undefined, withDispatches: boolean): z.output<typeof kratosMessage> {
  // Ids follow the chronological index, so a dispatch keeps its id as more are added.
  const dispatches = withDispatches
    ? m.dispatches
        .map((d, i) => ({
          id: dispatchId(m.id, i),
          message_id: m.id,
          // Kratos knows only success and failed: an unknown outcome shows as failed there.
          status: d.status === 'success' ? ('success' as const) : ('failed' as const),
          ...(d.error === undefined ? {} : { error: { ...d.error } }),
          created_at: d.at,
          updated_at: d.at,
        }))
        .reverse()
    : [];
  return {
    id: m.id,
    status: kratosStatus(m.status),
    type: m.type,
    channel: m.channel === '' ? null : m.channel,
    recipient: m.recipient,
    subject: content === undefined ? KRATOS_REDACTED : (content.subject ?? ''),
    body: content === undefined ? KRATOS_REDACTED : (content.body ?? ''),
    template_type: m.template_type ?? '',
    send_count: m.send_count,
    ...(dispatches.length > 0 ? { dispatches } : {}),
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}
