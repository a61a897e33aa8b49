/**
 * The Handlebars render context: the template data as given (snake_case) plus
 * Kratos's Go field names, so a `.hbs` template may use either style
 * (`{{recovery_code}}` or `{{RecoveryCode}}`). Go templates get Kratos's model
 * instead (models.ts).
 */
import type { TemplateData } from '../message.js';

/** The object Handlebars templates render against. */
export function renderContext(data: TemplateData): Record<string, unknown> {
  const traits = data['traits'] ?? data.identity?.['traits'];
  return {
    ...data,
    To: data.to,
    RecoveryURL: data.recovery_url,
    RecoveryCode: data.recovery_code,
    VerificationURL: data.verification_url,
    VerificationCode: data.verification_code,
    LoginCode: data.login_code,
    RegistrationCode: data.registration_code,
    Identity: data.identity,
    // Kratos's registration_code model exposes the traits directly rather than the identity.
    Traits: traits,
    RequestURL: data.request_url,
    TransientPayload: data.transient_payload,
    ExpiresInMinutes: data.expires_in_minutes,
  };
}
