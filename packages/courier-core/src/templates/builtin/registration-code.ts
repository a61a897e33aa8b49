/** Built-in templates for registration by code (`registration_code_valid`). */
import { codeBlock, EXPIRY_HTML, EXPIRY_PLAIN, htmlDocument, smsCode } from './layout.js';
import type { BuiltinTemplate } from './types.js';

/** `registration_code_valid`: send the code that completes a registration. */
export const registrationCodeValid: BuiltinTemplate = {
  subject: 'Your registration code: {{ .RegistrationCode }}',
  html: htmlDocument('Complete your account registration', [
    'Hi,',
    'please complete your account registration by entering the following code:',
    codeBlock('RegistrationCode'),
    EXPIRY_HTML,
    'If you did not try to sign up, you can safely ignore this email.',
  ]),
  plaintext: `Hi,

please complete your account registration by entering the following code:

{{ .RegistrationCode }}

${EXPIRY_PLAIN}If you did not try to sign up, you can safely ignore this email.
`,
  sms: smsCode('registration code', 'RegistrationCode'),
};
