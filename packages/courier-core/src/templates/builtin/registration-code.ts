/** Built-in templates for registration by code (`registration_code_valid`). */
import { codeBlock, EXPIRY_HTML, EXPIRY_PLAIN, htmlDocument } from './layout.js';
import type { BuiltinTemplate } from './types.js';

/** `registration_code_valid`: send the code that completes a registration. */
export const registrationCodeValid: BuiltinTemplate = {
  subject: 'Complete your account registration',
  html: htmlDocument('Complete your account registration', [
    'Hi,',
    'please complete your account registration by entering the following code:',
    codeBlock('registration_code'),
    EXPIRY_HTML,
    'If you did not try to sign up, you can safely ignore this email.',
  ]),
  plaintext: `Hi,

please complete your account registration by entering the following code:

{{registration_code}}

${EXPIRY_PLAIN}If you did not try to sign up, you can safely ignore this email.
`,
  sms: 'Your registration code is: {{registration_code}}{{#if expires_in_minutes}} (valid for {{expires_in_minutes}} minutes){{/if}}',
};
