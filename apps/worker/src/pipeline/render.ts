/**
 * Render step: turn a job payload into the message a strategy delivers. A
 * templated message is rendered from its template type and data (core's
 * `renderTemplated`, which `courier templates preview` uses too); a raw message
 * goes out as given, and so does a templated one its sender rendered already.
 */
import { renderTemplated, type JobPayload, type OutboundMessage, type TemplateRegistry } from '@courier/core';

/** Render a payload. Rejects with a (permanent) TemplateError when the template fails. */
export async function renderPayload(payload: JobPayload, templates: TemplateRegistry): Promise<OutboundMessage> {
  const base = {
    id: payload.id,
    type: payload.type,
    channel: payload.channel,
    recipient: payload.recipient,
    template_type: payload.template_type,
    template_data: payload.template_data,
  };
  // A body given with a template type was rendered by its sender (Kratos's HTTP
  // strategy, through /kratos/messages): it goes out as given; the template type
  // and data are kept for tracking.
  if (payload.template_type === undefined || payload.body !== undefined) {
    return { ...base, subject: payload.subject, body: payload.body ?? '', html_body: payload.html_body };
  }
  const { data, content } = await renderTemplated(templates, {
    type: payload.type,
    recipient: payload.recipient,
    template_type: payload.template_type,
    template_data: payload.template_data,
  });
  return { ...base, template_data: data, subject: content.subject, body: content.body, html_body: content.html_body };
}
