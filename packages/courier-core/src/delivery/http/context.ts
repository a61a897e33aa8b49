/**
 * The `ctx` object handed to the HTTP strategy's Jsonnet request-body templates, shaped like the one
 * Ory Kratos's HTTP courier passes, so templates written for Kratos work unchanged.
 *
 * Kratos changed the names over time: current releases serialise their
 * `httpDataModel` with snake_case JSON tags (`recipient`, `template_type`,
 * `template_data.recovery_code`, ...), older ones used the Go field names
 * (`Recipient`, `TemplateType`, `TemplateData.RecoveryCode`, ...), and both styles
 * are printed in Kratos's docs and config-schema default. The context carries both.
 */
import { kratosTemplateData, legacyFieldName } from '../../templates/model-fields.js';
import type { OutboundMessage } from '../strategy.js';

/**
 * Build the Jsonnet `ctx` for a message, with both naming styles:
 *
 * - `recipient`, `subject`, `body`, `html_body` (only when there is one, as Kratos's
 *   `omitempty`), `template_type`, `template_data` (the type's whole Kratos model, zero
 *   values for absent fields, as Kratos marshals it), `message_type`, `request_headers`;
 * - `Recipient`, `Subject`, `Body`, `HTMLBody`, `TemplateType`, `MessageType`,
 *   `RequestHeaders`, and `TemplateData` whose keys are the Go names (`To`, `RecoveryURL`, `RecoveryCode`,
 *   `VerificationURL`, `VerificationCode`, `LoginCode`, `RegistrationCode`,
 *   `Identity`, `RequestURL`, `TransientPayload`, `ExpiresInMinutes`, ...).
 *
 * Strings Kratos always sends are never missing: an absent subject or template
 * type is `""`, as Go's zero value, so `ctx.Subject` in Kratos's default template
 * does not fail for an SMS.
 */
export function buildJsonnetContext(message: OutboundMessage): Record<string, unknown> {
  // Every Kratos template model carries the recipient as `to`.
  const given: Record<string, unknown> = { to: message.recipient };
  for (const [key, value] of Object.entries(message.template_data ?? {})) {
    if (value !== undefined) given[key] = value;
  }
  // As Kratos marshals its model: every field of the type's model, zero-valued when absent.
  const templateData = message.template_type === undefined ? given : kratosTemplateData(message.template_type, given, message.type);
  const legacyTemplateData: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(templateData)) {
    legacyTemplateData[legacyFieldName(key)] = value;
  }

  const headers = given['request_headers'];
  const requestHeaders = typeof headers === 'object' && headers !== null && !Array.isArray(headers) ? headers : {};
  const subject = message.subject ?? '';
  const templateType = message.template_type ?? '';
  const ctx: Record<string, unknown> = {
    recipient: message.recipient,
    subject,
    body: message.body,
    template_type: templateType,
    template_data: templateData,
    message_type: message.type,
    // Kratos passes the headers of the request that caused the message; Courier has them only
    // when Kratos's HTTP strategy handed them over (/kratos/messages keeps them in template_data).
    request_headers: requestHeaders,
    Recipient: message.recipient,
    Subject: subject,
    Body: message.body,
    TemplateType: templateType,
    TemplateData: legacyTemplateData,
    MessageType: message.type,
    RequestHeaders: requestHeaders,
  };
  if (message.html_body !== undefined && message.html_body !== '') {
    ctx['html_body'] = message.html_body;
    ctx['HTMLBody'] = message.html_body;
  }
  return ctx;
}
