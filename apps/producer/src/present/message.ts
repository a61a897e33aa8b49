/**
 * How stored messages are shown: the API's own shape (bodies and one-time
 * codes redacted in lists unless configured otherwise) and Kratos's admin shape.
 */
import { createHash } from 'node:crypto';
import { SECRET_TEMPLATE_FIELDS, type Message, type TemplateData } from '@courier/core';
import type { z } from 'zod';
import type { apiMessage, kratosMessage } from '../http/schemas.js';

const REDACTED = '[redacted]';

function redactTemplateData(data: TemplateData | undefined): TemplateData | undefined {
  if (data === undefined) return undefined;
  const out: Record<string, unknown> = { ...data };
  for (const field of SECRET_TEMPLATE_FIELDS) if (out[field] !== undefined) out[field] = REDACTED;
  return out as TemplateData;
}

/** A message in the API shape; `redact` drops bodies and masks one-time codes and links. */
export function presentMessage(m: Message, redact: boolean): z.output<typeof apiMessage> {
  if (!redact) return m;
  const { body: _body, html_body: _html, template_data, ...rest } = m;
  const data = redactTemplateData(template_data);
  return data === undefined ? rest : { ...rest, template_data: data };
}

/** Kratos has no `error` or `cancelled` status: a failed attempt awaiting retry is still queued; a cancelled one is abandoned. */
export function kratosStatus(status: Message['status']): z.output<typeof kratosMessage>['status'] {
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

/** A message in Kratos's `GET /admin/courier/messages` shape. */
export function presentKratosMessage(m: Message, redact: boolean): z.output<typeof kratosMessage> {
  return {
    id: m.id,
    status: kratosStatus(m.status),
    type: m.type,
    channel: m.channel,
    recipient: m.recipient,
    subject: m.subject ?? '',
    body: redact ? '' : (m.body ?? ''),
    template_type: m.template_type ?? '',
    send_count: m.send_count,
    dispatches: m.dispatches.map((d, i) => ({
      id: dispatchId(m.id, i),
      message_id: m.id,
      status: d.status,
      ...(d.error === undefined ? {} : { error: { ...d.error } }),
      created_at: d.at,
      updated_at: d.at,
    })),
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}
