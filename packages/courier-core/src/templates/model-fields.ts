/**
 * The fields of Kratos's template models: each type's Go field names, the
 * `template_data` key (the field's JSON tag) each is read from, and its zero
 * value, and the Go field name of any other key. A leaf (types only from
 * message.ts): the Go-template model (`models.ts`) and the HTTP strategy's Jsonnet
 * `ctx` (`delivery/http/context.ts`) both read it.
 */
import type { TemplateData, TemplateType } from '../message.js';

/** A Kratos model field and the `template_data` key (its JSON tag) it is read from. */
export interface ModelField {
  readonly goName: string;
  readonly key: string;
  /** The field's kind; `ptr` is a struct pointer, nil when absent (`omitempty` in Kratos's JSON). */
  readonly zero: 'string' | 'map' | 'int' | 'ptr';
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
  OAuth2LoginRequest: { goName: 'OAuth2LoginRequest', key: 'oauth2_login_request', zero: 'ptr' },
} as const satisfies Record<string, ModelField>;

const INVALID = [F.To, F.RequestURL, F.RequestURLDomain, F.TransientPayload];
const valid = (...specific: ModelField[]): readonly ModelField[] => [F.To, ...specific, F.Identity, F.RequestURL, F.RequestURLDomain, F.TransientPayload, F.ExpiresInMinutes];

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
  verification_valid: [...valid(F.VerificationURL), F.OAuth2LoginRequest],
  verification_invalid: INVALID,
  verification_code_valid: [...valid(F.VerificationURL, F.VerificationCode), F.OAuth2LoginRequest],
  verification_code_invalid: INVALID,
  login_code_valid: [...valid(F.LoginCode), F.OAuth2LoginRequest],
  registration_code_valid: [...valid(F.RegistrationCode, F.Traits), F.OAuth2LoginRequest],
  verifiable_address_changed: [F.To, F.Identity, F.ChangedAt, F.TransientPayload],
  authenticator_key_added: [F.To, F.Identity, F.AddedAt, F.TransientPayload],
});

/**
 * Template data as Kratos marshals its model into the Jsonnet `ctx`: every field of the
 * type's model under its JSON tag (zero value when absent: `""`, `0`, `null` for a map,
 * as Go marshals a nil map; `request_url_domain` from `request_url`), then every other key.
 *
 * One tag differs by channel: Kratos's SMS `recovery_code_valid` model tags its
 * `RecoveryCode` as `verification_code` (courier/template/sms/recovery_code.go), so a
 * Jsonnet body written for Kratos reads the recovery code there. For an SMS of that type
 * the code is carried under both keys.
 */
export function kratosTemplateData(type: TemplateType, data: Readonly<Record<string, unknown>>, channel: 'email' | 'sms' = 'email'): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  for (const field of MODEL_FIELDS[type]) {
    const value = data[field.key];
    // Kratos's `omitempty`: a nil pointer is left out, not marshalled as null.
    if (isOfKind(value, field.zero) || field.zero === 'ptr') continue;
    const zero = zeroOf(field.zero, field.goName, data);
    out[field.key] = field.zero === 'map' && isEmptyMap(zero) ? null : zero;
  }
  if (channel === 'sms' && type === 'recovery_code_valid' && !isOfKind(data['verification_code'], 'string')) {
    out['verification_code'] = out['recovery_code'];
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
    case 'ptr':
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
    case 'ptr':
      return null;
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
