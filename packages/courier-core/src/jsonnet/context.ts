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
 *   `omitempty`), `template_type`, `template_data`, `message_type`;
 * - `Recipient`, `Subject`, `Body`, `HTMLBody`, `TemplateType`, `MessageType`, and
 *   `TemplateData` whose keys are the Go names (`To`, `RecoveryURL`, `RecoveryCode`,
 *   `VerificationURL`, `VerificationCode`, `LoginCode`, `RegistrationCode`,
 *   `Identity`, `RequestURL`, `TransientPayload`, `ExpiresInMinutes`, ...).
 *
 * Strings Kratos always sends are never missing: an absent subject or template
 * type is `""`, as Go's zero value, so `ctx.Subject` in Kratos's default template
 * does not fail for an SMS.
 */
export function buildJsonnetContext(message: OutboundMessage): Record<string, unknown> {
  // Every Kratos template model carries the recipient as `to`.
  const templateData: Record<string, unknown> = { to: message.recipient };
  for (const [key, value] of Object.entries(message.template_data ?? {})) {
    if (value !== undefined) templateData[key] = value;
  }
  const legacyTemplateData: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(templateData)) {
    legacyTemplateData[legacyFieldName(key)] = value;
  }

  const subject = message.subject ?? '';
  const templateType = message.template_type ?? '';
  const ctx: Record<string, unknown> = {
    recipient: message.recipient,
    subject,
    body: message.body,
    template_type: templateType,
    template_data: templateData,
    message_type: message.type,
    Recipient: message.recipient,
    Subject: subject,
    Body: message.body,
    TemplateType: templateType,
    TemplateData: legacyTemplateData,
    MessageType: message.type,
  };
  if (message.html_body !== undefined && message.html_body !== '') {
    ctx['html_body'] = message.html_body;
    ctx['HTMLBody'] = message.html_body;
  }
  return ctx;
}
