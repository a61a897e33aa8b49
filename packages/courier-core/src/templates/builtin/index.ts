/** The built-in templates of every template type. */
import type { TemplateType } from '../../message.js';
import { loginCodeValid } from './login-code.js';
import { recoveryCodeInvalid, recoveryCodeValid } from './recovery-code.js';
import { recoveryInvalid, recoveryValid } from './recovery.js';
import { registrationCodeValid } from './registration-code.js';
import { verificationCodeInvalid, verificationCodeValid } from './verification-code.js';
import { verificationInvalid, verificationValid } from './verification.js';
import { authenticatorKeyAdded, verifiableAddressChanged } from './notices.js';
import type { BuiltinTemplate } from './types.js';

export type { BuiltinTemplate } from './types.js';

/** Built-in Go template sources for each template type, used when neither config nor the override directory has one. */
export const BUILTIN_TEMPLATES: Readonly<Record<TemplateType, BuiltinTemplate>> = Object.freeze({
  recovery_valid: recoveryValid,
  recovery_invalid: recoveryInvalid,
  recovery_code_valid: recoveryCodeValid,
  recovery_code_invalid: recoveryCodeInvalid,
  verification_valid: verificationValid,
  verification_invalid: verificationInvalid,
  verification_code_valid: verificationCodeValid,
  verification_code_invalid: verificationCodeInvalid,
  login_code_valid: loginCodeValid,
  registration_code_valid: registrationCodeValid,
  verifiable_address_changed: verifiableAddressChanged,
  authenticator_key_added: authenticatorKeyAdded,
});
