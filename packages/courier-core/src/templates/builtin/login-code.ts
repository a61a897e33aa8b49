/** Built-in templates for passwordless login by code (`login_code_valid`). */
import { codeBlock, EXPIRY_HTML, EXPIRY_PLAIN, htmlDocument } from './layout.js';
import type { BuiltinTemplate } from './types.js';

/** `login_code_valid`: send the login code. */
export const loginCodeValid: BuiltinTemplate = {
  subject: 'Login to your account',
  html: htmlDocument('Login to your account', [
    'Hi,',
    'please login to your account by entering the following code:',
    codeBlock('login_code'),
    EXPIRY_HTML,
    'If you did not try to log in, you can safely ignore this email.',
  ]),
  plaintext: `Hi,

please login to your account by entering the following code:

{{login_code}}

${EXPIRY_PLAIN}If you did not try to log in, you can safely ignore this email.
`,
  sms: 'Your login code is: {{login_code}}{{#if expires_in_minutes}} (valid for {{expires_in_minutes}} minutes){{/if}}',
};
