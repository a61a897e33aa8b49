/**
 * How a message is shown in `GET /messages`: its summary (no content at all, so
 * nothing to redact), with the error of its last failed attempt.
 */
import type { MessageSummary } from '@courier/store';
import type { z } from 'zod';
import type { apiMessageSummary } from '../http/schemas.js';

/** A summary in the API's list shape. */
export function presentSummary(s: MessageSummary): z.output<typeof apiMessageSummary> {
  const last = s.dispatches[s.dispatches.length - 1];
  return {
    id: s.id,
    type: s.type,
    channel: s.channel,
    recipient: s.recipient,
    ...(s.template_type === undefined ? {} : { template_type: s.template_type }),
    status: s.status,
    send_count: s.send_count,
    ...(last === undefined ? {} : { last_attempt_at: last.at }),
    ...(last?.error === undefined ? {} : { last_error: { ...last.error } }),
    ...(s.created_by === undefined ? {} : { created_by: s.created_by }),
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}
