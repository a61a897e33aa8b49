/** Built-in templates for passwordless login by code (`login_code_valid`). */
import { codeBlock, EXPIRY_HTML, EXPIRY_PLAIN, htmlDocument, smsCode } from './layout.js';
import type { BuiltinTemplate } from './types.js';

/** `login_code_valid`: send the login code. */
export const loginCodeValid: BuiltinTemplate = {
  subject: 'Your login code: {{ .LoginCode }}',
  html: htmlDocument('Login to your account', [
    'Hi,',
    'please login to your account by entering the following code:',
    codeBlock('LoginCode'),
    EXPIRY_HTML,
    'If you did not try to log in, you can safely ignore this email.',
  ]),
  plaintext: `Hi,

please login to your account by entering the following code:

{{ .LoginCode }}

${EXPIRY_PLAIN}If you did not try to log in, you can safely ignore this email.
`,
  sms: smsCode('login code', 'LoginCode'),
};
