/**
 * The fields of Kratos's template models: each type's Go field names, the
 * `template_data` key (the field's JSON tag) each is read from, and its zero
 * value. A leaf (types only from message.ts): the Go-template model
 * (`models.ts`) and the Jsonnet `ctx` (`jsonnet/context.ts`) both read it.
 */
import type { TemplateData, TemplateType } from '../message.js';

/** A Kratos model field and the `template_data` key (its JSON tag) it is read from. */
export interface ModelField {
  readonly goName: string;
  readonly key: string;
  readonly zero: 'string' | 'map' | 'int';
}

const F = {
  To: { goName: 'To', key: 'to', zero: 'string' },
  RecoveryURL: { goName: 'RecoveryURL', key: 'recovery_url', zero: 'string' },
  RecoveryCode: { goName: 'RecoveryCode', key: 'recovery_code', zero: 'string' },
  VerificationURL: { goName: 'VerificationURL', key: 'verification_url', zero: 'string' },
  VerificationCode: { goName: 'VerificationCode', key: 'verification_code', zero: 'string' },
  LoginCode: { goName: 'LoginCode', key: 'login_code', zero: 'string' },
  RegistrationCode: { goName: 'RegistrationCode', key: 'registration_code', zero: 'string' },
  Identity: { goName: 'Identity', key: 'identity', zero: 'map' },
  Traits: { goName: 'Traits', key: 'traits', zero: 'map' },
  RequestURL: { goName: 'RequestURL', key: 'request_url', zero: 'string' },
  RequestURLDomain: { goName: 'RequestURLDomain', key: 'request_url_domain', zero: 'string' },
  TransientPayload: { goName: 'TransientPayload', key: 'transient_payload', zero: 'map' },
  ExpiresInMinutes: { goName: 'ExpiresInMinutes', key: 'expires_in_minutes', zero: 'int' },
  ChangedAt: { goName: 'ChangedAt', key: 'changed_at', zero: 'string' },
  AddedAt: { goName: 'AddedAt', key: 'added_at', zero: 'string' },
} as const satisfies Record<string, ModelField>;

const INVALID = [F.To, F.RequestURL, F.RequestURLDomain, F.TransientPayload];
const valid = (...specific: ModelField[]): readonly ModelField[] => [
  F.To,
  ...specific,
  F.Identity,
  F.RequestURL,
  F.RequestURLDomain,
  F.TransientPayload,
  F.ExpiresInMinutes,
];

/**
 * The fields of each type's model: Kratos's e-mail and SMS models of that type merged
 * (so `RequestURLDomain`, which Kratos has on SMS models only, exists for every type,
 * and `registration_code_valid` has both `Traits` (e-mail) and `Identity` (SMS)).
 */
export const MODEL_FIELDS: Readonly<Record<TemplateType, readonly ModelField[]>> = Object.freeze({
  recovery_valid: valid(F.RecoveryURL),
  recovery_invalid: INVALID,
  recovery_code_valid: valid(F.RecoveryCode),
  recovery_code_invalid: INVALID,
  verification_valid: valid(F.VerificationURL),
  verification_invalid: INVALID,
  verification_code_valid: valid(F.VerificationURL, F.VerificationCode),
  verification_code_invalid: INVALID,
  login_code_valid: valid(F.LoginCode),
  registration_code_valid: valid(F.RegistrationCode, F.Traits),
  verifiable_address_changed: [F.To, F.Identity, F.ChangedAt, F.TransientPayload],
  authenticator_key_added: [F.To, F.Identity, F.AddedAt, F.TransientPayload],
});

/**
 * Template data as Kratos marshals its model into the Jsonnet `ctx`: every field of the
 * type's model under its JSON tag (zero value when absent: `""`, `0`, `null` for a map,
 * as Go marshals a nil map; `request_url_domain` from `request_url`), then every other key.
 */
export function kratosTemplateData(type: TemplateType, data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  for (const field of MODEL_FIELDS[type]) {
    const value = data[field.key];
    if (isOfKind(value, field.zero)) continue;
    const zero = zeroOf(field.zero, field.goName, data);
    out[field.key] = field.zero === 'map' && isEmptyMap(zero) ? null : zero;
  }
  return out;
}

function isEmptyMap(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/** True when `value` is of the field's kind (a string, a safe integer, a map). */
export function isOfKind(value: unknown, kind: ModelField['zero']): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'map':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

/** The zero value of a field (`RequestURLDomain` and `Traits` derived from other data when they can be). */
export function zeroOf(kind: ModelField['zero'], goName: string, data: TemplateData): unknown {
  if (goName === 'RequestURLDomain') return hostnameOf(data.request_url);
  if (goName === 'Traits') {
    const traits = data.identity?.['traits'];
    if (isOfKind(traits, 'map')) return traits;
  }
  switch (kind) {
    case 'string':
      return '';
    case 'int':
      return 0;
    case 'map':
      return {};
  }
}

/** Host name of a URL (no port, as Kratos's `requestURLDomain`), or `""` when there is none. */
function hostnameOf(url: string | undefined): string {
  if (url === undefined || url === '') return '';
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
