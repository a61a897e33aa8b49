/**
 * The data a Go template sees: Kratos's model of the template type, with Kratos's Go
 * field names (`To`, `RecoveryCode`, `ExpiresInMinutes`, ...) and Go zero values for
 * the fields the message does not carry, built from the message's snake_case
 * `template_data`.
 */
import { GoStruct } from '@courier/go-template';
import { legacyFieldName } from '../jsonnet/context.js';
import type { MessageType, TemplateData, TemplateType } from '../message.js';

/** A Kratos model field and the `template_data` key (its JSON tag) it is read from. */
interface ModelField {
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

/** Kratos's Go type name of a model, as Go prints it in errors, e.g. `*email.RecoveryCodeValidModel`. */
export function modelTypeName(type: TemplateType, messageType: MessageType): string {
  return `*${messageType}.${legacyFieldName(type)}Model`;
}

/**
 * Build the model of a template type from template data, as a Go struct pointer (so a
 * field the model does not have is Go's `can't evaluate field X in type *email.…Model`):
 * every model field (zero value when absent: `""`, an empty map, `0`), `RequestURLDomain`
 * from `request_url_domain` or else the host name of `request_url`, `Traits` from
 * `traits` or else `identity.traits`, then every other template-data key as a field
 * under its Go name (`magic_link` -> `MagicLink`).
 */
export function buildModel(type: TemplateType, messageType: MessageType, data: TemplateData): GoStruct {
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const field of MODEL_FIELDS[type]) {
    const value = data[field.key];
    fields[field.goName] = isOfKind(value, field.zero) ? value : zeroOf(field.zero, field.goName, data);
  }
  for (const [key, value] of Object.entries(data)) {
    const name = legacyFieldName(key);
    if (value === undefined || name === '' || Object.hasOwn(fields, name)) continue;
    fields[name] = value;
  }
  return new GoStruct(modelTypeName(type, messageType), fields);
}

function isOfKind(value: unknown, kind: ModelField['zero']): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'map':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

function zeroOf(kind: ModelField['zero'], goName: string, data: TemplateData): unknown {
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
