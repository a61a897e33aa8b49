/**
 * Where each Kratos template type lives: its directory under `template_override_path`
 * (Kratos's layout), its key under `courier.templates`, and the template data its
 * built-in templates cannot do without.
 */
import type { TemplateType } from '../message.js';

/** A first-level key of `courier.templates`, e.g. `recovery_code`. */
type TemplateKind =
  'recovery' | 'recovery_code' | 'verification' | 'verification_code' | 'login_code' | 'registration_code' | 'verifiable_address_changed' | 'authenticator_key_added';

/** The second-level key of `courier.templates`: whether the flow found an account. */
type TemplateVariant = 'valid' | 'invalid';

/** Template data fields that a template type may require. */
export type RequiredTemplateField = 'recovery_url' | 'recovery_code' | 'verification_url' | 'verification_code' | 'login_code' | 'registration_code';

/** What the registry needs to know about one template type. */
export interface TemplateCatalogEntry {
  /** Directory under `template_override_path`, as Kratos lays it out, e.g. `recovery_code/valid`. */
  readonly dir: string;
  /**
   * Key path under `courier.templates`, e.g. `['recovery_code', 'valid']`; notices without
   * variants have just their kind, e.g. `['verifiable_address_changed']`.
   */
  readonly configKey: readonly [TemplateKind, TemplateVariant] | readonly [TemplateKind];
  /** Fields the built-in templates print; a message without them would be useless to its reader. */
  readonly requiredFields: readonly RequiredTemplateField[];
}

/** Every template type, mapped to its override directory, config key and required fields. */
export const TEMPLATE_CATALOG: Readonly<Record<TemplateType, TemplateCatalogEntry>> = Object.freeze({
  recovery_valid: { dir: 'recovery/valid', configKey: ['recovery', 'valid'], requiredFields: ['recovery_url'] },
  recovery_invalid: { dir: 'recovery/invalid', configKey: ['recovery', 'invalid'], requiredFields: [] },
  recovery_code_valid: {
    dir: 'recovery_code/valid',
    configKey: ['recovery_code', 'valid'],
    requiredFields: ['recovery_code'],
  },
  recovery_code_invalid: { dir: 'recovery_code/invalid', configKey: ['recovery_code', 'invalid'], requiredFields: [] },
  verification_valid: {
    dir: 'verification/valid',
    configKey: ['verification', 'valid'],
    requiredFields: ['verification_url'],
  },
  verification_invalid: { dir: 'verification/invalid', configKey: ['verification', 'invalid'], requiredFields: [] },
  verification_code_valid: {
    dir: 'verification_code/valid',
    configKey: ['verification_code', 'valid'],
    requiredFields: ['verification_code'],
  },
  verification_code_invalid: {
    dir: 'verification_code/invalid',
    configKey: ['verification_code', 'invalid'],
    requiredFields: [],
  },
  login_code_valid: { dir: 'login_code/valid', configKey: ['login_code', 'valid'], requiredFields: ['login_code'] },
  registration_code_valid: {
    dir: 'registration_code/valid',
    configKey: ['registration_code', 'valid'],
    requiredFields: ['registration_code'],
  },
  verifiable_address_changed: {
    dir: 'verifiable_address_changed',
    configKey: ['verifiable_address_changed'],
    requiredFields: [],
  },
  authenticator_key_added: { dir: 'authenticator_key_added', configKey: ['authenticator_key_added'], requiredFields: [] },
});
