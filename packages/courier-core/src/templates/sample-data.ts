/**
 * Sample template data for previews (`courier templates preview` without
 * `--data`): what Kratos sends for each template type, with made-up values, so
 * every field of the type's model (`model-fields.ts`) has something to show.
 * Values are obviously fake (example.com, 555 numbers, codes 123456) and never
 * leave the preview.
 */
import type { MessageType, TemplateData, TemplateType } from '../message.js';
import { MODEL_FIELDS } from './model-fields.js';

/** The preview's recipient for each channel. */
export const SAMPLE_RECIPIENTS: Readonly<Record<MessageType, string>> = Object.freeze({
  email: 'jane.doe@example.com',
  sms: '+15555550123',
});

const FLOW = 'https://auth.example.com/self-service';
const IDENTITY_ID = '9f425a8d-7efc-4768-8f23-7647a74fdf13';

/** A Kratos identity as a template sees it (`.Identity`): id, schema, traits, addresses. */
function sampleIdentity(to: string): Record<string, unknown> {
  return {
    id: IDENTITY_ID,
    schema_id: 'default',
    state: 'active',
    // Traits follow the identity schema; this is a common shape. Previews of templates written for another one take --data.
    traits: { email: SAMPLE_RECIPIENTS.email, phone: SAMPLE_RECIPIENTS.sms, name: 'Jane Doe', language: 'en' },
    verifiable_addresses: [{ value: to, verified: false, via: to.includes('@') ? 'email' : 'sms', status: 'pending' }],
    recovery_addresses: [{ value: to, via: to.includes('@') ? 'email' : 'sms' }],
    metadata_public: { locale: 'en' },
  };
}

/** Values of the model fields, by `template_data` key. */
function fieldValues(to: string): Record<string, unknown> {
  return {
    to,
    recovery_url: `${FLOW}/recovery?flow=2b4fb59e-3bc8-4a89-9d0e-8a2f1e7c5a10&token=sample-recovery-token`,
    recovery_code: '123456',
    verification_url: `${FLOW}/verification?flow=6c1d3f0a-5e2b-4f7c-9a8d-0b1e2c3d4e5f&token=sample-verification-token`,
    verification_code: '234567',
    login_code: '345678',
    registration_code: '456789',
    identity: sampleIdentity(to),
    traits: sampleIdentity(to)['traits'],
    request_url: `${FLOW}/login/browser?return_to=https%3A%2F%2Fapp.example.com%2F`,
    transient_payload: { campaign: 'preview' },
    expires_in_minutes: 15,
    changed_at: '2026-01-15 09:30:00 +0000 UTC',
    added_at: '2026-01-15 09:30:00 +0000 UTC',
    oauth2_login_request: {
      challenge: 'sample-login-challenge',
      client: { client_id: 'example-app', client_name: 'Example App', client_uri: 'https://app.example.com', logo_uri: 'https://app.example.com/logo.png' },
    },
  };
}

/**
 * Sample data of a template type for a channel: every field of the type's Kratos
 * model (`request_url_domain` is left out: it is derived from `request_url`, as in Kratos).
 */
export function sampleTemplateData(type: TemplateType, channel: MessageType): TemplateData {
  const to = SAMPLE_RECIPIENTS[channel];
  const values = fieldValues(to);
  const data: Record<string, unknown> = {};
  for (const field of MODEL_FIELDS[type]) {
    if (Object.hasOwn(values, field.key)) data[field.key] = values[field.key];
  }
  return data;
}
