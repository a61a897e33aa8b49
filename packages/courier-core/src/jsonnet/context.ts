/**
 * The `ctx` object handed to Jsonnet request-body templates, shaped like the one
 * Ory Kratos's HTTP courier passes, so templates written for Kratos work unchanged.
 *
 * Kratos changed the names over time: current releases serialise their
 * `httpDataModel` with snake_case JSON tags (`recipient`, `template_type`,
 * `template_data.recovery_code`, ...), older ones used the Go field names
 * (`Recipient`, `TemplateType`, `TemplateData.RecoveryCode`, ...), and both styles
 * are printed in Kratos's docs and config-schema default. The context carries both.
 */
import type { OutboundMessage } from '../delivery/strategy.js';
import { kratosTemplateData } from '../templates/model-fields.js';

/** Parts of a snake_case key that Go spells as all-caps initialisms (`recovery_url` -> `RecoveryURL`). */
const GO_INITIALISMS: ReadonlySet<string> = new Set(['url', 'uri', 'id', 'html', 'api', 'ip', 'sms', 'otp']);

/**
 * The Go field name Kratos's older templates used for a snake_case key,
 * e.g. `recovery_url` -> `RecoveryURL`, `expires_in_minutes` -> `ExpiresInMinutes`.
 */
export function legacyFieldName(snake: string): string {
  let name = legacyNames.get(snake);
  if (name === undefined) {
    name = toLegacyName(snake);
    // Template data keys come from a small, fixed vocabulary; the bound only guards against a caller sending many.
    if (legacyNames.size < MAX_CACHED_NAMES) legacyNames.set(snake, name);
  }
  return name;
}

const MAX_CACHED_NAMES = 1_000;
const legacyNames = new Map<string, string>();

function toLegacyName(snake: string): string {
  return snake
    .split('_')
    .filter((part) => part.length > 0)
    .map((part) => (GO_INITIALISMS.has(part) ? part.toUpperCase() : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('');
}

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
